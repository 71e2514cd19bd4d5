/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Endpoint snapshots and what the schedulers precompute in them on the
 * management thread (weighted positions, Maglev tables), so that a pick on
 * a worker is O(1) (rr, sh, maglev), O(log n) (wrr) or O(n) (lc, like
 * IPVS's own lc).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "svc_private.h"

struct svc_epset *
svc_epset_alloc(uint32_t n)
{
	struct svc_epset *es = rte_zmalloc("ps_svc_epset", sizeof(*es),
					   RTE_CACHE_LINE_SIZE);
	unsigned int c;

	if (es == NULL)
		return NULL;
	es->n = n;
	if (n == 0)
		return es;
	es->eps = rte_zmalloc("ps_svc_eps", sizeof(*es->eps) * n,
			      RTE_CACHE_LINE_SIZE);
	for (c = 0; c < SVC_NB_CAND; c++)
		es->cand[c].idx = rte_zmalloc("ps_svc_cand",
					      sizeof(uint16_t) * n, 0);
	if (es->eps == NULL || es->cand[SVC_ALL].idx == NULL ||
	    es->cand[SVC_LOCAL].idx == NULL) {
		svc_epset_free(es);
		return NULL;
	}
	return es;
}

void
svc_cand_free(struct svc_cand *c)
{
	rte_free(c->idx);
	rte_free(c->cum);
	rte_free(c->maglev);
	memset(c, 0, sizeof(*c));
}

void
svc_epset_free(struct svc_epset *es)
{
	unsigned int c;

	if (es == NULL)
		return;
	for (c = 0; c < SVC_NB_CAND; c++)
		svc_cand_free(&es->cand[c]);
	rte_free(es->eps);
	rte_free(es);
}

int
svc_epset_find(const struct svc_epset *es, uint64_t key)
{
	int lo = 0, hi = (int)es->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (es->eps[mid].key == key)
			return mid;
		if (es->eps[mid].key < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * wrr: connection k of a worker takes weight position (k * stride) mod
 * wsum. With stride coprime to wsum every position comes once per wsum
 * connections, so the split is exact over each cycle, and a stride near
 * wsum / golden ratio interleaves endpoints instead of sending each its
 * whole weight in a row.
 */
static int
wrr_build(struct svc_cand *c, const struct svc_epset *es)
{
	uint32_t i, s;

	c->cum = rte_malloc("ps_svc_cum", sizeof(uint32_t) * c->n, 0);
	if (c->cum == NULL)
		return -ENOMEM;
	c->wsum = 0;
	for (i = 0; i < c->n; i++) {
		c->wsum += es->eps[c->idx[i]].weight;
		c->cum[i] = c->wsum;
	}
	s = (uint32_t)((uint64_t)c->wsum * 618034 / 1000000);
	if (s == 0)
		s = 1;
	while (gcd(s, c->wsum) != 1)
		s++;
	c->stride = s;
	return 0;
}

static void
maglev_hashes(const struct svc_ep *ep, uint32_t m, uint32_t *offset,
	      uint32_t *skip)
{
	uint64_t k = ep->key;

	*offset = rte_hash_crc_8byte(k, 0x5bd1e995) % m;
	*skip = rte_hash_crc_8byte(k, 0x1b873593) % (m - 1) + 1;
}

/*
 * Maglev (Eisenbud et al., NSDI 2016, section 3.4): each backend walks its
 * own permutation of the table (offset + j * skip mod M, M prime) and the
 * backends take turns claiming their next free slot, so each gets M/n
 * slots and removing one moves little more than its own share. Depends
 * only on the endpoint addresses: the same set builds the same table.
 */
static int
maglev_build(struct svc_cand *c, const struct svc_epset *es, uint32_t m)
{
	uint32_t *offset, *skip, *next, filled = 0, i;
	int rc = -ENOMEM;

	c->maglev_size = m;
	c->maglev = rte_malloc("ps_svc_maglev", sizeof(uint16_t) * m, 0);
	offset = malloc(sizeof(uint32_t) * c->n);
	skip = malloc(sizeof(uint32_t) * c->n);
	next = calloc(c->n, sizeof(uint32_t));
	if (c->maglev == NULL || offset == NULL || skip == NULL ||
	    next == NULL)
		goto out;
	memset(c->maglev, 0xff, sizeof(uint16_t) * m);
	for (i = 0; i < c->n; i++)
		maglev_hashes(&es->eps[c->idx[i]], m, &offset[i], &skip[i]);
	while (filled < m) {
		for (i = 0; i < c->n && filled < m; i++) {
			uint32_t slot;

			do {
				slot = (uint32_t)(((uint64_t)next[i] * skip[i] +
						   offset[i]) % m);
				next[i]++;
			} while (c->maglev[slot] != UINT16_MAX);
			c->maglev[slot] = (uint16_t)i;
			filled++;
		}
	}
	rc = 0;
out:
	free(offset);
	free(skip);
	free(next);
	return rc;
}

int
svc_cand_build(struct svc_cand *c, const struct svc_epset *es,
	       enum ps_svc_sched sched, uint32_t maglev_size)
{
	if (c->n == 0)
		return 0;
	if (sched == PS_SCHED_WRR)
		return wrr_build(c, es);
	if (sched == PS_SCHED_MAGLEV)
		return maglev_build(c, es, maglev_size);
	return 0;
}

uint32_t
svc_flow_hash(const struct ps_svc_flow *f)
{
	uint64_t a = (uint64_t)f->src_ip << 32 | f->dst_ip;
	uint64_t b = (uint64_t)f->src_port << 24 | (uint64_t)f->dst_port << 8 |
		     f->proto;

	return rte_hash_crc_8byte(b, rte_hash_crc_8byte(a, 0x9e3779b9));
}
