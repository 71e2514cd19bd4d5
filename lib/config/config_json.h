/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_CONFIG_JSON_H
#define PS_CONFIG_JSON_H

/* Typed access to JSON members that records every problem by JSON path. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <podswitch/config.h>

#define PS_JPATH_MAX 256

void ps_jpath_key(char *out, const char *parent, const char *key);
void ps_jpath_idx(char *out, const char *parent, unsigned int idx);

/* Reports keys of obj not in allowed (NULL-terminated). Returns the count. */
int ps_json_unknown_keys(const json_t *obj, const char *path,
			 const char *const allowed[], struct ps_errors *errs);

/* Each getter returns true when the member exists and is well typed. */
const json_t *ps_json_object(const json_t *obj, const char *path,
			     const char *key, bool required,
			     struct ps_errors *errs);
const json_t *ps_json_array(const json_t *obj, const char *path,
			    const char *key, bool required,
			    struct ps_errors *errs);
bool ps_json_string(const json_t *obj, const char *path, const char *key,
		    bool required, char *out, size_t outlen,
		    struct ps_errors *errs);
bool ps_json_uint(const json_t *obj, const char *path, const char *key,
		  bool required, uint64_t min, uint64_t max, uint64_t *out,
		  struct ps_errors *errs);
bool ps_json_bool(const json_t *obj, const char *path, const char *key,
		  bool required, bool *out, struct ps_errors *errs);

#endif
