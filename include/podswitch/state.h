/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_STATE_H
#define PODSWITCH_STATE_H

/*
 * Files of the state directory (--state-dir, "state": {"dir"}): one file
 * per kind of thing kept ("ports", "routes", "services", "conntrack"),
 * named <kind>.state, each written whole and atomically: a temporary
 * file in the same directory, fsync, rename over the old one, fsync of
 * the directory. A reader therefore sees the old file or the new one.
 *
 * Every file starts with one text line,
 *     PODSWITCH-STATE <version> <kind> <payload bytes> <crc32c hex>\n
 * then the payload. A file that does not start so (not ours), names
 * another kind or version, or whose length or checksum does not match
 * (cut short by a full disk, edited, damaged) is refused as a whole: its
 * content is never half applied.
 *
 * No DPDK runtime needed (the checksum is DPDK's inline CRC32C): the
 * daemon's management thread and the unit tests call these alike.
 */

#include <stddef.h>

#define PS_STATE_VERSION 1
#define PS_STATE_SUFFIX ".state"
#define PS_STATE_WHY_MAX 160

/* Create dir (mode 0700) if missing. 0 or -errno. */
int ps_state_dir_prepare(const char *dir);
/* Write <dir>/<kind>.state atomically. 0 or -errno (the old file stays). */
int ps_state_write(const char *dir, const char *kind, const void *data,
		   size_t len);
/*
 * Read and verify <dir>/<kind>.state. 0 with *data (malloc'ed, NUL
 * terminated) and *len; -ENOENT when there is none; -EBADMSG when it is
 * refused, the reason in why; other -errno for I/O errors (why too).
 */
int ps_state_read(const char *dir, const char *kind, char **data,
		  size_t *len, char *why, size_t why_size);
/*
 * Move a refused <kind>.state aside to <kind>.state.refused (replacing an
 * older one), so the operator can look at it and the next write starts
 * clean. 0 or -errno.
 */
int ps_state_set_aside(const char *dir, const char *kind);
/*
 * Look at every entry of dir: temporary files a crash left behind are
 * removed; for those and for every file that is neither a known kind's
 * file nor a set-aside one, cb is called (to log it). kinds ends with
 * NULL. Returns the number of entries reported, or -errno.
 */
typedef void (*ps_state_scan_cb)(const char *name, const char *what,
				 void *arg);
int ps_state_scan(const char *dir, const char *const kinds[],
		  ps_state_scan_cb cb, void *arg);

#endif
