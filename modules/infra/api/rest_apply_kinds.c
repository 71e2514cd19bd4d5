/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry of the kinds POST /v1/apply hands to other modules
 * (rest_private.h: struct rest_apply_kind), and their part of a body.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rest_private.h"

static struct rest_apply_kind *kinds;

void
rest_apply_kind_register(struct rest_apply_kind *k)
{
	k->next = kinds;
	kinds = k;
}

const struct rest_apply_kind *
rest_apply_kind_find(const char *name)
{
	const struct rest_apply_kind *k;

	for (k = kinds; name != NULL && k != NULL; k = k->next)
		if (strcmp(k->kind, name) == 0 ||
		    strcmp(k->list_kind, name) == 0)
			return k;
	return NULL;
}

static int
apply_one(struct ps_rest *r, const json_t *obj, const char *kind,
	  const char *path, bool commit, json_t *answer, json_t *skipped,
	  struct ps_errors *errs)
{
	const struct rest_apply_kind *k = rest_apply_kind_find(kind);
	json_t *n;
	int rc;

	if (k == NULL || strcmp(k->kind, kind) != 0)
		return 0;
	rc = k->apply_one(r, obj, path, commit, skipped, errs);
	if (rc < 0)
		return rc;
	n = json_object_get(answer, k->answer_key);
	json_object_set_new(answer, k->answer_key,
			    json_integer(json_integer_value(n) + 1));
	return 0;
}

int
rest_apply_kinds(struct ps_rest *r, const json_t *body, bool commit,
		 json_t *answer, json_t *skipped, struct ps_errors *errs)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const struct rest_apply_kind *lk = rest_apply_kind_find(kind);
	const struct rest_apply_kind *k;
	const json_t *items = json_object_get(body, "items"), *it;
	char path[32];
	int rc = 0, r1;
	size_t i;

	if (kind == NULL)
		return 0;
	if (lk != NULL && strcmp(lk->kind, kind) == 0) {
		rc = apply_one(r, body, kind, "(root)", commit, answer,
			       skipped, errs);
		goto done;
	}
	if ((lk == NULL && strcmp(kind, "List") != 0) ||
	    !json_is_array(items))
		return 0;
	json_array_foreach(items, i, it) {
		const char *ik = json_string_value(json_object_get(it,
								   "kind"));

		/* a PodList's items may leave their kind out */
		if (ik == NULL && lk != NULL)
			ik = lk->kind;
		if (ik == NULL)
			continue;
		snprintf(path, sizeof(path), "items[%zu]", i);
		r1 = apply_one(r, it, ik, path, commit, answer, skipped,
			       errs);
		if (r1 < 0 && rc == 0)
			rc = r1;
	}
done:
	if (!commit || rc < 0)
		return rc;
	for (k = kinds; k != NULL; k = k->next) {
		const struct rest_apply_kind *o;

		if (k->done == NULL || json_object_get(answer,
						       k->answer_key) == NULL)
			continue;
		/* once per hook, however many kinds share it */
		for (o = kinds; o != k; o = o->next)
			if (o->done == k->done &&
			    json_object_get(answer, o->answer_key) != NULL)
				break;
		if (o == k)
			k->done(r);
	}
	return 0;
}
