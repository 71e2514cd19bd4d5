/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file (lib/config): any text through the validator,
 * and a valid one on through what the daemon derives from it before EAL
 * starts (EAL arguments, each port's device arguments).
 */
#include <string.h>

#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/port.h>

#include "fuzz_harness.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ps_errors errs = { 0 };
	int rc;

	(void)argc;
	(void)argv;
	rc = ps_profiles_load(ps_profiles_default_dir(), &errs);
	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	if (rc < 0)
		return -1;
	atexit(ps_profiles_free);
	return 0;
}

static void
use_config(const struct ps_config *cfg)
{
	char *argv[PS_MAX_EAL_ARGS + 32], devargs[1024];
	unsigned int i;
	int argc;

	argc = ps_eal_args_from_config(cfg, "podswitch", argv,
				       (int)(sizeof(argv) / sizeof(argv[0])));
	if (argc > 0)
		ps_eal_args_free(argv, argc);
	for (i = 0; i < cfg->nb_ports; i++) {
		const struct ps_profile *pr = ps_profile_find(cfg->ports[i].driver);

		if (pr != NULL)
			ps_port_devargs(&cfg->ports[i], pr, 1, devargs,
					sizeof(devargs));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_errors errs = { 0 };
	struct ps_config cfg;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&cfg, 0, sizeof(cfg));
	if (ps_config_load_string(text, &cfg, &errs) == 0) {
		FUZZ_CHECK(errs.count == 0, "valid config with %u errors\n",
			   errs.count);
		use_config(&cfg);
		ps_config_free(&cfg);
	} else {
		FUZZ_CHECK(errs.count > 0, "config refused without a reason\n");
	}
	ps_errors_free(&errs);
	free(text);
	return 0;
}
