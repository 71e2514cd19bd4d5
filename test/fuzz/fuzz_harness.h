/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_FUZZ_HARNESS_H
#define PS_FUZZ_HARNESS_H

/*
 * What every harness defines: libFuzzer's two entry points. The same file
 * links with libFuzzer (clang, -fsanitize=fuzzer) or with fuzz_replay.c
 * (any compiler), which runs given inputs once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run when a harness finds a broken invariant that no sanitizer
 * would see (an mbuf leaked, a connection never closed). */
#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz: check failed: " #cond ": " \
				__VA_ARGS__);				\
			abort();					\
		}							\
	} while (0)

static inline uint64_t
fuzz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
