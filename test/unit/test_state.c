/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the state directory's files (include/podswitch/state.h):
 * round trip, atomic replacement (a failed write leaves the old file),
 * and every kind of file that must be refused whole: cut short, appended
 * to, edited, another kind, another version, not ours at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <podswitch/state.h>

#include "test_common.h"

static char dir[256];

static void
path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void
put_file(const char *name, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	fclose(f);
}

static size_t
get_file(const char *name, char *buf, size_t size)
{
	char p[512];
	size_t n;
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

static int
read_kind(const char *kind, char *why)
{
	char *data = NULL;
	size_t len;
	int rc = ps_state_read(dir, kind, &data, &len, why, PS_STATE_WHY_MAX);

	free(data);
	return rc;
}

static void
test_round_trip(void)
{
	static const char bin[] = "line one\nline two\0after a NUL\n";
	char p[512], why[PS_STATE_WHY_MAX], *data;
	struct stat st;
	size_t len;

	CU_ASSERT_EQUAL(ps_state_write(dir, "routes", bin, sizeof(bin)), 0);
	CU_ASSERT_EQUAL(ps_state_read(dir, "routes", &data, &len, why,
				      sizeof(why)), 0);
	CU_ASSERT_EQUAL(len, sizeof(bin));
	CU_ASSERT_EQUAL(memcmp(data, bin, sizeof(bin)), 0);
	free(data);
	path_of(p, sizeof(p), "routes.state");
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	/* empty payloads are fine too */
	CU_ASSERT_EQUAL(ps_state_write(dir, "ports", "", 0), 0);
	CU_ASSERT_EQUAL(ps_state_read(dir, "ports", &data, &len, why,
				      sizeof(why)), 0);
	CU_ASSERT_EQUAL(len, 0);
	free(data);
	CU_ASSERT_EQUAL(ps_state_read(dir, "services", &data, &len, why,
				      sizeof(why)), -ENOENT);
	CU_ASSERT_EQUAL(ps_state_write(dir, "Bad/kind", "x", 1), -EINVAL);
}

/* A write that cannot finish leaves the file it was to replace intact. */
static void
test_atomic_replace(void)
{
	char p[512], tmp[512], why[PS_STATE_WHY_MAX], *data;
	size_t len;

	CU_ASSERT_EQUAL(ps_state_write(dir, "services", "old", 3), 0);
	/* the temporary file's name taken by a directory: open fails */
	snprintf(tmp, sizeof(tmp), "%s/.tmp-services.%d", dir, (int)getpid());
	CU_ASSERT_EQUAL_FATAL(mkdir(tmp, 0700), 0);
	CU_ASSERT(ps_state_write(dir, "services", "new!", 4) < 0);
	rmdir(tmp);
	CU_ASSERT_EQUAL(ps_state_read(dir, "services", &data, &len, why,
				      sizeof(why)), 0);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(data, "old", 3), 0);
	free(data);
	CU_ASSERT_EQUAL(ps_state_write(dir, "services", "new!", 4), 0);
	CU_ASSERT_EQUAL(ps_state_read(dir, "services", &data, &len, why,
				      sizeof(why)), 0);
	CU_ASSERT_EQUAL(len, 4);
	free(data);
	/* and nothing temporary is left behind */
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	path_of(p, sizeof(p), "services.state");
	CU_ASSERT_EQUAL(access(p, R_OK), 0);
}

static void
test_refused(void)
{
	char buf[4096], why[PS_STATE_WHY_MAX];
	size_t n;

	CU_ASSERT_EQUAL(ps_state_write(dir, "routes", "{\"routes\": []}",
				       14), 0);
	n = get_file("routes.state", buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 14);

	/* cut short */
	put_file("routes.state", buf, n - 3);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "cut short"));
	/* appended to */
	buf[n] = 'x';
	put_file("routes.state", buf, n + 1);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	/* one payload byte changed */
	buf[n - 2] ^= 0x20;
	put_file("routes.state", buf, n);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "checksum"));
	buf[n - 2] ^= 0x20;
	/* intact: read again */
	put_file("routes.state", buf, n);
	CU_ASSERT_EQUAL(read_kind("routes", why), 0);
	/* a good file of another kind under this name */
	put_file("ports.state", buf, n);
	CU_ASSERT_EQUAL(read_kind("ports", why), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "holds \"routes\""));
	/* another version */
	memcpy(buf + strlen("PODSWITCH-STATE "), "7", 1);
	put_file("routes.state", buf, n);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "version 7"));
	/* not ours: JSON, empty, a header line without its end */
	put_file("routes.state", "{\"routes\": []}\n", 15);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a podswitch state file"));
	put_file("routes.state", "", 0);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	put_file("routes.state", "PODSWITCH-STATE 1 routes 3 0", 28);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	put_file("routes.state", "PODSWITCH-STATE 1 routes x 0\n", 29);
	CU_ASSERT_EQUAL(read_kind("routes", why), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "malformed"));
}

static unsigned int scan_removed, scan_ignored;

static void
scan_cb(const char *name, const char *what, void *arg)
{
	(void)arg;
	if (strncmp(what, "removed", 7) == 0 &&
	    strncmp(name, ".tmp-", 5) == 0)
		scan_removed++;
	else if (strncmp(what, "ignored", 7) == 0)
		scan_ignored++;
}

static void
test_set_aside_and_scan(void)
{
	static const char *const kinds[] = { "ports", "routes", "services",
		NULL };
	char p[512];

	put_file("routes.state", "garbage", 7);
	CU_ASSERT_EQUAL(ps_state_set_aside(dir, "routes"), 0);
	path_of(p, sizeof(p), "routes.state");
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	path_of(p, sizeof(p), "routes.state.refused");
	CU_ASSERT_EQUAL(access(p, F_OK), 0);
	put_file(".tmp-routes.99", "half", 4);
	put_file("notes.txt", "x", 1);
	scan_removed = scan_ignored = 0;
	CU_ASSERT_EQUAL(ps_state_scan(dir, kinds, scan_cb, NULL), 2);
	CU_ASSERT_EQUAL(scan_removed, 1);
	CU_ASSERT_EQUAL(scan_ignored, 1);
	path_of(p, sizeof(p), ".tmp-routes.99");
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
	CU_ASSERT_EQUAL(ps_state_dir_prepare(dir), 0);
	path_of(p, sizeof(p), "notes.txt");
	CU_ASSERT_EQUAL(ps_state_dir_prepare(p), -ENOTDIR);
}

static int
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ps-test-state.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0 ? -1 : 0;
}

static const struct ps_test tests[] = {
	{ "write and read back", test_round_trip },
	{ "a failed write keeps the old file", test_atomic_replace },
	{ "damaged, foreign, other kind or version: refused", test_refused },
	{ "set aside, leftovers and foreign files", test_set_aside_and_scan },
};

PS_TEST_MAIN(NULL, PS_SUITE("state", make_dir, remove_dir, tests))
