/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections across a clean restart: at a stop (SIGTERM), once the
 * workers are gone, every live conntrack entry with its NAT binding is
 * written to <state dir>/conntrack.state; the next start puts them back
 * after the services, before the workers run, and deletes the file (a
 * later crash must not bring back connections long gone).
 *
 * A record holds what a packet sees (tuples, NAT addresses and ports,
 * state, TCP tracking), not the service table's ids, which are given
 * anew at each start: the service port is found again from the original
 * destination (the frontend), the endpoint from the DNAT address. A
 * connection whose service or endpoint is gone, or whose SNAT port is
 * taken, is not restored (counted in the log line). ClientIP affinity
 * entries travel in the same file, so that new connections of a client
 * keep going where its old ones go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include <podswitch/conntrack.h>
#include <podswitch/dataplane.h>
#include <podswitch/nat.h>
#include <podswitch/service.h>
#include <podswitch/state.h>

#include "lb_private.h"
#include "service_dp.h"

#define CT_KIND "conntrack"
#define LB_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_dp, "dataplane: " __VA_ARGS__)
/* endpoints of one service port looked at to find a DNAT address */
#define EP_VIEW_MAX 65535

/*
 * The dump's layout: a header then records. Its size and version are
 * in the header, so a dump of another build (other layout) is refused
 * whole, never read askew.
 */
#define CT_DUMP_MAGIC 0x70736374u	/* "psct" */
#define CT_DUMP_VERSION 2

/* then count ct_records, then aff_count aff_records */
struct ct_dump_head {
	uint32_t magic;
	uint32_t version;
	uint32_t record_size;
	uint32_t count;
	uint32_t aff_record_size;
	uint32_t aff_count;
};

/* A ClientIP affinity entry; its service port is found again by its
 * cluster IP frontend. */
struct aff_record {
	uint32_t cluster_ip;		/* network order */
	uint16_t port;			/* host order */
	uint8_t proto;
	uint8_t pad;
	uint32_t client;		/* network order */
	uint32_t ep_ip;			/* network order */
	uint16_t ep_port;		/* host order */
	uint16_t pad2;
};

struct ct_record {
	struct ps_ct_tuple tuple[2];
	uint32_t dnat_ip, snat_ip;	/* network order */
	uint16_t dnat_port, snat_port;	/* network order */
	uint8_t state;
	uint8_t proto;
	uint16_t flags;
	uint8_t has_service;		/* service_id was set */
	uint8_t pad[3];
	struct ps_ct_tcp_dir tcp[2];
	uint64_t packets[2];
	uint64_t bytes[2];
};

struct dump_ctx {
	struct ct_record *rec;
	uint32_t n, max;
};

static int
dump_cb(const struct ps_ct_entry *e, void *arg)
{
	struct dump_ctx *c = arg;
	struct ct_record *r;

	if (c->n == c->max)
		return 1;
	r = &c->rec[c->n++];
	memset(r, 0, sizeof(*r));
	r->tuple[0] = e->tuple[0];
	r->tuple[1] = e->tuple[1];
	r->dnat_ip = e->nat.dnat_ip;
	r->dnat_port = e->nat.dnat_port;
	r->snat_ip = e->nat.snat_ip;
	r->snat_port = e->nat.snat_port;
	r->state = e->state;
	r->proto = e->proto;
	r->flags = e->flags;
	r->has_service = e->nat.service_id != UINT32_MAX;
	memcpy(r->tcp, e->tcp, sizeof(r->tcp));
	memcpy(r->packets, e->packets, sizeof(r->packets));
	memcpy(r->bytes, e->bytes, sizeof(r->bytes));
	return 0;
}

struct aff_ctx {
	struct aff_record *rec;
	uint32_t n, cap;
};

static int
aff_cb(const struct ps_svc_port *sp, uint32_t client, uint32_t ep_ip,
       uint16_t ep_port, uint32_t idle, void *arg)
{
	struct aff_ctx *c = arg;
	struct aff_record *r;

	if (sp->cluster_ip == 0 || idle > sp->affinity_timeout)
		return 0;
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 1024;
		struct aff_record *nr = realloc(c->rec, sizeof(*nr) * cap);

		if (nr == NULL)
			return -ENOMEM;
		c->rec = nr;
		c->cap = cap;
	}
	r = &c->rec[c->n++];
	memset(r, 0, sizeof(*r));
	r->cluster_ip = sp->cluster_ip;
	r->port = sp->port;
	r->proto = sp->proto;
	r->client = client;
	r->ep_ip = ep_ip;
	r->ep_port = ep_port;
	return 0;
}

int
svc_state_save(struct ps_dataplane *dp)
{
	const char *dir = dp->cfg->state_dir;
	uint64_t t0 = rte_get_timer_cycles();
	struct aff_ctx a = { 0 };
	struct ps_ct_stats st;
	struct ct_dump_head *h;
	struct dump_ctx c;
	size_t len;
	int rc;

	if (dir[0] == '\0' || dp->ct == NULL)
		return 0;
	rc = ps_svc_affinity_walk(dp->svcs, aff_cb, &a);
	if (rc < 0) {
		free(a.rec);
		return rc;
	}
	ps_ct_stats(dp->ct, &st);
	len = sizeof(*h) + sizeof(struct ct_record) * (size_t)st.entries +
	      sizeof(struct aff_record) * (size_t)a.n;
	h = calloc(1, len);
	if (h == NULL) {
		free(a.rec);
		return -ENOMEM;
	}
	h->magic = CT_DUMP_MAGIC;
	h->version = CT_DUMP_VERSION;
	h->record_size = sizeof(struct ct_record);
	h->aff_record_size = sizeof(struct aff_record);
	c.rec = (struct ct_record *)(h + 1);
	c.n = 0;
	c.max = st.entries;
	ps_ct_walk(dp->ct, dump_cb, &c);
	h->count = c.n;
	h->aff_count = a.n;
	if (a.n > 0)
		memcpy(&c.rec[c.n], a.rec, sizeof(*a.rec) * a.n);
	free(a.rec);
	rc = ps_state_dir_prepare(dir);
	if (rc == 0)
		rc = ps_state_write(dir, CT_KIND, h, sizeof(*h) +
				    sizeof(struct ct_record) * c.n +
				    sizeof(struct aff_record) * h->aff_count);
	if (rc < 0)
		LB_LOG(ERR, "cannot save the connections to %s: %s\n", dir,
		       strerror(-rc));
	else
		LB_LOG(INFO, "%u connections and %u affinity entries saved to "
		       "%s in %.1f ms\n", c.n, h->aff_count, dir,
		       (double)(rte_get_timer_cycles() - t0) * 1e3 /
		       (double)rte_get_timer_hz());
	free(h);
	return rc;
}

/* The service port and endpoint of r now, or false when gone. */
static bool
resolve(struct ps_dataplane *dp, const struct ct_record *r,
	struct ps_ct_nat *nat, struct ps_svc_ep_view *ev)
{
	const struct ps_ct_tuple *o = &r->tuple[0];
	struct ps_svc_hit hit;
	unsigned int n, i;

	if (!ps_svc_lookup(dp->svcs, o->dst_ip, o->dst_port, o->proto,
			   o->dst_ip == dp->cfg->node_ip.addr, &hit))
		return false;
	nat->service_id = hit.sp->id;
	n = ps_svc_port_endpoints(dp->svcs, hit.sp, ev, EP_VIEW_MAX);
	for (i = 0; i < RTE_MIN(n, (unsigned int)EP_VIEW_MAX); i++)
		if (ev[i].ip == r->dnat_ip &&
		    rte_cpu_to_be_16(ev[i].port) == r->dnat_port) {
			nat->endpoint_id = ev[i].ep_id;
			return true;
		}
	return false;
}

static int
restore_one(struct ps_dataplane *dp, const struct ct_record *r,
	    struct ps_svc_ep_view *ev)
{
	struct ps_ct_entry img;
	struct ps_nat_pool *pool = NULL;
	bool l2;
	int rc, pi;

	memset(&img, 0, sizeof(img));
	img.tuple[0] = r->tuple[0];
	img.tuple[1] = r->tuple[1];
	img.nat.dnat_ip = r->dnat_ip;
	img.nat.dnat_port = r->dnat_port;
	img.nat.snat_ip = r->snat_ip;
	img.nat.snat_port = r->snat_port;
	img.nat.service_id = UINT32_MAX;
	img.nat.endpoint_id = PS_CT_NO_ENDPOINT;
	img.state = r->state;
	img.proto = r->proto;
	img.flags = r->flags;
	memcpy(img.tcp, r->tcp, sizeof(img.tcp));
	memcpy(img.packets, r->packets, sizeof(img.packets));
	memcpy(img.bytes, r->bytes, sizeof(img.bytes));
	if (r->has_service && !resolve(dp, r, &img.nat, ev))
		return -ENOENT;
	if (r->snat_ip != 0) {
		pi = ps_nat_pool_of(r->proto);
		if (pi < 0)
			return -EINVAL;
		pool = dp->nat_pools[pi];
		rc = ps_nat_port_take(pool, rte_be_to_cpu_16(r->snat_port));
		if (rc < 0)
			return rc;
	}
	/* what lb_create counts before publishing, so that the release of
	 * the entry later gives back exactly what it took */
	l2 = svc_l2_counted(r->tuple[0].src_ip, r->dnat_ip, r->snat_ip);
	if (img.nat.endpoint_id != PS_CT_NO_ENDPOINT)
		ps_svc_ep_conn_inc(dp->svcs, img.nat.endpoint_id);
	if (l2)
		ps_svc_dp.l2_ep_conns[svc_l2_slot(r->dnat_ip)]++;
	svc_gate_conn(&img.nat, &r->tuple[0], true);
	rc = ps_ct_restore(dp->ct, &img);
	if (rc != PS_CT_CREATED) {
		if (pool != NULL)
			ps_nat_port_free(pool, rte_be_to_cpu_16(r->snat_port));
		if (img.nat.endpoint_id != PS_CT_NO_ENDPOINT)
			ps_svc_ep_conn_dec(dp->svcs, img.nat.endpoint_id);
		if (l2)
			ps_svc_dp.l2_ep_conns[svc_l2_slot(r->dnat_ip)]--;
		svc_gate_conn(&img.nat, &r->tuple[0], false);
		return rc < 0 ? rc : -EEXIST;
	}
	return 0;
}

static unsigned int
restore_affinity(struct ps_dataplane *dp, const struct aff_record *a,
		 uint32_t n)
{
	unsigned int ok = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct ps_svc_hit hit;

		if (ps_svc_lookup(dp->svcs, a[i].cluster_ip,
				  rte_cpu_to_be_16(a[i].port), a[i].proto,
				  false, &hit) &&
		    ps_svc_affinity_restore(dp->svcs, hit.sp, a[i].client,
					    a[i].ep_ip, a[i].ep_port) == 0)
			ok++;
	}
	return ok;
}

int
svc_state_restore(struct ps_dataplane *dp)
{
	const char *dir = dp->cfg->state_dir;
	uint64_t t0 = rte_get_timer_cycles();
	char why[PS_STATE_WHY_MAX], *text;
	const struct ct_dump_head *h;
	const struct ct_record *rec;
	struct ps_svc_ep_view *ev;
	unsigned int ok = 0, gone = 0, failed = 0, aff_ok, aff_n;
	size_t len;
	uint32_t i;
	int rc;

	if (dir[0] == '\0' || dp->ct == NULL)
		return 0;
	rc = ps_state_read(dir, CT_KIND, &text, &len, why, sizeof(why));
	if (rc == -ENOENT) {
		LB_LOG(INFO, "no saved connections in %s (first start, or "
		       "the last stop was not clean)\n", dir);
		return 0;
	}
	if (rc < 0) {
		LB_LOG(ERR, "%s/%s%s refused: %s; set aside, starting "
		       "without saved connections\n", dir, CT_KIND,
		       PS_STATE_SUFFIX, why);
		ps_state_set_aside(dir, CT_KIND);
		return 0;
	}
	h = (const struct ct_dump_head *)text;
	if (len < sizeof(*h) || h->magic != CT_DUMP_MAGIC ||
	    h->version != CT_DUMP_VERSION ||
	    h->record_size != sizeof(struct ct_record) ||
	    h->aff_record_size != sizeof(struct aff_record) ||
	    len != sizeof(*h) + (size_t)h->count * sizeof(struct ct_record) +
		   (size_t)h->aff_count * sizeof(struct aff_record)) {
		LB_LOG(ERR, "%s/%s%s refused: not a connection dump of this "
		       "build (layout differs); set aside\n", dir, CT_KIND,
		       PS_STATE_SUFFIX);
		free(text);
		ps_state_set_aside(dir, CT_KIND);
		return 0;
	}
	ev = malloc(sizeof(*ev) * EP_VIEW_MAX);
	if (ev == NULL) {
		free(text);
		return -ENOMEM;
	}
	rec = (const struct ct_record *)(h + 1);
	for (i = 0; i < h->count; i++) {
		rc = restore_one(dp, &rec[i], ev);
		if (rc == 0)
			ok++;
		else if (rc == -ENOENT)
			gone++;
		else
			failed++;
	}
	free(ev);
	aff_ok = restore_affinity(dp, (const struct aff_record *)&rec[h->count],
				  h->aff_count);
	aff_n = h->aff_count;
	free(text);
	/* from now on the table is the truth; a stale dump must not come
	 * back after a crash */
	{
		char path[PS_PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s%s", dir, CT_KIND,
			 PS_STATE_SUFFIX);
		unlink(path);
	}
	LB_LOG(INFO, "%u connections restored from %s (%u of services or "
	       "endpoints now gone, %u refused), %u of %u affinity entries, "
	       "in %.1f ms\n", ok, dir, gone, failed, aff_ok, aff_n,
	       (double)(rte_get_timer_cycles() - t0) * 1e3 /
	       (double)rte_get_timer_hz());
	return 0;
}
