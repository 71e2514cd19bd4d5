/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main() of a fuzz harness built without libFuzzer (gcc, the normal
 * build): each argument is an input file or a directory of them, run once
 * through LLVMFuzzerTestOneInput in name order. CI replays the regression
 * inputs and the seed corpora this way with no clang; a crash, a sanitizer
 * report or an abort() of the harness fails the run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_harness.h"

#define SLOW_MS 1000

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint64_t t0, ms;
	uint8_t *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* exactly len bytes, so that ASan sees a read past the input */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || (len > 0 && fread(buf, (size_t)len, 1, f) != 1)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	t0 = fuzz_now_ms();
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	ms = fuzz_now_ms() - t0;
	/* libFuzzer reports slow inputs too: a hang is a finding */
	if (ms >= SLOW_MS)
		printf("replay: %s took %llu ms\n", path, (unsigned long long)ms);
	free(buf);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns inputs run, or -1. */
static int
run_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0, i;
	int done = 0;
	DIR *d;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) *
					    sizeof(*names));

			if (nn == NULL)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		int rc;

		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		rc = run_path(full);
		if (rc < 0)
			done = -1;
		else if (done >= 0)
			done += rc;
		free(names[i]);
	}
	free(names);
	return done;
}

int
main(int argc, char **argv)
{
	int i, rc, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize(&argc, &argv) != 0)
		return 1;
	for (i = 1; i < argc; i++) {
		rc = run_path(argv[i]);
		if (rc < 0)
			return 1;
		printf("replay: %s: %d input%s\n", argv[i], rc, rc == 1 ? "" : "s");
		total += rc;
	}
	printf("replay: %d inputs, no crash\n", total);
	return 0;
}
