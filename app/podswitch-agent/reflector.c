/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * List and watch one resource as client-go's reflector does:
 *  - list in pages (limit/continue); a continue token that expired (410)
 *    restarts the list;
 *  - watch from the list's resourceVersion with allowWatchBookmarks and
 *    a timeoutSeconds spread over [T, 2T) so that agents do not all
 *    reconnect at once;
 *  - a watch that ends (the server's timeout) or is cut resumes from the
 *    last version seen (events and bookmarks move it);
 *  - 410 Gone, as an answer or as an ERROR event, means our version is
 *    too old: list again;
 *  - errors back off exponentially (0.8 s doubling to 30 s) with jitter;
 *    a working connection resets the back-off.
 * Every change of state is one log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define BACKOFF_BASE_MS 800
#define BACKOFF_MAX_MS 30000
#define LIST_TIMEOUT_MS 60000L

enum watch_end {
	WATCH_CLOSED,		/* the server ended it: watch again */
	WATCH_DROPPED,		/* cut or failed: back off, watch again */
	WATCH_EXPIRED,		/* 410: list again */
	WATCH_FAILED,		/* refused (4xx/5xx): back off, list again */
};

static void
set_state(struct ag_reflector *r, enum ag_refl_state st)
{
	pthread_mutex_lock(&r->ag->lock);
	r->state = st;
	if (st == REFL_WATCHING)
		r->last_contact_ms = ag_now_ms();
	pthread_mutex_unlock(&r->ag->lock);
}

/* Sleeps the n-th back-off (with jitter); false if the agent stops. */
static bool
backoff(struct ag_reflector *r, unsigned int *n, const char *why)
{
	uint64_t ms = BACKOFF_BASE_MS, end;

	for (unsigned int i = 0; i < *n && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	/* jitter: up to +100%, capped, as wait.Jitter(d, 1.0) */
	ms += (uint64_t)(random() % (long)ms);
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	(*n)++;
	set_state(r, REFL_BACKOFF);
	LOG_WARN(r->name, "%s; retrying in %llu ms", why,
		 (unsigned long long)ms);
	end = ag_now_ms() + ms;
	while (!r->ag->stop && ag_now_ms() < end)
		usleep(20000);
	return !r->ag->stop;
}

static const char *
status_message(const struct ag_buf *b, char *out, size_t size)
{
	json_t *j = b->p ? json_loads(b->p, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(j, "message"));

	snprintf(out, size, "%s", m ? m : b->p ? b->p : "");
	out[strcspn(out, "\n")] = '\0';
	json_decref(j);
	return out;
}

/* Items of a list page carry no kind; the daemon's parser wants it. */
static void
typed(json_t *item, const char *kind, const char *api_version)
{
	json_object_set_new(item, "kind", json_string(kind));
	json_object_set_new(item, "apiVersion", json_string(api_version));
}

/* One full list; 0 with the store replaced, or -1 after logging. */
static int
list(struct ag_reflector *r, const char *kind, const char *api_version)
{
	json_t *all = json_array(), *page, *item;
	char path[2048], err[256], cont[1024] = "", rv[64] = "", msg[256];
	uint64_t t0 = ag_now_ms();
	unsigned int pages = 0;
	size_t i;
	int status;

	do {
		struct ag_buf b = { 0 };
		const json_t *md;
		const char *c;

		snprintf(path, sizeof(path), "%s?limit=%u%s%s", r->path,
			 r->ag->opt.page_size, cont[0] ? "&continue=" : "",
			 cont);
		status = ag_k8s_request(&r->ag->kube, "GET", path, NULL, NULL,
					LIST_TIMEOUT_MS, &b, err, sizeof(err));
		if (status == 410) {
			LOG_INFO(r->name, "list continue token expired (410): "
				 "listing again from the start");
			ag_buf_free(&b);
			cont[0] = '\0';
			json_array_clear(all);
			pages = 0;
			continue;
		}
		if (status != 200) {
			if (status < 0)
				LOG_WARN(r->name, "list failed: %s", err);
			else
				LOG_WARN(r->name, "list failed: HTTP %d: %s",
					 status, status_message(&b, msg,
							       sizeof(msg)));
			ag_buf_free(&b);
			json_decref(all);
			return -1;
		}
		page = json_loadb(b.p, b.len, 0, NULL);
		ag_buf_free(&b);
		md = json_object_get(page, "metadata");
		if (!json_is_array(json_object_get(page, "items")) ||
		    json_string_value(json_object_get(md, "resourceVersion"))
		    == NULL) {
			LOG_WARN(r->name, "list failed: the answer is not a "
				 "Kubernetes List");
			json_decref(page);
			json_decref(all);
			return -1;
		}
		json_array_foreach(json_object_get(page, "items"), i, item) {
			typed(item, kind, api_version);
			json_array_append(all, item);
		}
		snprintf(rv, sizeof(rv), "%s", json_string_value(
			json_object_get(md, "resourceVersion")));
		c = json_string_value(json_object_get(md, "continue"));
		snprintf(cont, sizeof(cont), "%s", c ? c : "");
		pages++;
		json_decref(page);
	} while (cont[0] != '\0' && !r->ag->stop);
	if (r->ag->stop) {
		/* a part of a list is no list: it would remove the rest */
		json_decref(all);
		return -1;
	}

	ag_store_replace(r->store, all);
	pthread_mutex_lock(&r->ag->lock);
	snprintf(r->rv, sizeof(r->rv), "%s", rv);
	r->lists++;
	r->last_contact_ms = ag_now_ms();
	r->relisted(r->ag);
	pthread_mutex_unlock(&r->ag->lock);
	LOG_INFO(r->name, "listed %zu objects at resourceVersion %s (%u "
		 "pages, %llu ms)", json_array_size(all), rv, pages,
		 (unsigned long long)(ag_now_ms() - t0));
	json_decref(all);
	return 0;
}

struct watch_ctx {
	struct ag_reflector *r;
	enum watch_end end;
	unsigned int events;
	char why[256];
};

static int
on_event(const char *line, size_t len, void *arg)
{
	struct watch_ctx *w = arg;
	struct ag_reflector *r = w->r;
	json_t *ev = json_loadb(line, len, 0, NULL), *obj, *old = NULL;
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *rv;

	obj = json_object_get(ev, "object");
	if (type == NULL || !json_is_object(obj)) {
		snprintf(w->why, sizeof(w->why), "undecodable watch event "
			 "(%.60s)", line);
		w->end = WATCH_DROPPED;
		json_decref(ev);
		return 1;
	}
	if (strcmp(type, "ERROR") == 0) {
		json_int_t code = json_integer_value(json_object_get(obj,
								     "code"));
		const char *m = json_string_value(json_object_get(obj,
								  "message"));

		snprintf(w->why, sizeof(w->why), "ERROR event %lld: %s",
			 (long long)code, m ? m : "");
		w->end = code == 410 ? WATCH_EXPIRED : WATCH_FAILED;
		json_decref(ev);
		return 1;
	}
	rv = json_string_value(json_object_get(json_object_get(obj,
		"metadata"), "resourceVersion"));
	w->events++;
	if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
		old = ag_store_put(r->store, json_incref(obj));
		pthread_mutex_lock(&r->ag->lock);
		r->changed(r->ag, old, obj);
	} else if (strcmp(type, "DELETED") == 0) {
		old = ag_store_del(r->store, obj);
		pthread_mutex_lock(&r->ag->lock);
		r->changed(r->ag, old, NULL);
	} else {
		/* BOOKMARK: only the version moves */
		pthread_mutex_lock(&r->ag->lock);
	}
	if (rv != NULL)
		snprintf(r->rv, sizeof(r->rv), "%s", rv);
	r->events++;
	r->last_contact_ms = ag_now_ms();
	pthread_mutex_unlock(&r->ag->lock);
	json_decref(old);
	json_decref(ev);
	return r->ag->stop ? 1 : 0;
}

static enum watch_end
watch(struct ag_reflector *r)
{
	struct watch_ctx w = { .r = r, .end = WATCH_CLOSED };
	uint64_t t = r->ag->opt.watch_timeout_s;
	struct ag_buf b = { 0 };
	char path[1024], err[256], rv[64], msg[256];
	int status;

	pthread_mutex_lock(&r->ag->lock);
	snprintf(rv, sizeof(rv), "%s", r->rv);
	r->watches++;
	pthread_mutex_unlock(&r->ag->lock);
	t += (uint64_t)random() % (t ? t : 1);
	snprintf(path, sizeof(path), "%s?watch=1&resourceVersion=%s&"
		 "allowWatchBookmarks=true&timeoutSeconds=%llu", r->path, rv,
		 (unsigned long long)t);
	set_state(r, REFL_WATCHING);
	r->connected = false;
	LOG_INFO(r->name, "watching from resourceVersion %s", rv);
	status = ag_k8s_stream(&r->ag->kube, path, on_event, &w,
			       (long)(t + 30) * 1000, &b, err, sizeof(err),
			       &r->ag->stop);
	if (status == 410) {
		snprintf(w.why, sizeof(w.why), "410 Gone: %s",
			 status_message(&b, msg, sizeof(msg)));
		w.end = WATCH_EXPIRED;
	} else if (status < 0) {
		snprintf(w.why, sizeof(w.why), "%s", err);
		w.end = WATCH_DROPPED;
	} else if (status == 200) {
		r->connected = true;
	}
	if (status != 200 && status != 410 && status >= 0) {
		snprintf(w.why, sizeof(w.why), "HTTP %d: %s", status,
			 status_message(&b, msg, sizeof(msg)));
		w.end = status >= 500 || status == 429 ? WATCH_DROPPED :
			WATCH_FAILED;
	} else if (status == 200 && w.end == WATCH_CLOSED && err[0] != '\0') {
		snprintf(w.why, sizeof(w.why), "stream cut after %u events: "
			 "%.200s", w.events, err);
		w.end = WATCH_DROPPED;
	}
	ag_buf_free(&b);
	r->last_events = w.events;
	pthread_mutex_lock(&r->ag->lock);
	if (w.end != WATCH_CLOSED)
		r->restarts++;
	if (w.end == WATCH_EXPIRED)
		r->gone++;
	snprintf(rv, sizeof(rv), "%s", r->rv);
	pthread_mutex_unlock(&r->ag->lock);
	switch (w.end) {
	case WATCH_CLOSED:
		LOG_INFO(r->name, "watch closed by the server after %u events; "
			 "resuming at resourceVersion %s", w.events, rv);
		break;
	case WATCH_EXPIRED:
		LOG_INFO(r->name, "resourceVersion %s is too old (%s): "
			 "listing again", rv, w.why);
		break;
	default:
		break;
	}
	/* the back-off message says the rest */
	snprintf(r->why, sizeof(r->why), "%s", w.why);
	return w.end;
}

static void *
refl_main(void *arg)
{
	struct ag_reflector *r = arg;
	const char *kind = r->kind, *api = r->api_version;
	unsigned int fails = 0, expired = 0;

	while (!r->ag->stop) {
		set_state(r, REFL_LISTING);
		if (list(r, kind, api) < 0) {
			if (!backoff(r, &fails, "list failed"))
				break;
			continue;
		}
		fails = 0;
		while (!r->ag->stop) {
			enum watch_end e = watch(r);
			char why[600];

			/* a watch that got going resets the back-off */
			if (r->connected)
				fails = 0;
			if (e == WATCH_CLOSED)
				continue;
			/* a list whose version is too old at once, again: the
			 * server is confused; do not hammer it */
			expired = e == WATCH_EXPIRED && r->last_events == 0 ?
				  expired + 1 : 0;
			if (expired > 1 && !backoff(r, &fails, "the version "
						   "of a fresh list is too old "
						   "again"))
				break;
			if (e == WATCH_EXPIRED)
				break;
			snprintf(why, sizeof(why), "watch %s: %s",
				 e == WATCH_DROPPED ? "dropped" : "refused",
				 r->why);
			if (!backoff(r, &fails, why))
				break;
			if (e == WATCH_FAILED)
				break;
		}
	}
	return NULL;
}

int
ag_reflector_start(struct ag_reflector *r)
{
	return pthread_create(&r->thread, NULL, refl_main, r) == 0 ? 0 : -1;
}
