/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_JSONPATH_H
#define PODSWITCH_JSONPATH_H

/*
 * Typed access to the members of a JSON object that reports every problem
 * by its JSON path into a struct ps_errors, and goes on. Used by the
 * configuration file, the REST bodies and the Kubernetes objects; paths
 * are built only when something is reported, so that a good document of
 * 100k routes pays no formatting.
 *
 * Paths: "$.routes[3].dst" below a parent "$.routes[3]"; under an empty
 * parent a key is its own path ("dst", as the REST API names fields); a
 * key holding '.' or '/' is written ["podswitch.io/scheduler"].
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <podswitch/errors.h>

#define PS_JPATH_MAX 256

/* Flags of the getters. */
#define PS_JP_REQUIRED 0x1u	/* an absent member is a problem */
/*
 * Kubernetes objects: a JSON null is an absent member (as the API server
 * takes it), "" is a value, and the messages are worded as Kubernetes
 * users know them ("required", "must be 1..65535", "must be true or
 * false").
 */
#define PS_JP_K8S 0x2u

/* Paths are cut at PS_JPATH_MAX: they name a place in a message. */
void ps_jpath_key(char *out, const char *parent, const char *key);
void ps_jpath_idx(char *out, const char *parent, unsigned int idx);

/* The member key of obj, or NULL (also for a null under PS_JP_K8S). */
const json_t *ps_json_get(const json_t *obj, const char *key,
			  unsigned int flags);

/*
 * Reports each key of obj not in allowed (NULL-terminated) as "unknown
 * key", or, given a hint for the reader ("a route has dst, gateway"), as
 * "unknown field (<hint>)". Returns how many.
 */
int ps_json_unknown_keys(const json_t *obj, const char *path,
			 const char *const allowed[], const char *hint,
			 struct ps_errors *errs);

/*
 * Each getter returns the member (or true) when it is present and well
 * typed, NULL (or false) when it is absent or wrong, having reported
 * what was wrong. Outputs are written only on success.
 */
const json_t *ps_json_object(const json_t *obj, const char *path,
			     const char *key, unsigned int flags,
			     struct ps_errors *errs);
const json_t *ps_json_array(const json_t *obj, const char *path,
			    const char *key, unsigned int flags,
			    struct ps_errors *errs);
/* A string of fewer than outlen bytes, without NUL; not "" unless
 * PS_JP_K8S. */
bool ps_json_string(const json_t *obj, const char *path, const char *key,
		    unsigned int flags, char *out, size_t outlen,
		    struct ps_errors *errs);
/* An integer in [min, max]. */
bool ps_json_uint(const json_t *obj, const char *path, const char *key,
		  unsigned int flags, uint64_t min, uint64_t max,
		  uint64_t *out, struct ps_errors *errs);
bool ps_json_bool(const json_t *obj, const char *path, const char *key,
		  unsigned int flags, bool *out, struct ps_errors *errs);

#endif
