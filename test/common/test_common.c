/* SPDX-License-Identifier: BSD-3-Clause */
/* The test programs' process: EAL, driver profiles, the CUnit main. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "test_common.h"
#include "ps_build_config.h"

static char runtime_dir[PATH_MAX];

/*
 * At exit: EAL's own cleanup, then the runtime directory it made
 * (/var/run/dpdk/<prefix>), which rte_eal_cleanup() leaves behind, so that
 * test runs do not pile up directories.
 */
static void
eal_fini(void)
{
	struct dirent *de;
	char path[PATH_MAX + 256];
	DIR *d;

	rte_eal_cleanup();
	if (runtime_dir[0] == '\0')
		return;
	d = opendir(runtime_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", runtime_dir,
				 de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	if (rmdir(runtime_dir) < 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", runtime_dir,
			strerror(errno));
}

int
ps_test_eal_init_with(const char *name, const char *lcores,
		      unsigned int mem_mb)
{
	char prefix[64], lvl[64], mem[16];
	char *argv[] = { (char *)(uintptr_t)name, "--no-huge", "-m", mem,
		"--no-pci", "--no-shconf", "-l", (char *)(uintptr_t)lcores,
		prefix, lvl, NULL };
	const char *env = getenv("PS_TEST_LOG_LEVEL");
	const char *base = strrchr(name, '/');

	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s-%d",
		 base ? base + 1 : name, (int)getpid());
	snprintf(lvl, sizeof(lvl), "--log-level=%s", env ? env : "lib.eal:warning");
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	atexit(eal_fini);
	return 0;
}

int
ps_test_eal_init(const char *name)
{
	return ps_test_eal_init_with(name, "0", 512);
}

int
ps_test_eal_profiles_init(const char *name)
{
	if (ps_test_eal_init(name) < 0)
		return -1;
	return ps_test_load_profiles() < 0 ? -1 : 0;
}

int
ps_test_load_profiles(void)
{
	struct ps_errors errs = { 0 };
	int rc = ps_profiles_load(ps_profiles_default_dir(), &errs);

	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	return rc;
}

int
ps_test_run_cunit(void)
{
	unsigned int failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* A suite whose set-up failed ran no test: that is a failure too. */
	failed = CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

int
ps_test_main(const char *argv0, int (*prepare)(const char *argv0),
	     const struct ps_test_suite *suites, unsigned int nb_suites)
{
	unsigned int i, k;

	if (prepare != NULL && prepare(argv0) < 0) {
		fprintf(stderr, "%s: cannot prepare the tests\n", argv0);
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (i = 0; i < nb_suites; i++) {
		const struct ps_test_suite *su = &suites[i];
		CU_pSuite s = CU_add_suite(su->name, su->init, su->fini);

		for (k = 0; s != NULL && k < su->nb_tests; k++)
			if (CU_add_test(s, su->tests[k].name,
					su->tests[k].fn) == NULL)
				s = NULL;
		if (s == NULL) {
			fprintf(stderr, "%s: cannot register suite '%s': %s\n",
				argv0, su->name, CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
	}
	return ps_test_run_cunit();
}

bool
ps_check_at(bool ok, const char *file, unsigned int line, const char *func,
	    const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file,
				func, CU_FALSE);
	if (!ok)
		fprintf(stderr, "%s:%u: %s\n", func, line, msg);
	return ok;
}
