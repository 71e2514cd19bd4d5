/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A reflector's store: the objects of one resource by "namespace/name"
 * (a jansson object is the hash table), under its own lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

struct ag_store {
	pthread_mutex_t lock;
	json_t *objs;
};

void
ag_obj_key(const json_t *obj, char *buf, size_t size)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));

	if (ns != NULL && ns[0] != '\0')
		snprintf(buf, size, "%s/%s", ns, name ? name : "");
	else
		snprintf(buf, size, "%s", name ? name : "");
}

struct ag_store *
ag_store_new(void)
{
	struct ag_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->objs = json_object();
	return s;
}

void
ag_store_free(struct ag_store *s)
{
	if (s == NULL)
		return;
	json_decref(s->objs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

json_t *
ag_store_put(struct ag_store *s, json_t *obj)
{
	char key[520];
	json_t *old;

	ag_obj_key(obj, key, sizeof(key));
	pthread_mutex_lock(&s->lock);
	old = json_incref(json_object_get(s->objs, key));
	json_object_set_new(s->objs, key, obj);
	pthread_mutex_unlock(&s->lock);
	return old;
}

json_t *
ag_store_del(struct ag_store *s, const json_t *obj)
{
	char key[520];
	json_t *old;

	ag_obj_key(obj, key, sizeof(key));
	pthread_mutex_lock(&s->lock);
	old = json_incref(json_object_get(s->objs, key));
	json_object_del(s->objs, key);
	pthread_mutex_unlock(&s->lock);
	return old;
}

void
ag_store_replace(struct ag_store *s, const json_t *items)
{
	json_t *fresh = json_object(), *v;
	char key[520];
	size_t i;

	json_array_foreach(items, i, v) {
		ag_obj_key(v, key, sizeof(key));
		json_object_set(fresh, key, v);
	}
	pthread_mutex_lock(&s->lock);
	json_decref(s->objs);
	s->objs = fresh;
	pthread_mutex_unlock(&s->lock);
}

json_t *
ag_store_list(struct ag_store *s)
{
	json_t *arr = json_array(), *v;
	const char *k;

	pthread_mutex_lock(&s->lock);
	json_object_foreach(s->objs, k, v)
		json_array_append(arr, v);
	pthread_mutex_unlock(&s->lock);
	return arr;
}

json_t *
ag_store_get(struct ag_store *s, const char *key)
{
	json_t *v;

	pthread_mutex_lock(&s->lock);
	v = json_incref(json_object_get(s->objs, key));
	pthread_mutex_unlock(&s->lock);
	return v;
}

size_t
ag_store_size(struct ag_store *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = json_object_size(s->objs);
	pthread_mutex_unlock(&s->lock);
	return n;
}
