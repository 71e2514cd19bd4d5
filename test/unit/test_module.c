/* SPDX-License-Identifier: BSD-3-Clause */
/* The module registry (include/podswitch/module.h): dependency order. */
#include <errno.h>
#include <string.h>

#include <podswitch/module.h>

#include "test_common.h"

#define MAX 8

/* Link list[0..n) through next, in that order (the registration order). */
static struct ps_module *
chain(struct ps_module *list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		list[i].next = i + 1 < n ? &list[i + 1] : NULL;
	return n > 0 ? &list[0] : NULL;
}

static void
expect_order(struct ps_module *list, unsigned int n, const char *want)
{
	const struct ps_module *out[MAX];
	char got[128] = "";
	int i, k = ps_module_sort(chain(list, n), out, MAX);

	CU_ASSERT_EQUAL_FATAL(k, (int)n);
	for (i = 0; i < k; i++) {
		strcat(got, i ? " " : "");
		strcat(got, out[i]->name);
	}
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void
test_sort(void)
{
	struct ps_module a[] = {
		{ .name = "service", .depends_on = "ip4" },
		{ .name = "ip4", .depends_on = "l2,  vxlan" },
		{ .name = "vxlan" },
		{ .name = "l2" },
	};
	struct ps_module b[] = {
		{ .name = "c" }, { .name = "b" }, { .name = "a" },
	};

	/* dependencies first; among the ready ones, by name */
	expect_order(a, RTE_DIM(a), "l2 vxlan ip4 service");
	expect_order(b, RTE_DIM(b), "a b c");
	expect_order(b, 0, "");
}

static void
test_broken(void)
{
	const struct ps_module *out[MAX];
	struct ps_module unknown[] = {
		{ .name = "ip4", .depends_on = "l2" },
		{ .name = "vxlan" },
	};
	struct ps_module cycle[] = {
		{ .name = "infra" },
		{ .name = "a", .depends_on = "infra,b" },
		{ .name = "b", .depends_on = "c" },
		{ .name = "c", .depends_on = "a" },
	};
	struct ps_module self[] = { { .name = "a", .depends_on = "a" } };

	CU_ASSERT_EQUAL(ps_module_sort(chain(unknown, 2), out, MAX), -ENOENT);
	CU_ASSERT_EQUAL(ps_module_sort(chain(cycle, 4), out, MAX), -ELOOP);
	CU_ASSERT_EQUAL(ps_module_sort(chain(self, 1), out, MAX), -ELOOP);
	CU_ASSERT_EQUAL(ps_module_sort(chain(cycle, 1), out, 0), -ENOSPC);
}

/* Position of module name in the registered order, or -1. */
static int
position(const char *name)
{
	const struct ps_module *m;
	int i = 0;

	for (m = ps_module_next(NULL); m != NULL; m = ps_module_next(m), i++)
		if (strcmp(m->name, name) == 0)
			return i;
	return -1;
}

/*
 * The modules this build registers, in the order their hooks run: the
 * order of the tables in /v1/status and of the poll hooks. The four
 * features keep their relative order, and every module comes after what
 * it depends on; a new module may go anywhere that holds.
 */
static void
test_registered(void)
{
	static const char *const features[] = { "l2", "vxlan", "ip4",
						"service" };
	const struct ps_module *m;
	unsigned int i;
	int here = 0;

	for (i = 0; i < RTE_DIM(features); i++) {
		int at = position(features[i]);

		CU_ASSERT(at >= 0 && at >= here);
		here = at;
	}
	for (m = ps_module_next(NULL); m != NULL; m = ps_module_next(m)) {
		char deps[128], *tok, *save = NULL;

		if (m->depends_on == NULL)
			continue;
		snprintf(deps, sizeof(deps), "%s", m->depends_on);
		for (tok = strtok_r(deps, ", ", &save); tok != NULL;
		     tok = strtok_r(NULL, ", ", &save)) {
			CU_ASSERT(position(tok) >= 0);
			CU_ASSERT(position(tok) < position(m->name));
		}
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("module", NULL, NULL);
	CU_add_test(s, "dependency order, ties by name", test_sort);
	CU_add_test(s, "unknown dependency, cycle: refused", test_broken);
	CU_add_test(s, "the registered modules", test_registered);
	return ps_test_run_cunit();
}
