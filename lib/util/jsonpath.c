/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <podswitch/jsonpath.h>

void
ps_jpath_key(char *out, const char *parent, const char *key)
{
	if (parent[0] == '\0')
		snprintf(out, PS_JPATH_MAX, "%s", key);
	else if (strpbrk(key, "./") != NULL)
		snprintf(out, PS_JPATH_MAX, "%s[\"%s\"]", parent, key);
	else
		snprintf(out, PS_JPATH_MAX, "%s.%s", parent, key);
}

void
ps_jpath_idx(char *out, const char *parent, unsigned int idx)
{
	snprintf(out, PS_JPATH_MAX, "%s[%u]", parent, idx);
}

/* A problem of member key below path. */
static void __attribute__((format(printf, 4, 5)))
key_error(struct ps_errors *errs, const char *path, const char *key,
	  const char *fmt, ...)
{
	char p[PS_JPATH_MAX];
	va_list ap;

	if (errs == NULL)
		return;
	ps_jpath_key(p, path, key);
	va_start(ap, fmt);
	ps_errors_vadd(errs, p, fmt, ap);
	va_end(ap);
}

const json_t *
ps_json_get(const json_t *obj, const char *key, unsigned int flags)
{
	const json_t *v = json_object_get(obj, key);

	return (flags & PS_JP_K8S) && json_is_null(v) ? NULL : v;
}

int
ps_json_unknown_keys(const json_t *obj, const char *path,
		     const char *const allowed[], const char *hint,
		     struct ps_errors *errs)
{
	const char *key;
	json_t *val;
	int bad = 0;

	json_object_foreach((json_t *)(uintptr_t)obj, key, val) {
		unsigned int i;

		(void)val;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] != NULL)
			continue;
		if (hint != NULL)
			key_error(errs, path, key, "unknown field (%s)", hint);
		else
			key_error(errs, path, key, "unknown key");
		bad++;
	}
	return bad;
}

static const json_t *
member(const json_t *obj, const char *path, const char *key,
       unsigned int flags, json_type type, const char *tname,
       struct ps_errors *errs)
{
	const json_t *v = ps_json_get(obj, key, flags);

	if (v == NULL) {
		if (flags & PS_JP_REQUIRED)
			key_error(errs, path, key, "%s", flags & PS_JP_K8S ?
				  "required" : "required key missing");
		return NULL;
	}
	if (json_typeof(v) != type &&
	    !(type == JSON_TRUE && json_is_boolean(v))) {
		key_error(errs, path, key, "must be %s", tname);
		return NULL;
	}
	return v;
}

const json_t *
ps_json_object(const json_t *obj, const char *path, const char *key,
	       unsigned int flags, struct ps_errors *errs)
{
	return member(obj, path, key, flags, JSON_OBJECT, "an object", errs);
}

const json_t *
ps_json_array(const json_t *obj, const char *path, const char *key,
	      unsigned int flags, struct ps_errors *errs)
{
	return member(obj, path, key, flags, JSON_ARRAY, "an array", errs);
}

bool
ps_json_string(const json_t *obj, const char *path, const char *key,
	       unsigned int flags, char *out, size_t outlen,
	       struct ps_errors *errs)
{
	const json_t *v = member(obj, path, key, flags, JSON_STRING,
				 "a string", errs);
	size_t len;

	if (v == NULL)
		return false;
	len = json_string_length(v);
	if (len == 0 && !(flags & PS_JP_K8S)) {
		key_error(errs, path, key, "must not be empty");
		return false;
	}
	if (len >= outlen) {
		if (flags & PS_JP_K8S)
			key_error(errs, path, key, "too long (at most %zu "
				  "characters)", outlen - 1);
		else
			key_error(errs, path, key, "longer than %zu characters",
				  outlen - 1);
		return false;
	}
	/* C strings end at the first NUL: "a\u0000b" would read as "a" */
	if (strlen(json_string_value(v)) != len) {
		key_error(errs, path, key, "contains a NUL character");
		return false;
	}
	memcpy(out, json_string_value(v), len + 1);
	return true;
}

bool
ps_json_uint(const json_t *obj, const char *path, const char *key,
	     unsigned int flags, uint64_t min, uint64_t max, uint64_t *out,
	     struct ps_errors *errs)
{
	const json_t *v = member(obj, path, key, flags, JSON_INTEGER,
				 "an integer", errs);
	json_int_t i;

	if (v == NULL)
		return false;
	i = json_integer_value(v);
	if (i >= 0 && (uint64_t)i >= min && (uint64_t)i <= max) {
		*out = (uint64_t)i;
		return true;
	}
	if (flags & PS_JP_K8S)
		key_error(errs, path, key, "must be %" PRIu64 "..%" PRIu64,
			  min, max);
	else
		key_error(errs, path, key, "must be between %" PRIu64 " and %"
			  PRIu64 ", got %" JSON_INTEGER_FORMAT, min, max, i);
	return false;
}

bool
ps_json_bool(const json_t *obj, const char *path, const char *key,
	     unsigned int flags, bool *out, struct ps_errors *errs)
{
	const json_t *v = member(obj, path, key, flags, JSON_TRUE,
				 flags & PS_JP_K8S ? "true or false" :
				 "a boolean", errs);

	if (v == NULL)
		return false;
	*out = json_is_true(v);
	return true;
}
