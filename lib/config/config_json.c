/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"

void
ps_errors_add(struct ps_errors *errs, const char *path, const char *fmt, ...)
{
	char msg[512];
	char *line;
	va_list ap;
	int n;

	if (errs == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%s: ", path);
	/* a path longer than msg (a directory name) must not move us past it */
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);

	if (errs->count == errs->cap) {
		unsigned int cap = errs->cap ? errs->cap * 2 : 8;
		char **m = realloc(errs->msgs, cap * sizeof(*m));

		if (m == NULL)
			return;
		errs->msgs = m;
		errs->cap = cap;
	}
	line = strdup(msg);
	if (line != NULL)
		errs->msgs[errs->count++] = line;
}

void
ps_errors_print(const struct ps_errors *errs, FILE *f)
{
	unsigned int i;

	for (i = 0; i < errs->count; i++)
		fprintf(f, "%s\n", errs->msgs[i]);
}

void
ps_errors_free(struct ps_errors *errs)
{
	unsigned int i;

	for (i = 0; i < errs->count; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	memset(errs, 0, sizeof(*errs));
}

void
ps_jpath_key(char *out, const char *parent, const char *key)
{
	snprintf(out, PS_JPATH_MAX, "%s.%s", parent, key);
}

void
ps_jpath_idx(char *out, const char *parent, unsigned int idx)
{
	snprintf(out, PS_JPATH_MAX, "%s[%u]", parent, idx);
}

int
ps_json_unknown_keys(const json_t *obj, const char *path,
		     const char *const allowed[], struct ps_errors *errs)
{
	const char *key;
	json_t *val;
	int bad = 0;

	json_object_foreach((json_t *)(uintptr_t)obj, key, val) {
		unsigned int i;
		bool ok = false;
		char p[PS_JPATH_MAX];

		(void)val;
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(allowed[i], key) == 0) {
				ok = true;
				break;
			}
		}
		if (!ok) {
			ps_jpath_key(p, path, key);
			ps_errors_add(errs, p, "unknown key");
			bad++;
		}
	}
	return bad;
}

static const json_t *
member(const json_t *obj, const char *path, const char *key, bool required,
       json_type type, const char *tname, struct ps_errors *errs)
{
	const json_t *v = json_object_get(obj, key);
	char p[PS_JPATH_MAX];

	ps_jpath_key(p, path, key);
	if (v == NULL) {
		if (required)
			ps_errors_add(errs, p, "required key missing");
		return NULL;
	}
	if (json_typeof(v) != type &&
	    !(type == JSON_TRUE && json_is_boolean(v))) {
		ps_errors_add(errs, p, "must be %s", tname);
		return NULL;
	}
	return v;
}

const json_t *
ps_json_object(const json_t *obj, const char *path, const char *key,
	       bool required, struct ps_errors *errs)
{
	return member(obj, path, key, required, JSON_OBJECT, "an object", errs);
}

const json_t *
ps_json_array(const json_t *obj, const char *path, const char *key,
	      bool required, struct ps_errors *errs)
{
	return member(obj, path, key, required, JSON_ARRAY, "an array", errs);
}

bool
ps_json_string(const json_t *obj, const char *path, const char *key,
	       bool required, char *out, size_t outlen, struct ps_errors *errs)
{
	const json_t *v = member(obj, path, key, required, JSON_STRING,
				 "a string", errs);
	char p[PS_JPATH_MAX];

	if (v == NULL)
		return false;
	ps_jpath_key(p, path, key);
	if (json_string_length(v) == 0) {
		ps_errors_add(errs, p, "must not be empty");
		return false;
	}
	if (json_string_length(v) >= outlen) {
		ps_errors_add(errs, p, "longer than %zu characters", outlen - 1);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		ps_errors_add(errs, p, "contains a NUL character");
		return false;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return true;
}

bool
ps_json_uint(const json_t *obj, const char *path, const char *key,
	     bool required, uint64_t min, uint64_t max, uint64_t *out,
	     struct ps_errors *errs)
{
	const json_t *v = member(obj, path, key, required, JSON_INTEGER,
				 "an integer", errs);
	char p[PS_JPATH_MAX];
	json_int_t i;

	if (v == NULL)
		return false;
	ps_jpath_key(p, path, key);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		ps_errors_add(errs, p, "must be between %" PRIu64 " and %" PRIu64
			      ", got %" JSON_INTEGER_FORMAT, min, max, i);
		return false;
	}
	*out = (uint64_t)i;
	return true;
}

bool
ps_json_bool(const json_t *obj, const char *path, const char *key,
	     bool required, bool *out, struct ps_errors *errs)
{
	const json_t *v = member(obj, path, key, required, JSON_TRUE,
				 "a boolean", errs);

	if (v == NULL)
		return false;
	*out = json_is_true(v);
	return true;
}
