/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane under test: started from a configuration text, polled by
 * the test thread, frames in and out through its ring ports.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <podswitch/service.h>

#include "test_common.h"

int
ps_test_dp_start(const char *config_json, struct ps_dataplane *dp,
		 struct ps_config *cfg)
{
	struct ps_errors errs = { 0 };
	unsigned int lcore = rte_lcore_id();
	int rc;

	rc = ps_config_load_string(config_json, cfg, &errs);
	if (rc < 0) {
		ps_errors_print(&errs, stderr);
		ps_errors_free(&errs);
		return rc;
	}
	rc = ps_dataplane_init(dp, cfg, &lcore, 1);
	if (rc < 0) {
		ps_config_free(cfg);
		return rc;
	}
	ps_worker_attach(&dp->workers[0]);
	/* This thread is worker 0 and does the management work too: a
	 * writer waiting for a grace period reports for it. */
	dp->mgmt_rcu_id = dp->workers[0].idx;
	return 0;
}

void
ps_test_dp_stop(struct ps_dataplane *dp, struct ps_config *cfg)
{
	ps_worker_detach(&dp->workers[0]);
	ps_dataplane_fini(dp);
	ps_config_free(cfg);
}

void
ps_test_dp_run(struct ps_dataplane *dp, unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		ps_worker_poll(&dp->workers[0]);
		ps_mgmt_poll(dp);
	}
}

struct ps_test_node ps_test_node;

int
ps_test_node_start(const char *config_json, unsigned int walks)
{
	struct ps_test_node *n = &ps_test_node;

	if (ps_test_dp_start(config_json, &n->dp, &n->cfg) != 0) {
		fprintf(stderr, "cannot start the dataplane\n");
		return -1;
	}
	n->up = true;
	n->walks = walks;
	ps_test_node_drain();
	n->pool_base = rte_mempool_in_use_count(n->dp.pool);
	return 0;
}

int
ps_test_node_stop(void)
{
	struct ps_test_node *n = &ps_test_node;

	if (!n->up)
		return 0;
	ps_test_node_drain();
	ps_test_dp_stop(&n->dp, &n->cfg);
	n->up = false;
	return 0;
}

unsigned int
ps_test_node_drain(void)
{
	const struct ps_dataplane *dp = &ps_test_node.dp;
	unsigned int i, n = 0;

	for (i = 0; i < dp->nb_ports; i++) {
		const char *tx;

		if (strcmp(dp->ports[i].driver, "ring") != 0)
			continue;
		tx = ps_port_arg(&dp->ports[i], "tx_ring");
		if (tx != NULL)
			n += ps_test_drain(tx);
	}
	return n;
}

void
ps_test_node_run(void)
{
	ps_test_dp_run(&ps_test_node.dp, ps_test_node.walks);
}

void
ps_test_node_inject(const char *ring, const void *frame, size_t len)
{
	CU_ASSERT_EQUAL_FATAL(ps_test_inject(&ps_test_node.dp, ring, frame,
					     len), 0);
}

void
ps_test_node_expect_no_leak(void)
{
	unsigned int used;

	ps_test_node_drain();
	used = rte_mempool_in_use_count(ps_test_node.dp.pool);
	if (used != ps_test_node.pool_base)
		fprintf(stderr, "  %u mbufs in use, %u after set-up\n", used,
			ps_test_node.pool_base);
	CU_ASSERT_EQUAL(used, ps_test_node.pool_base);
}

int
ps_test_node_apply(const char *k8s_json)
{
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc doc;
	int rc;

	rc = ps_k8s_parse(k8s_json, strlen(k8s_json), &doc, &errs);
	if (rc == 0) {
		rc = ps_svc_apply(ps_test_node.dp.svcs, &doc, &errs);
		ps_k8s_doc_free(&doc);
	}
	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	return rc;
}

int
ps_test_inject(struct ps_dataplane *dp, const char *ring, const void *frame,
	       size_t len)
{
	struct rte_ring *r = rte_ring_lookup(ring);
	struct rte_mbuf *m;
	char *p;

	if (r == NULL)
		return -ENOENT;
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL)
		return -ENOMEM;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	memcpy(p, frame, len);
	if (rte_ring_enqueue(r, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

unsigned int
ps_test_collect(const char *ring, struct rte_mbuf **out, unsigned int max)
{
	struct rte_ring *r = rte_ring_lookup(ring);

	if (r == NULL)
		return 0;
	return rte_ring_dequeue_burst(r, (void **)out, max, NULL);
}

unsigned int
ps_test_drain(const char *ring)
{
	struct rte_mbuf *m[64];
	unsigned int n, total = 0;

	while ((n = ps_test_collect(ring, m, RTE_DIM(m))) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

void
ps_test_expect_one(const char *ring, const void *frame, size_t len)
{
	struct rte_mbuf *out[8];
	unsigned int n = ps_test_collect(ring, out, RTE_DIM(out));

	CU_ASSERT_EQUAL(n, 1);
	if (n >= 1 && !ps_test_frame_eq(out[0], frame, len)) {
		fprintf(stderr, "  (on %s)\n", ring);
		CU_FAIL("frame differs");
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(out, n);
}

void
ps_test_expect_none(const char *ring)
{
	unsigned int n = ps_test_drain(ring);

	if (n != 0)
		fprintf(stderr, "  %u unexpected frame(s) on %s\n", n, ring);
	CU_ASSERT_EQUAL(n, 0);
}

bool
ps_test_frame_eq(const struct rte_mbuf *m, const void *frame, size_t len)
{
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *b = frame;
	size_t i;

	if (m->pkt_len != len || m->data_len != len) {
		fprintf(stderr, "frame length %u, expected %zu\n", m->pkt_len, len);
		return false;
	}
	for (i = 0; i < len; i++) {
		if (a[i] != b[i]) {
			fprintf(stderr, "frame differs at byte %zu: got %02x, expected %02x\n",
				i, a[i], b[i]);
			return false;
		}
	}
	return true;
}
