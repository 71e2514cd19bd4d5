/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the API programmed, kept in the state directory (state.h) and
 * restored at start: the kinds modules register (PS_REST_STATE), today
 * hot-plugged ports, API routes, services with their EndpointSlices.
 *
 * Each kind is kept as the very request that rebuilds it (POST
 * /v1/ports bodies, a PUT /v1/routes body, a POST /v1/apply List), and
 * restored by sending those requests through the router: a restored
 * object passes the same checks as one a client sends, and a bad one is
 * refused with the same message. What a file holds that is refused (a
 * port whose device is gone, a route whose port is) is logged and
 * dropped; the rest is restored.
 *
 * When: a change is written before the reply when the last write of its
 * kind took under WRITE_SYNC_MS (ports always: a CNI ADD must not be
 * forgotten), else from the poll loop, paced so that writing a big set
 * (100k routes) takes at most half the management thread's time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include <podswitch/module.h>
#include <podswitch/state.h>

#include "rest_private.h"

RTE_LOG_REGISTER(ps_logtype_state, podswitch.state, INFO);

#define WRITE_SYNC_MS 5
/* refused items named one by one in the log, the rest counted */
#define LOG_ITEMS_MAX 10

/* by rank */
static struct rest_state_kind *kinds;
static unsigned int nb_kinds;

void
rest_state_kind_register(struct rest_state_kind *k)
{
	struct rest_state_kind **p = &kinds;

	if (nb_kinds == REST_STATE_KINDS_MAX) {
		/* before main(): raise REST_STATE_KINDS_MAX */
		fprintf(stderr, "podswitch: state kind %s: more than %u\n",
			k->name, REST_STATE_KINDS_MAX);
		abort();
	}
	while (*p != NULL && (*p)->rank <= k->rank)
		p = &(*p)->next;
	k->idx = nb_kinds++;
	k->next = *p;
	*p = k;
}

static double
ms_since(uint64_t t)
{
	return (double)(rte_get_timer_cycles() - t) * 1e3 /
	       (double)rte_get_timer_hz();
}

static const char *
state_dir(const struct ps_rest *r)
{
	return r->dp->cfg->state_dir;
}

static int
state_write(struct ps_rest *r, const struct rest_state_kind *k)
{
	uint64_t t0 = rte_get_timer_cycles();
	unsigned int i = k->idx;
	json_t *j;
	char *text;
	int rc;

	j = k->save(r->dp);
	text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL) {
		STATE_LOG(ERR, "%s: out of memory, not written\n", k->name);
		return -ENOMEM;
	}
	rc = ps_state_write(state_dir(r), k->name, text, strlen(text));
	free(text);
	r->state.write_cycles[i] = rte_get_timer_cycles() - t0;
	r->state.last_write[i] = rte_get_timer_cycles();
	if (rc < 0) {
		/* still dirty: tried again once a second, said once */
		if (!r->state.failing[i])
			STATE_LOG(ERR, "cannot write %s/%s%s: %s (trying again "
				  "every second)\n", state_dir(r), k->name,
				  PS_STATE_SUFFIX, strerror(-rc));
		r->state.failing[i] = true;
		r->state.write_cycles[i] = RTE_MAX(r->state.write_cycles[i],
						   rte_get_timer_hz());
		return rc;
	}
	if (r->state.failing[i])
		STATE_LOG(INFO, "%s written again\n", k->name);
	r->state.failing[i] = false;
	r->state.dirty[i] = false;
	STATE_LOG(DEBUG, "%s written in %.1f ms\n", k->name, ms_since(t0));
	return 0;
}

/* Hooks ------------------------------------------------------------------ */

static const struct rest_state_kind *
kind_of(const char *resource)
{
	const struct rest_state_kind *k;
	const char *const *res;

	for (k = kinds; k != NULL; k = k->next)
		for (res = k->resources; res != NULL && *res != NULL; res++)
			if (strcmp(*res, resource) == 0)
				return k;
	return NULL;
}

void
rest_state_changed(struct ps_rest *r, const char *resource, int status)
{
	const struct rest_state_kind *k;

	if (state_dir(r)[0] == '\0' || r->state.restoring || status >= 300)
		return;
	k = kind_of(resource);
	if (k == NULL)
		return;
	r->state.dirty[k->idx] = true;
	if (k->always_sync || r->state.write_cycles[k->idx] <
	    rte_get_timer_hz() / 1000 * WRITE_SYNC_MS)
		state_write(r, k);
}

void
rest_state_poll(struct ps_rest *r, bool force)
{
	uint64_t now = rte_get_timer_cycles();
	const struct rest_state_kind *k;

	if (state_dir(r)[0] == '\0')
		return;
	for (k = kinds; k != NULL; k = k->next) {
		if (!r->state.dirty[k->idx])
			continue;
		/* as long idle as the last write took: at most half the
		 * thread goes to writing */
		if (!force && now - r->state.last_write[k->idx] <
		    r->state.write_cycles[k->idx])
			continue;
		state_write(r, k);
	}
}

/* Restoring ---------------------------------------------------------------- */

int
rest_replay(struct ps_rest *r, const char *method, const char *path,
	    const char *body, size_t len, char *why, size_t why_size)
{
	struct ps_http_request req = {
		.method = method, .path = path, .query = "",
		.version_minor = 1, .content_type = "application/json",
		.has_content_length = true, .content_length = len,
		.body = body, .body_len = len,
	};
	struct ps_http_response resp;
	int status;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	snprintf(resp.content_type, sizeof(resp.content_type),
		 "application/json");
	rest_dispatch(&req, &resp, r);
	status = resp.status;
	why[0] = '\0';
	if (status >= 300) {
		json_t *j = resp.body != NULL ?
			    json_loadb(resp.body, resp.body_len, 0, NULL) :
			    NULL;
		const char *m = json_string_value(json_object_get(
			json_object_get(j, "error"), "message"));

		snprintf(why, why_size, "%d %s", status, m != NULL ? m : "");
		json_decref(j);
	}
	free(resp.body);
	return status;
}

void
rest_state_refused(const char *kind, unsigned int n, const char *item,
		   const char *why)
{
	if (n < LOG_ITEMS_MAX)
		STATE_LOG(WARNING, "%s: %s refused: %s\n", kind, item, why);
	else if (n == LOG_ITEMS_MAX)
		STATE_LOG(WARNING, "%s: more refused items not named\n",
			  kind);
}

static void
scan_cb(const char *name, const char *what, void *arg)
{
	STATE_LOG(WARNING, "%s/%s: %s\n", (const char *)arg, name, what);
}

/* Warn about what the directory holds that no kind or module keeps. */
static void
scan_unknown(const char *dir)
{
	const char *known[REST_STATE_KINDS_MAX + 32 + 1];
	const struct rest_state_kind *k;
	const struct ps_module *m;
	unsigned int n = 0;

	for (k = kinds; k != NULL; k = k->next)
		known[n++] = k->name;
	for (m = ps_module_next(NULL); m != NULL && n + 1 < RTE_DIM(known);
	     m = ps_module_next(m))
		if (m->state_kind != NULL)
			known[n++] = m->state_kind;
	known[n] = NULL;
	ps_state_scan(dir, known, scan_cb, (void *)(uintptr_t)dir);
}

/* The whole set in one request: 0, or -1 when refused (logged). */
static int
restore_whole(struct ps_rest *r, const struct rest_state_kind *k,
	      const char *text, size_t len, unsigned int *got)
{
	char why[1024];

	if (k->restore_path == NULL)
		return -1;
	if (rest_replay(r, k->restore_method, k->restore_path, text, len, why,
			sizeof(why)) < 300) {
		*got = k->count != NULL ? k->count(r->dp) : 0;
		r->state.dirty[k->idx] = false;
		return 0;
	}
	STATE_LOG(WARNING, "%s: the set as a whole is refused (%s); "
		  "restoring item by item\n", k->name, why);
	return -1;
}

/* One kind's file; its time in took. */
static unsigned int
restore_kind(struct ps_rest *r, const struct rest_state_kind *k,
	     unsigned int *refused, double *took)
{
	const char *dir = state_dir(r);
	uint64_t t = rte_get_timer_cycles();
	unsigned int before = *refused, got = 0;
	char why[PS_STATE_WHY_MAX], *text;
	json_error_t jerr;
	json_t *doc;
	size_t len;
	int rc;

	rc = ps_state_read(dir, k->name, &text, &len, why, sizeof(why));
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		STATE_LOG(ERR, "%s/%s%s refused: %s; set aside as %s%s.refused, "
			  "starting without its %s\n", dir, k->name,
			  PS_STATE_SUFFIX, why, k->name, PS_STATE_SUFFIX,
			  k->name);
		ps_state_set_aside(dir, k->name);
		r->state.dirty[k->idx] = true;
		return 0;
	}
	/* the file is the request that rebuilds the whole set: sent as it
	 * is, it is parsed once; only a refusal costs more */
	if (restore_whole(r, k, text, len, &got) == 0) {
		free(text);
		*took = ms_since(t);
		return got;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (doc == NULL) {
		/* checksum right, content wrong: written by something that
		 * is not this podswitch */
		STATE_LOG(ERR, "%s/%s%s refused: line %d: %s\n", dir, k->name,
			  PS_STATE_SUFFIX, jerr.line, jerr.text);
		ps_state_set_aside(dir, k->name);
		r->state.dirty[k->idx] = true;
		return 0;
	}
	got = k->restore_items(r, doc, refused);
	json_decref(doc);
	/* rewritten without the refused items */
	r->state.dirty[k->idx] = *refused != before;
	*took = ms_since(t);
	return got;
}

/* "1 ports, 2 routes, 3 services" or "ports 0.1, routes ..." */
static void
kinds_line(char *buf, size_t size, const unsigned int *got,
	   const double *took)
{
	const struct rest_state_kind *k;
	size_t len = 0;

	buf[0] = '\0';
	for (k = kinds; k != NULL && len < size; k = k->next)
		len += got != NULL ?
		       (size_t)snprintf(buf + len, size - len, "%s%u %s",
					len ? ", " : "", got[k->idx], k->name) :
		       (size_t)snprintf(buf + len, size - len, "%s%s %.1f",
					len ? ", " : "", k->name,
					took[k->idx]);
}

int
ps_rest_state_restore(struct ps_rest *r)
{
	const char *dir = state_dir(r);
	uint64_t t0 = rte_get_timer_cycles();
	unsigned int got[REST_STATE_KINDS_MAX] = { 0 }, refused = 0;
	double took[REST_STATE_KINDS_MAX] = { 0 }, wrote;
	const struct rest_state_kind *k;
	char counts[256], times[256];
	uint64_t t;
	int rc;

	if (dir[0] == '\0') {
		r->state.restored = true;
		return 0;
	}
	rc = ps_state_dir_prepare(dir);
	if (rc < 0) {
		STATE_LOG(ERR, "cannot use state directory %s: %s\n", dir,
			  strerror(-rc));
		return rc;
	}
	scan_unknown(dir);
	r->state.restoring = true;
	/* by rank: ports first, routes may name them */
	for (k = kinds; k != NULL; k = k->next)
		got[k->idx] = restore_kind(r, k, &refused, &took[k->idx]);
	r->state.restoring = false;
	t = rte_get_timer_cycles();
	rest_state_poll(r, true);
	wrote = ms_since(t);
	kinds_line(counts, sizeof(counts), got, NULL);
	kinds_line(times, sizeof(times), NULL, took);
	STATE_LOG(INFO, "restored from %s: %s (%u items refused) in %.1f ms "
		  "(%s, rewrite %.1f)\n", dir, counts, refused, ms_since(t0),
		  times, wrote);
	r->state.restored = true;
	return 0;
}

void
ps_rest_state_flush(struct ps_rest *r)
{
	if (r != NULL)
		rest_state_poll(r, true);
}
