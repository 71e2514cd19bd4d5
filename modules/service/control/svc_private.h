/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_PRIVATE_H
#define PS_SVC_PRIVATE_H

/*
 * Shared between the files of the service table: the endpoint snapshot
 * the fast path reads, the table itself, and the model copy helpers.
 *
 *   svc_table.c     create and free, deferred free, housekeeping,
 *                   reading back
 *   svc_change.c    the change engine (svc_change.h), svc_apply.c its
 *                   entry points, svc_snapshot.c the endpoint sets it
 *                   builds
 *   ../datapath/svc_select.c   the fast path: lookup, select, counts
 *   svc_sched.c     snapshots and scheduler tables, svc_affinity.c
 *                   ClientIP affinity
 */

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/id_fifo.h>
#include <podswitch/name_map.h>
#include <podswitch/service.h>

#define SVC_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_svc, "service: " __VA_ARGS__)

#define SVC_NONE UINT32_MAX
_Static_assert(SVC_NONE == PS_NAME_MAP_END && SVC_NONE == PS_ID_FIFO_EMPTY,
	       "a free slot, a chain's end and no id are one value");

/* One endpoint of a snapshot. */
struct svc_ep {
	uint64_t key;		/* host-order ip << 16 | port: sort order */
	uint32_t ep_id;		/* conn-count record */
	uint32_t ip;		/* network order */
	uint16_t port;		/* host order */
	uint16_t weight;
	uint8_t flags;		/* PS_EP_* */
	uint8_t cand;		/* bit c: in cand[c] */
};

static inline uint64_t
svc_ep_key(uint32_t ip, uint16_t port)
{
	return (uint64_t)rte_be_to_cpu_32(ip) << 16 | port;
}

/*
 * The endpoints a new connection may go to, for one locality: all of the
 * set's usable endpoints (cand[SVC_ALL]) or those on this node
 * (cand[SVC_LOCAL]). Usable = ready; when none is, serving and
 * terminating (Kubernetes' fallback).
 */
struct svc_cand {
	uint32_t n;
	uint16_t *idx;		/* into svc_epset.eps */
	/* wrr: cumulative weights over idx and a stride coprime with wsum
	 * that walks every weight position once per cycle */
	uint32_t *cum;
	uint32_t wsum;
	uint32_t stride;
	uint16_t *maglev;	/* maglev_size entries of idx positions */
	uint32_t maglev_size;
};

enum { SVC_ALL, SVC_LOCAL, SVC_NB_CAND };

/* Immutable once published; one allocation with its arrays. */
struct svc_epset {
	uint32_t n;
	struct svc_ep *eps;	/* sorted by (ip, port) */
	struct svc_cand cand[SVC_NB_CAND];
};

struct svc_epset *svc_epset_alloc(uint32_t n);
void svc_epset_free(struct svc_epset *es);
/* Index of (ip, port) in es, or -1. */
int svc_epset_find(const struct svc_epset *es, uint64_t key);

/* Per worker and service port id: written only by that worker. */
struct svc_wctr {
	uint64_t new_conns;
	uint64_t rejects;
	uint32_t rr[SVC_NB_CAND];
	uint32_t pad;
};

/* Fast-path stats per worker. */
struct svc_wstats {
	uint64_t new_conns;
	uint64_t rejects;
	uint64_t denied;
	uint64_t affinity_hits;
	uint64_t affinity_full;
} __rte_cache_aligned;

/* Affinity table: buckets of 8 slots, claimed by CAS (svc_affinity.c). */
#define AFF_BUCKET 8
struct aff_slot {
	uint64_t key;		/* port id << 32 | client ip; 0 = empty */
	uint64_t val;		/* ep ip << 16 | ep port; 0 = not yet set */
	uint32_t last;		/* table clock */
	uint32_t pad;
};

struct svc_aff {
	struct aff_slot *slots;
	uint32_t nb_buckets;	/* power of two */
	uint32_t size;
};

int svc_aff_init(struct svc_aff *a, uint32_t size, int socket);
void svc_aff_fini(struct svc_aff *a);
/* Remembered endpoint of (port id, client) or 0; refreshes last use. */
uint64_t svc_aff_get(struct svc_aff *a, uint32_t port_id, uint32_t client,
		     uint32_t now);
/* Remember val. Returns val, the value another worker stored first, or
 * 0 when the bucket is full. */
uint64_t svc_aff_put(struct svc_aff *a, uint32_t port_id, uint32_t client,
		     uint64_t val, uint32_t now, bool replace);
/* Remove entries for which expired(port id, last) is true. */
unsigned int svc_aff_sweep(struct svc_aff *a,
			   bool (*expired)(void *arg, uint32_t port_id,
					   uint32_t last),
			   void *arg);
uint32_t svc_aff_count(const struct svc_aff *a);
/* Every entry set, until cb returns non-zero (returned). */
int svc_aff_walk(const struct svc_aff *a,
		 int (*cb)(uint32_t port_id, uint32_t client, uint64_t val,
			   uint32_t last, void *arg),
		 void *arg);

/* The table ------------------------------------------------------------ */

/* Frontend hash data: port id << 2 | enum ps_svc_fe_kind. */
#define FE_KIND_MASK 0x3u

struct fe_key {
	uint32_t ip;		/* network order; 0 = any local address */
	uint16_t port;		/* network order */
	uint8_t proto;
	uint8_t pad;
};

/* A stored Service. */
struct svc_obj {
	struct ps_svc_spec spec;
	uint32_t *port_ids;	/* per spec port; unused when not programmed */
	unsigned int nb_fe;
};

/* An endpoint record: what connection counts are kept against. */
struct ep_rec {
	uint32_t owner;		/* port id; SVC_NONE = free */
	bool draining;
};

struct ps_svc_table {
	char name[32];
	uint32_t max_svcs, max_eps;
	unsigned int nb_workers;
	char node[PS_K8S_NAME_MAX];
	char zone[PS_ZONE_MAX];
	int socket;
	struct rte_rcu_qsbr *qsv;
	struct rte_rcu_qsbr_dq *dq;

	struct rte_hash *fe;
	uint32_t nb_fe;

	struct svc_obj **svcs;
	uint32_t nb_svcs;
	struct ps_name_map svc_map;
	struct ps_id_fifo svc_free;

	struct ps_eps_spec **slices;
	uint32_t nb_slices, slice_addrs;
	struct ps_name_map slice_map;
	/* the same slots chained by (namespace, service-name label): a
	 * service's slices without a walk over every slot */
	struct ps_name_map slice_svc_map;
	struct ps_id_fifo slice_free;

	struct ps_svc_port **ports;	/* current object per port id */
	uint32_t nb_ports;
	struct ps_id_fifo port_free;

	struct ep_rec *eps;
	uint32_t *conns;		/* atomics, any thread */
	uint32_t nb_eps, nb_draining;
	struct ps_id_fifo ep_free;

	struct svc_wctr *wctr;		/* [worker * max_svcs + port id] */
	struct svc_wstats *wstats;
	/* svc_traffic.h: written by each worker in its own block, summed
	 * on read less the sums when the id was last taken (base, the
	 * management thread's): an id reused starts from zero, and no
	 * worker counter is ever written by another thread */
	struct ps_svc_traffic *port_tr;	/* [worker * max_svcs + port id] */
	struct ps_svc_traffic *ep_tr;	/* [worker * max_eps + ep id] */
	struct ps_svc_traffic *port_tr_base;	/* [port id] */
	struct ps_svc_traffic *ep_tr_base;	/* [ep id] */
	struct svc_aff aff;
	uint32_t now;

	uint64_t full, applies, apply_errors, snapshots, affinity_expired;
	ps_svc_change_cb change_cb;
	void *change_arg;
	ps_svc_fe_ip_cb fe_ip_cb;
	void *fe_ip_arg;
	struct ps_cfilter *gate_filter;	/* may be NULL */
	uint32_t fe_skip_net, fe_skip_mask;
};

/* Traffic counters of a port id or an endpoint record (svc_table.c):
 * the sum over workers less its base, and a new base (an id taken). */
enum svc_tr_kind { SVC_TR_PORT, SVC_TR_EP };
void svc_traffic_read(const struct ps_svc_table *t, enum svc_tr_kind k,
		      uint32_t id, struct ps_svc_traffic *out);
void svc_traffic_rebase(struct ps_svc_table *t, enum svc_tr_kind k,
			uint32_t id);

/* Served by the dataplane (else skip_reason says why not). */
static inline bool
svc_programmed(const struct ps_svc_spec *s)
{
	return s->skip_reason[0] == '\0';
}

/* Room svc_fe_keys needs for one port of s. */
static inline unsigned int
svc_fe_max(const struct ps_svc_spec *s)
{
	return 2 + s->nb_external_ips + s->nb_lb_ips;
}

/* The frontends of port pi of s, deduplicated (loadBalancerIP is often
 * also the ingress IP), with their kinds. Returns the count. */
unsigned int svc_fe_keys(const struct ps_svc_spec *s, unsigned int pi,
			 struct fe_key *out, uint8_t *kinds);

/*
 * Room for the frontend keys of one port: on the stack when the port has
 * at most SVC_FE_STACK of them (nearly always), else allocated.
 * svc_fe_buf_get returns false without memory; svc_fe_buf_put frees what
 * get allocated.
 */
#define SVC_FE_STACK 64
struct svc_fe_buf {
	struct fe_key *k;
	uint8_t *kinds;
	struct fe_key k_stack[SVC_FE_STACK];
	uint8_t kinds_stack[SVC_FE_STACK];
};
bool svc_fe_buf_get(struct svc_fe_buf *b, const struct ps_svc_spec *s);
void svc_fe_buf_put(struct svc_fe_buf *b);

/* Stored slot of Service / EndpointSlice ns/name, or SVC_NONE. */
uint32_t svc_find(const struct ps_svc_table *t, const char *ns,
		  const char *name);
uint32_t svc_slice_find(const struct ps_svc_table *t, const char *ns,
			const char *name);

/* Free p after readers are done with it (now when there are none). */
enum svc_defer_type { SVC_DEFER_EPSET, SVC_DEFER_PORT };
void svc_defer_free(struct ps_svc_table *t, void *p,
		    enum svc_defer_type type);
void svc_port_obj_free(struct ps_svc_port *sp);

/* Model helpers (svc_model.c) */
int svc_spec_copy(struct ps_svc_spec *dst, const struct ps_svc_spec *src);
void svc_spec_free(struct ps_svc_spec *s);
int svc_slice_copy(struct ps_eps_spec *dst, const struct ps_eps_spec *src);
void svc_slice_free(struct ps_eps_spec *s);
unsigned int svc_slice_addrs(const struct ps_eps_spec *s);

/* Schedulers (svc_sched.c) */
/* Fill cand (idx already set) for sched; 0 or -ENOMEM. */
int svc_cand_build(struct svc_cand *c, const struct svc_epset *es,
		   enum ps_svc_sched sched, uint32_t maglev_size);
void svc_cand_free(struct svc_cand *c);
uint32_t svc_flow_hash(const struct ps_svc_flow *f);

#endif
