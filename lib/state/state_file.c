/* SPDX-License-Identifier: BSD-3-Clause */
/* The state directory's files: atomic writes, verified reads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_hash_crc.h>

#include <podswitch/state.h>

#define MAGIC "PODSWITCH-STATE"
#define TMP_PREFIX ".tmp-"
/* Far above any real state (100k routes are ~5 MB); a bigger file is not
 * ours and is not read into memory. */
#define STATE_MAX_BYTES (1ull << 31)
#define HEADER_MAX 128

/*
 * CRC32C of the body, the value rte_hash_crc gives, without its 8-byte
 * loads from wherever the body starts: a body that follows the header line
 * is rarely aligned (UBSan: misaligned load in rte_hash_crc).
 */
static uint32_t
crc_of(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffff;
	uint64_t w;

	for (; len >= sizeof(w); p += sizeof(w), len -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		crc = rte_hash_crc_8byte(w, crc);
	}
	for (; len > 0; p++, len--)
		crc = rte_hash_crc_1byte(*p, crc);
	return crc;
}

static bool
kind_ok(const char *kind)
{
	const char *p;

	if (kind == NULL || kind[0] == '\0' || strlen(kind) > 32)
		return false;
	for (p = kind; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return false;
	return true;
}

int
ps_state_dir_prepare(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The rename is durable only once the directory entry is on disk. */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int
ps_state_write(const char *dir, const char *kind, const void *data,
	       size_t len)
{
	char tmp[4096], final[4096], head[HEADER_MAX];
	int fd, n, rc;

	if (!kind_ok(kind))
		return -EINVAL;
	n = snprintf(final, sizeof(final), "%s/%s%s", dir, kind,
		     PS_STATE_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof(final))
		return -ENAMETOOLONG;
	/* the pid keeps two processes on one directory (a mistake, but
	 * a possible one) from writing into each other's temporary file */
	n = snprintf(tmp, sizeof(tmp), "%s/%s%s.%d", dir, TMP_PREFIX, kind,
		     (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	n = snprintf(head, sizeof(head), "%s %d %s %zu %08" PRIx32 "\n", MAGIC,
		     PS_STATE_VERSION, kind, len, crc_of(data, len));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, head, (size_t)n);
	if (rc == 0)
		rc = write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, final) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	return sync_dir(dir);
}

static char *
read_file(const char *path, size_t *len, int *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > STATE_MAX_BYTES) {
		*err = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		*err = -ENOMEM;
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

int
ps_state_read(const char *dir, const char *kind, char **data, size_t *len,
	      char *why, size_t why_size)
{
	char path[4096], magic[24], fkind[40], *buf, *nl;
	unsigned long long plen;
	unsigned int crc;
	size_t flen, hlen;
	int ver, rc = 0, used = 0;

	*data = NULL;
	*len = 0;
	why[0] = '\0';
	if (!kind_ok(kind))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s%s", dir, kind, PS_STATE_SUFFIX);
	buf = read_file(path, &flen, &rc);
	if (buf == NULL) {
		if (rc != -ENOENT)
			snprintf(why, why_size, "cannot read it: %s",
				 strerror(-rc));
		return rc;
	}
	nl = memchr(buf, '\n', flen < HEADER_MAX ? flen : HEADER_MAX);
	if (nl == NULL || strncmp(buf, MAGIC " ", strlen(MAGIC) + 1) != 0) {
		snprintf(why, why_size, "not a podswitch state file (no "
			 "\"%s\" header line)", MAGIC);
		goto refuse;
	}
	*nl = '\0';
	hlen = (size_t)(nl - buf) + 1;
	if (sscanf(buf, "%23s %d %39s %llu %8x%n", magic, &ver, fkind, &plen,
		   &crc, &used) != 5 || buf[used] != '\0') {
		snprintf(why, why_size, "malformed header line");
		goto refuse;
	}
	if (ver != PS_STATE_VERSION) {
		snprintf(why, why_size, "format version %d, this podswitch "
			 "reads version %d", ver, PS_STATE_VERSION);
		goto refuse;
	}
	if (strcmp(fkind, kind) != 0) {
		snprintf(why, why_size, "holds \"%s\", not \"%s\"", fkind,
			 kind);
		goto refuse;
	}
	if (plen != flen - hlen) {
		snprintf(why, why_size, "%zu bytes after the header, the header "
			 "says %llu (cut short or appended to)", flen - hlen,
			 plen);
		goto refuse;
	}
	if (crc_of(nl + 1, (size_t)plen) != crc) {
		snprintf(why, why_size, "checksum mismatch (damaged or edited)");
		goto refuse;
	}
	/* the payload moves to the front: callers get a plain string */
	memmove(buf, nl + 1, (size_t)plen);
	buf[plen] = '\0';
	*data = buf;
	*len = (size_t)plen;
	return 0;
refuse:
	free(buf);
	return -EBADMSG;
}

int
ps_state_set_aside(const char *dir, const char *kind)
{
	char from[4096], to[4096 + 16];

	snprintf(from, sizeof(from), "%s/%s%s", dir, kind, PS_STATE_SUFFIX);
	snprintf(to, sizeof(to), "%s.refused", from);
	if (rename(from, to) < 0)
		return -errno;
	return sync_dir(dir);
}

static bool
known_name(const char *name, const char *const kinds[])
{
	size_t sl = strlen(PS_STATE_SUFFIX);
	unsigned int i;

	for (i = 0; kinds[i] != NULL; i++) {
		size_t kl = strlen(kinds[i]);

		if (strncmp(name, kinds[i], kl) != 0 ||
		    strncmp(name + kl, PS_STATE_SUFFIX, sl) != 0)
			continue;
		if (name[kl + sl] == '\0' ||
		    strcmp(name + kl + sl, ".refused") == 0)
			return true;
	}
	return false;
}

int
ps_state_scan(const char *dir, const char *const kinds[],
	      ps_state_scan_cb cb, void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
			/* a write a crash interrupted: the file it was to
			 * replace is intact, this one is garbage */
			unlinkat(dirfd(d), name, 0);
			cb(name, "removed: an unfinished write", arg);
			n++;
		} else if (!known_name(name, kinds)) {
			cb(name, "ignored: not a state file of this podswitch",
			   arg);
			n++;
		}
	}
	closedir(d);
	return n;
}
