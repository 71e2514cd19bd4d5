/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of conntrack (include/podswitch/conntrack.h): both directions
 * of a NATed connection find one entry, workers racing to create one
 * connection get one entry, the TCP/UDP/ICMP state machines and their
 * timeouts, invalid packets, the full-table edge, sliced expiry, flush
 * under concurrent readers and writers (RCU), delete by predicate, walk.
 * EAL runs in-process without hugepages; racing threads are pthreads
 * registered with EAL (rte_thread_register) for their lcore caches.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_tcp.h>

#include <podswitch/conntrack.h>

#include "ps_build_config.h"
#include "test_common.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define CLIENT "10.244.0.2"
#define VIP "10.96.0.10"
#define BACKEND "10.244.1.7"

static struct ps_ct *
ct_new(const char *name, uint32_t size, struct rte_rcu_qsbr *qsv)
{
	struct ps_ct_params p = {
		.name = name,
		.size = size,
		.socket = SOCKET_ID_ANY,
		.qsv = qsv,
	};
	struct ps_ct *ct = ps_ct_create(&p);

	CU_ASSERT_PTR_NOT_NULL(ct);
	return ct;
}

static struct ps_ct_pkt
tcp_pkt(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct ps_ct_pkt p = {
		.seq = seq, .ack = ack, .payload_len = len, .bytes = 54 + len,
		.win = 65535, .tcp_flags = flags, .wscale = PS_CT_WSCALE_NONE,
	};

	return p;
}

static struct ps_ct_pkt
udp_pkt(void)
{
	struct ps_ct_pkt p = { .bytes = 60 };

	return p;
}

/*
 * Connection n: client CLIENT:(10000 + n) to VIP:80, DNATed to
 * BACKEND:(8080 + n / 60000) -- the reply tuple is the backend's.
 */
static void
conn_tuples(uint32_t n, uint8_t proto, struct ps_ct_tuple *orig,
	    struct ps_ct_tuple *reply, struct ps_ct_nat *nat)
{
	uint16_t cport = rte_cpu_to_be_16((uint16_t)(10000 + n % 50000));
	uint32_t cip = rte_cpu_to_be_32(rte_be_to_cpu_32(ps_ip(CLIENT)) +
					n / 50000);
	uint16_t bport = rte_cpu_to_be_16(8080);

	ps_ct_tuple_set(orig, proto, cip, ps_ip(VIP), cport,
			rte_cpu_to_be_16(80));
	ps_ct_tuple_set(reply, proto, ps_ip(BACKEND), cip, bport, cport);
	memset(nat, 0, sizeof(*nat));
	nat->dnat_ip = ps_ip(BACKEND);
	nat->dnat_port = bport;
	nat->service_id = 1;
	nat->endpoint_id = n % 4;
}

static int
add_conn(struct ps_ct *ct, uint32_t n, uint8_t proto, struct ps_ct_entry **e)
{
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;
	struct ps_ct_pkt p = proto == IPPROTO_TCP ?
		tcp_pkt(SYN, 1000, 0, 0) : udp_pkt();
	struct ps_ct_entry *tmp;
	uint8_t dir;

	conn_tuples(n, proto, &o, &r, &nat);
	return ps_ct_add(ct, &o, &r, &nat, &p, e != NULL ? e : &tmp, &dir);
}

static struct ps_ct_entry *
find_conn(struct ps_ct *ct, uint32_t n, uint8_t proto, uint8_t which,
	  uint8_t *dir)
{
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;

	conn_tuples(n, proto, &o, &r, &nat);
	return ps_ct_lookup(ct, which == 0 ? &o : &r, dir);
}

/* --- basic ------------------------------------------------------------ */

static void
test_both_directions(void)
{
	struct ps_ct *ct = ct_new("both", 64, NULL);
	struct ps_ct_tuple o, r, other, clash_o;
	const struct ps_ct_tuple *keys[4];
	struct ps_ct_entry *e, *e2, *out[4];
	struct ps_ct_pkt syn = tcp_pkt(SYN, 1000, 0, 0);
	struct ps_ct_stats st;
	struct ps_ct_nat nat;
	uint8_t dir, dirs[4];

	if (ct == NULL)
		return;
	conn_tuples(1, IPPROTO_TCP, &o, &r, &nat);
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &o, &dir));
	ps_ct_set_now(ct, 5);
	CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &syn, &e, &dir),
			PS_CT_CREATED);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_ORIG);
	CU_ASSERT_EQUAL(e->state, PS_CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(e->last_seen, 5);
	CU_ASSERT_EQUAL(e->nat.dnat_ip, ps_ip(BACKEND));
	CU_ASSERT_EQUAL(e->nat.endpoint_id, 1);
	CU_ASSERT(memcmp(&e->tuple[0], &o, sizeof(o)) == 0);
	CU_ASSERT(memcmp(&e->tuple[1], &r, sizeof(r)) == 0);

	CU_ASSERT_PTR_EQUAL(ps_ct_lookup(ct, &o, &dir), e);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_ORIG);
	CU_ASSERT_PTR_EQUAL(ps_ct_lookup(ct, &r, &dir), e);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_REPLY);

	/* the un-NATed reverse of orig is not a key: replies come from the
	 * backend */
	ps_ct_tuple_reverse(&other, &o);
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &other, &dir));
	keys[0] = &r;
	keys[1] = &other;
	keys[2] = &o;
	keys[3] = &r;
	ps_ct_lookup_bulk(ct, keys, 4, out, dirs);
	CU_ASSERT_PTR_EQUAL(out[0], e);
	CU_ASSERT_EQUAL(dirs[0], PS_CT_DIR_REPLY);
	CU_ASSERT_PTR_NULL(out[1]);
	CU_ASSERT_PTR_EQUAL(out[2], e);
	CU_ASSERT_EQUAL(dirs[2], PS_CT_DIR_ORIG);
	CU_ASSERT_PTR_EQUAL(out[3], e);

	/* more than one internal batch */
	{
		const struct ps_ct_tuple *many[150];
		struct ps_ct_entry *mout[150];
		uint8_t mdir[150];
		unsigned int i, found = 0;

		for (i = 0; i < RTE_DIM(many); i++)
			many[i] = (i % 3 == 0) ? &o : (i % 3 == 1) ? &r : &other;
		ps_ct_lookup_bulk(ct, many, RTE_DIM(many), mout, mdir);
		for (i = 0; i < RTE_DIM(many); i++)
			found += mout[i] == (i % 3 == 2 ? NULL : e) &&
				 (i % 3 == 2 || mdir[i] == i % 3);
		CU_ASSERT_EQUAL(found, RTE_DIM(many));
	}

	/* the same orig again: the existing entry, nothing created */
	CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &syn, &e2, &dir),
			PS_CT_EXISTS);
	CU_ASSERT_PTR_EQUAL(e2, e);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_ORIG);
	/* created from the reply side: found in its reply direction */
	CU_ASSERT_EQUAL(ps_ct_add(ct, &r, &o, &nat, &syn, &e2, &dir),
			PS_CT_EXISTS);
	CU_ASSERT_PTR_EQUAL(e2, e);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_REPLY);
	/* another client whose NAT would produce an existing reply tuple */
	clash_o = o;
	clash_o.src_port = rte_cpu_to_be_16(999);
	CU_ASSERT_EQUAL(ps_ct_add(ct, &clash_o, &r, &nat, &syn, &e2, &dir),
			-EEXIST);
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &clash_o, &dir));

	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.size, 64);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.created, 1);
	CU_ASSERT_EQUAL(st.races_lost, 2);
	CU_ASSERT_EQUAL(st.clash, 1);

	CU_ASSERT_EQUAL(ps_ct_del(ct, e), 0);
	CU_ASSERT_EQUAL(ps_ct_del(ct, e), -ENOENT);
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &o, &dir));
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &r, &dir));
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.deleted, 1);
	/* the clashing client now gets in */
	CU_ASSERT_EQUAL(ps_ct_add(ct, &clash_o, &r, &nat, &syn, &e2, &dir),
			PS_CT_CREATED);
	ps_ct_free(ct);
}

/* A connection to itself has one tuple for both directions. */
static void
test_self_connection(void)
{
	struct ps_ct *ct = ct_new("self", 8, NULL);
	struct ps_ct_tuple t;
	struct ps_ct_nat nat = { .endpoint_id = PS_CT_NO_ENDPOINT };
	struct ps_ct_pkt p = udp_pkt();
	struct ps_ct_entry *e;
	struct ps_ct_stats st;
	uint8_t dir;

	if (ct == NULL)
		return;
	ps_ct_tuple_set(&t, IPPROTO_UDP, ps_ip(CLIENT), ps_ip(CLIENT),
			rte_cpu_to_be_16(53), rte_cpu_to_be_16(53));
	CU_ASSERT_EQUAL(ps_ct_add(ct, &t, &t, &nat, &p, &e, &dir),
			PS_CT_CREATED);
	CU_ASSERT_PTR_EQUAL(ps_ct_lookup(ct, &t, &dir), e);
	CU_ASSERT_EQUAL(ps_ct_del(ct, e), 0);
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &t, &dir));
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	ps_ct_free(ct);
}

static void
test_bad_params(void)
{
	struct ps_ct_params p = { .name = "bad", .size = 0,
				  .socket = SOCKET_ID_ANY };
	struct ps_ct *ct;
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;
	struct ps_ct_pkt pkt = udp_pkt();
	struct ps_ct_entry *e;
	uint8_t dir;

	CU_ASSERT_PTR_NULL(ps_ct_create(&p));
	p.size = (1u << 26) + 1;
	CU_ASSERT_PTR_NULL(ps_ct_create(&p));
	ct = ct_new("proto", 8, NULL);
	if (ct == NULL)
		return;
	conn_tuples(0, 47, &o, &r, &nat);	/* GRE */
	CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &pkt, &e, &dir),
			-EPROTONOSUPPORT);
	conn_tuples(0, IPPROTO_UDP, &o, &r, &nat);
	r.proto = IPPROTO_TCP;
	CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &pkt, &e, &dir), -EINVAL);
	ps_ct_free(ct);
}

/* --- racing creators ---------------------------------------------------- */

#define RACE_THREADS 4
#define RACE_FLOWS 2000

struct race_arg {
	struct ps_ct *ct;
	unsigned int id;
	unsigned int nthreads;
	bool lockstep;		/* all threads start each flow together */
	uint32_t *arrived;
	pthread_barrier_t *bar;
	struct ps_ct_entry *got[RACE_FLOWS];
	int rc[RACE_FLOWS];
	unsigned int created;
	int err;
};

/*
 * Threads created after rte_eal_init inherit the main lcore's single-CPU
 * affinity: spread them over the machine's CPUs so they really race.
 */
static void
unpin(unsigned int id)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)(id % (ncpu > 0 ? (unsigned long)ncpu : 1)), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
race_thread(void *p)
{
	struct race_arg *a = p;
	unsigned int seed = a->id * 7919 + 1, k;
	uint32_t n;

	unpin(a->id);
	if (rte_thread_register() != 0) {
		a->err = -1;
		pthread_barrier_wait(a->bar);
		return NULL;
	}
	pthread_barrier_wait(a->bar);
	for (n = 0; n < RACE_FLOWS; n++) {
		struct ps_ct_tuple o, r;
		struct ps_ct_nat nat;
		struct ps_ct_pkt syn = tcp_pkt(SYN, 1000 + a->id, 0, 0);
		uint8_t dir;
		int rc;

		conn_tuples(n, IPPROTO_TCP, &o, &r, &nat);
		/* each thread would pick its own backend */
		nat.endpoint_id = a->id;
		if (a->lockstep) {
			__atomic_fetch_add(a->arrived, 1, __ATOMIC_ACQ_REL);
			for (k = 0; __atomic_load_n(a->arrived,
						    __ATOMIC_ACQUIRE) <
				    a->nthreads * (n + 1); k++)
				if (k % 4096 == 4095)	/* a shared CPU */
					sched_yield();
				else
					rte_pause();
			/* a random head start, so the creations overlap at
			 * every point of the protocol */
			for (k = rand_r(&seed) % 48; k > 0; k--)
				rte_pause();
		}
		rc = ps_ct_add(a->ct, &o, &r, &nat, &syn, &a->got[n], &dir);
		a->rc[n] = rc;
		if (rc == PS_CT_CREATED)
			a->created++;
		else if (rc != PS_CT_EXISTS || dir != PS_CT_DIR_ORIG)
			a->err = rc;
	}
	rte_thread_unregister();
	return NULL;
}

static int
count_cb(const struct ps_ct_entry *e, void *arg)
{
	(void)e;
	(*(unsigned int *)arg)++;
	return 0;
}

static void
race_round(unsigned int round, unsigned int nthreads, bool lockstep)
{
	static struct race_arg args[RACE_THREADS];
	char name[16];
	struct ps_ct *ct;
	uint32_t arrived = 0;
	pthread_t th[RACE_THREADS];
	pthread_barrier_t bar;
	struct ps_ct_stats st;
	unsigned int i, n, created = 0, walked = 0;

	snprintf(name, sizeof(name), "race%u", round);
	ct = ct_new(name, RACE_FLOWS, NULL);
	if (ct == NULL)
		return;
	pthread_barrier_init(&bar, NULL, nthreads);
	for (i = 0; i < nthreads; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].ct = ct;
		args[i].id = i;
		args[i].nthreads = nthreads;
		args[i].lockstep = lockstep;
		args[i].arrived = &arrived;
		args[i].bar = &bar;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, race_thread,
						     &args[i]), 0);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].err, 0);
		created += args[i].created;
	}
	pthread_barrier_destroy(&bar);
	/* one entry per flow, and every thread holds that one */
	CU_ASSERT_EQUAL(created, RACE_FLOWS);
	ps_ct_walk(ct, count_cb, &walked);
	CU_ASSERT_EQUAL(walked, RACE_FLOWS);
	for (n = 0; n < RACE_FLOWS; n++) {
		uint8_t dir;
		struct ps_ct_entry *e = find_conn(ct, n, IPPROTO_TCP, 1, &dir);

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		for (i = 0; i < nthreads; i++)
			if (args[i].got[n] != e) {
				printf("\n    flow %u thread %u: rc %d %p (%s), live %p",
				       n, i, args[i].rc[n], (void *)args[i].got[n],
				       args[i].got[n] == NULL ? "-" :
				       memcmp(&args[i].got[n]->tuple[0],
					      &e->tuple[0], 16) == 0 ?
				       "same tuple" : "other tuple",
				       (void *)e);
				CU_FAIL("a thread kept its own entry");
				break;
			}
		/* the winner's choice is the one stored */
		CU_ASSERT(e->nat.endpoint_id < nthreads);
	}
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, RACE_FLOWS);
	CU_ASSERT_EQUAL(st.created, RACE_FLOWS);
	CU_ASSERT_EQUAL(st.races_lost, (nthreads - 1) * RACE_FLOWS);
	CU_ASSERT_EQUAL(st.full, 0);
	printf("\n    %u threads%s: wins per thread", nthreads,
	       lockstep ? " in lockstep" : "");
	for (i = 0; i < nthreads; i++)
		printf(" %u", args[i].created);
	printf(", %" PRIu64 " met a creation in progress ", st.contended);
	ps_ct_free(ct);
}

static void
test_race_create(void)
{
	race_round(0, RACE_THREADS, false);
	/* two, as many as the test machine's cores, so spinning is fair */
	race_round(1, 2, true);
	race_round(2, 2, true);
}

/*
 * Two workers create one connection when it takes the table's last room,
 * over and over (worker 0 deletes it between rounds, the only writer then):
 * one entry goes live, the other worker gets PS_CT_EXISTS with it, never
 * -ENOSPC. The race test above meets that edge once per round (its last
 * flow); here every round does. Then, with the table really full of other
 * connections, both get -ENOSPC. The main thread only joins: spinning, it
 * would share worker 0's CPU and keep the two from overlapping.
 */
#define LAST_SIZE 64
#define LAST_ROUNDS 16000

struct last_arg {
	struct ps_ct *ct;
	unsigned int id;
	uint32_t *arrived;	/* workers at the start of a round */
	uint32_t *done;		/* workers through a round's add */
	struct ps_ct_entry **live;	/* each round's, found by worker 0 */
	int rc[LAST_ROUNDS + 1];
	struct ps_ct_entry *got[LAST_ROUNDS + 1];
	int err;
};

static void
spin_until(const uint32_t *v, uint32_t want)
{
	unsigned int k;

	for (k = 1; __atomic_load_n(v, __ATOMIC_ACQUIRE) < want; k++)
		if (k % 4096 == 0)	/* a shared CPU */
			sched_yield();
		else
			rte_pause();
}

static void *
last_thread(void *p)
{
	struct last_arg *a = p;
	unsigned int seed = a->id * 7919 + 3, k;
	uint32_t r;

	unpin(a->id);
	if (rte_thread_register() != 0) {
		a->err = -1;
		return NULL;
	}
	for (r = 0; r <= LAST_ROUNDS; r++) {
		struct ps_ct_tuple o, t;
		struct ps_ct_nat nat;
		struct ps_ct_pkt syn = tcp_pkt(SYN, 1000 + a->id, 0, 0);
		uint8_t dir = PS_CT_DIR_ORIG;

		/* the last round: full of other connections */
		if (r == LAST_ROUNDS && a->id == 0 &&
		    add_conn(a->ct, LAST_SIZE - 1, IPPROTO_TCP, NULL) !=
		    PS_CT_CREATED)
			a->err = -EIO;
		conn_tuples(100000 + r, IPPROTO_TCP, &o, &t, &nat);
		nat.endpoint_id = a->id;
		__atomic_fetch_add(a->arrived, 1, __ATOMIC_ACQ_REL);
		spin_until(a->arrived, 2 * (r + 1));
		for (k = rand_r(&seed) % 48; k > 0; k--)
			rte_pause();
		a->rc[r] = ps_ct_add(a->ct, &o, &t, &nat, &syn, &a->got[r],
				     &dir);
		if (a->rc[r] == PS_CT_EXISTS && dir != PS_CT_DIR_ORIG)
			a->err = -EINVAL;
		__atomic_fetch_add(a->done, 1, __ATOMIC_ACQ_REL);
		if (a->id != 0 || r == LAST_ROUNDS)
			continue;
		spin_until(a->done, 2 * (r + 1));
		a->live[r] = ps_ct_lookup(a->ct, &o, &dir);
		if (a->live[r] != NULL && ps_ct_del(a->ct, a->live[r]) != 0)
			a->err = -ENOENT;
	}
	rte_thread_unregister();
	return NULL;
}

static void
test_race_last_room(void)
{
	struct ps_ct *ct = ct_new("lastroom", LAST_SIZE, NULL);
	uint32_t arrived = 0, done = 0, r, i;
	unsigned int bad = 0, enospc = 0, walked = 0;
	struct ps_ct_entry **live;
	struct last_arg *args;
	struct ps_ct_stats st;
	pthread_t th[2];

	if (ct == NULL)
		return;
	args = calloc(2, sizeof(*args));
	live = calloc(LAST_ROUNDS, sizeof(*live));
	CU_ASSERT_FATAL(args != NULL && live != NULL);
	for (i = 0; i < LAST_SIZE - 1; i++)
		CU_ASSERT_EQUAL(add_conn(ct, i, IPPROTO_TCP, NULL),
				PS_CT_CREATED);
	for (i = 0; i < 2; i++) {
		args[i].ct = ct;
		args[i].id = i;
		args[i].arrived = &arrived;
		args[i].done = &done;
		args[i].live = live;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, last_thread,
						     &args[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].err, 0);
		CU_ASSERT_EQUAL(args[i].rc[LAST_ROUNDS], -ENOSPC);
	}
	for (r = 0; r < LAST_ROUNDS; r++) {
		int rc0 = args[0].rc[r], rc1 = args[1].rc[r];

		enospc += (rc0 == -ENOSPC) + (rc1 == -ENOSPC);
		if (live[r] != NULL && args[0].got[r] == live[r] &&
		    args[1].got[r] == live[r] &&
		    ((rc0 == PS_CT_CREATED && rc1 == PS_CT_EXISTS) ||
		     (rc0 == PS_CT_EXISTS && rc1 == PS_CT_CREATED)))
			continue;
		if (bad++ < 3)
			printf("\n    round %u: rc %d %d, entries %p %p, live %p",
			       r, rc0, rc1, (void *)args[0].got[r],
			       (void *)args[1].got[r], (void *)live[r]);
	}
	ps_ct_stats(ct, &st);
	printf("\n    %u rounds at the last room: %u wrong (%u -ENOSPC), %"
	       PRIu64 " met a creation in progress ", LAST_ROUNDS, bad,
	       enospc, st.contended);
	CU_ASSERT_EQUAL(bad, 0);
	ps_ct_walk(ct, count_cb, &walked);
	CU_ASSERT_EQUAL(walked, LAST_SIZE);
	CU_ASSERT_EQUAL(st.entries, LAST_SIZE);
	CU_ASSERT_EQUAL(st.created, LAST_SIZE + LAST_ROUNDS);
	CU_ASSERT_EQUAL(st.races_lost, LAST_ROUNDS);
	CU_ASSERT_EQUAL(st.full, 2);
	free(live);
	free(args);
	ps_ct_free(ct);
}

/* --- TCP state machine ------------------------------------------------- */

#define O PS_CT_DIR_ORIG
#define R PS_CT_DIR_REPLY
#define V PS_CT_VALID
#define X PS_CT_INVALID

/* Client ISN 1000, server ISN 5000; a step's expected state afterwards. */
struct step {
	uint8_t dir;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint32_t len;
	uint8_t verdict;
	uint8_t state;
};

struct scenario {
	const char *name;
	struct step steps[12];
};

#define HANDSHAKE \
	{ R, SYN | ACK, 5000, 1001, 0, V, PS_CT_TCP_SYN_RECV }, \
	{ O, ACK, 1001, 5001, 0, V, PS_CT_TCP_ESTABLISHED }

static const struct scenario scenarios[] = {
	{ "client closes first", {
		HANDSHAKE,
		{ O, ACK | PSH, 1001, 5001, 100, V, PS_CT_TCP_ESTABLISHED },
		{ R, ACK | PSH, 5001, 1101, 300, V, PS_CT_TCP_ESTABLISHED },
		{ O, FIN | ACK, 1101, 5301, 0, V, PS_CT_TCP_FIN_WAIT },
		{ R, ACK, 5301, 1102, 0, V, PS_CT_TCP_CLOSE_WAIT },
		{ R, ACK | PSH, 5301, 1102, 10, V, PS_CT_TCP_CLOSE_WAIT },
		{ R, FIN | ACK, 5311, 1102, 0, V, PS_CT_TCP_LAST_ACK },
		{ O, ACK, 1102, 5312, 0, V, PS_CT_TCP_TIME_WAIT },
		{ O, ACK, 1102, 5312, 0, V, PS_CT_TCP_TIME_WAIT },
	} },
	{ "server closes first", {
		HANDSHAKE,
		{ R, FIN | ACK, 5001, 1001, 0, V, PS_CT_TCP_FIN_WAIT },
		{ R, FIN | ACK, 5001, 1001, 0, V, PS_CT_TCP_FIN_WAIT },
		{ O, ACK, 1001, 5002, 0, V, PS_CT_TCP_CLOSE_WAIT },
		{ O, FIN | ACK, 1001, 5002, 0, V, PS_CT_TCP_LAST_ACK },
		{ R, ACK, 5002, 1002, 0, V, PS_CT_TCP_TIME_WAIT },
	} },
	{ "simultaneous close", {
		HANDSHAKE,
		{ O, FIN | ACK, 1001, 5001, 0, V, PS_CT_TCP_FIN_WAIT },
		{ R, FIN | ACK, 5001, 1001, 0, V, PS_CT_TCP_LAST_ACK },
		{ R, ACK, 5002, 1002, 0, V, PS_CT_TCP_LAST_ACK },
		{ O, ACK, 1002, 5002, 0, V, PS_CT_TCP_TIME_WAIT },
	} },
	{ "FIN with the handshake ACK", {
		{ R, SYN | ACK, 5000, 1001, 0, V, PS_CT_TCP_SYN_RECV },
		{ O, FIN | ACK | PSH, 1001, 5001, 20, V, PS_CT_TCP_FIN_WAIT },
	} },
	{ "reset when established, reopen", {
		HANDSHAKE,
		{ R, RST | ACK, 5001, 1001, 0, V, PS_CT_TCP_CLOSE },
		{ O, ACK, 1001, 5001, 0, X, PS_CT_TCP_CLOSE },
		{ R, RST, 5001, 0, 0, V, PS_CT_TCP_CLOSE },
		{ O, SYN, 90000, 0, 0, V, PS_CT_TCP_SYN_SENT },
		{ R, SYN | ACK, 7000, 90001, 0, V, PS_CT_TCP_SYN_RECV },
		{ O, ACK, 90001, 7001, 0, V, PS_CT_TCP_ESTABLISHED },
	} },
	{ "refused: RST answers the SYN", {
		{ R, RST | ACK, 0, 1001, 0, V, PS_CT_TCP_CLOSE },
	} },
	{ "RST answering the SYN must ack it", {
		{ R, RST | ACK, 0, 1234, 0, X, PS_CT_TCP_SYN_SENT },
		{ R, RST, 0, 0, 0, X, PS_CT_TCP_SYN_SENT },
	} },
	{ "client gives up during handshake", {
		{ O, RST, 1001, 0, 0, V, PS_CT_TCP_CLOSE },
	} },
	{ "retransmissions in the handshake", {
		{ O, SYN, 1000, 0, 0, V, PS_CT_TCP_SYN_SENT },
		{ R, SYN | ACK, 5000, 1001, 0, V, PS_CT_TCP_SYN_RECV },
		{ R, SYN | ACK, 5000, 1001, 0, V, PS_CT_TCP_SYN_RECV },
		{ O, SYN, 1000, 0, 0, V, PS_CT_TCP_SYN_RECV },
		{ O, ACK, 1001, 5001, 0, V, PS_CT_TCP_ESTABLISHED },
		{ R, SYN | ACK, 5000, 1001, 0, V, PS_CT_TCP_ESTABLISHED },
	} },
	{ "SYN retried with a new ISN", {
		{ O, SYN, 3000, 0, 0, V, PS_CT_TCP_SYN_SENT },
		{ R, SYN | ACK, 5000, 1001, 0, X, PS_CT_TCP_SYN_SENT },
		{ R, SYN | ACK, 5000, 3001, 0, V, PS_CT_TCP_SYN_RECV },
	} },
	{ "server data before the handshake ACK", {
		{ R, SYN | ACK, 5000, 1001, 0, V, PS_CT_TCP_SYN_RECV },
		{ R, ACK | PSH, 5001, 1001, 10, V, PS_CT_TCP_SYN_RECV },
		{ O, ACK, 1001, 5011, 0, V, PS_CT_TCP_ESTABLISHED },
	} },
	{ "out of state", {
		{ O, ACK, 1001, 5001, 0, X, PS_CT_TCP_SYN_SENT },
		{ R, ACK, 5001, 1001, 0, X, PS_CT_TCP_SYN_SENT },
		{ R, SYN, 5000, 0, 0, X, PS_CT_TCP_SYN_SENT },
		{ O, FIN | ACK, 1001, 5001, 0, X, PS_CT_TCP_SYN_SENT },
		HANDSHAKE,
		{ O, SYN, 1000, 0, 0, X, PS_CT_TCP_ESTABLISHED },
		{ O, SYN, 77777, 0, 0, X, PS_CT_TCP_ESTABLISHED },
		{ O, SYN | ACK, 1000, 5001, 0, X, PS_CT_TCP_ESTABLISHED },
		{ O, SYN | FIN, 1001, 0, 0, X, PS_CT_TCP_ESTABLISHED },
		{ O, FIN, 1001, 0, 0, X, PS_CT_TCP_ESTABLISHED },
		{ O, PSH, 1001, 0, 10, X, PS_CT_TCP_ESTABLISHED },
	} },
	{ "out of window", {
		HANDSHAKE,
		/* far beyond what the server allowed */
		{ O, ACK | PSH, 1001 + 5000000, 5001, 100, X,
		  PS_CT_TCP_ESTABLISHED },
		/* far in the past */
		{ O, ACK | PSH, 1001 - 5000000, 5001, 100, X,
		  PS_CT_TCP_ESTABLISHED },
		/* acknowledges data the server never sent */
		{ O, ACK, 1001, 5001 + 100000, 0, X, PS_CT_TCP_ESTABLISHED },
		/* an RST far outside the window does not close */
		{ R, RST, 5001 + 50000000, 0, 0, X, PS_CT_TCP_ESTABLISHED },
		/* a FIN out of window does not start the close */
		{ R, FIN | ACK, 5001 + 50000000, 1001, 0, X,
		  PS_CT_TCP_ESTABLISHED },
		/* in-window data and a retransmission are fine */
		{ O, ACK | PSH, 1001, 5001, 1000, V, PS_CT_TCP_ESTABLISHED },
		{ O, ACK | PSH, 1001, 5001, 1000, V, PS_CT_TCP_ESTABLISHED },
		{ R, ACK, 5001, 2001, 0, V, PS_CT_TCP_ESTABLISHED },
		/* the server allowed 2001 + 65535 (+ 16384 of slack) */
		{ O, ACK | PSH, 2001 + 65535 + 16384 + 1, 5001, 10, X,
		  PS_CT_TCP_ESTABLISHED },
		{ O, ACK | PSH, 2001 + 65535 + 16384, 5001, 10, V,
		  PS_CT_TCP_ESTABLISHED },
	} },
	{ "TIME_WAIT reopened by a new SYN", {
		HANDSHAKE,
		{ O, FIN | ACK, 1001, 5001, 0, V, PS_CT_TCP_FIN_WAIT },
		{ R, FIN | ACK, 5001, 1002, 0, V, PS_CT_TCP_LAST_ACK },
		{ O, ACK, 1002, 5002, 0, V, PS_CT_TCP_TIME_WAIT },
		{ R, ACK, 5002, 1002, 0, V, PS_CT_TCP_TIME_WAIT },
		{ O, SYN, 200000, 0, 0, V, PS_CT_TCP_SYN_SENT },
		{ R, SYN | ACK, 9000, 200001, 0, V, PS_CT_TCP_SYN_RECV },
	} },
};

static uint32_t
state_timeout(enum ps_ct_state s)
{
	const struct ps_ct_timeouts t = PS_CT_TIMEOUTS_DEFAULT;

	switch (s) {
	case PS_CT_TCP_SYN_SENT: return t.tcp_syn_sent;
	case PS_CT_TCP_SYN_RECV: return t.tcp_syn_recv;
	case PS_CT_TCP_ESTABLISHED: return t.tcp_established;
	case PS_CT_TCP_FIN_WAIT: return t.tcp_fin_wait;
	case PS_CT_TCP_CLOSE_WAIT: return t.tcp_close_wait;
	case PS_CT_TCP_LAST_ACK: return t.tcp_last_ack;
	case PS_CT_TCP_TIME_WAIT: return t.tcp_time_wait;
	case PS_CT_TCP_CLOSE: return t.tcp_close;
	case PS_CT_UDP_SINGLE: return t.udp_single;
	case PS_CT_UDP_STREAM: return t.udp_stream;
	case PS_CT_ICMP: return t.icmp;
	default: return 0;
	}
}

static void
test_tcp_scenarios(void)
{
	struct ps_ct *ct = ct_new("tcp", 64, NULL);
	unsigned int s, i;

	if (ct == NULL)
		return;
	for (s = 0; s < RTE_DIM(scenarios); s++) {
		const struct scenario *sc = &scenarios[s];
		struct ps_ct_pkt syn = tcp_pkt(SYN, 1000, 0, 0);
		struct ps_ct_tuple o, r;
		struct ps_ct_nat nat;
		struct ps_ct_entry *e;
		uint8_t dir;

		conn_tuples(s, IPPROTO_TCP, &o, &r, &nat);
		ps_ct_set_now(ct, 100 * s);
		if (ps_ct_add(ct, &o, &r, &nat, &syn, &e, &dir) !=
		    PS_CT_CREATED) {
			CU_FAIL("scenario connection not created");
			continue;
		}
		CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 120);
		for (i = 0; i < RTE_DIM(sc->steps) && sc->steps[i].flags; i++) {
			const struct step *st = &sc->steps[i];
			struct ps_ct_pkt p = tcp_pkt(st->flags, st->seq,
						     st->ack, st->len);
			enum ps_ct_verdict v;

			ps_ct_set_now(ct, 100 * s + i + 1);
			v = ps_ct_update(ct, e, st->dir, &p);
			if (v != st->verdict || e->state != st->state) {
				printf("\n    %s, step %u: verdict %d state %s, "
				       "want %d %s", sc->name, i, v,
				       ps_ct_state_name(e->state), st->verdict,
				       ps_ct_state_name(st->state));
				CU_FAIL("TCP transition");
			}
			/* a valid packet refreshes, an invalid one not */
			CU_ASSERT_EQUAL(e->last_seen, v == V ? 100 * s + i + 1 :
					e->last_seen);
			if (v == V)
				CU_ASSERT_EQUAL(ps_ct_ttl(ct, e),
						state_timeout(e->state));
		}
	}
	ps_ct_free(ct);
}

/* The flags: handshake completion makes the connection assured. */
static void
test_tcp_assured_and_counters(void)
{
	struct ps_ct *ct = ct_new("tcpa", 8, NULL);
	struct ps_ct_pkt p = tcp_pkt(SYN, 1000, 0, 0);
	struct ps_ct_entry *e;
	uint8_t dir;

	if (ct == NULL)
		return;
	CU_ASSERT_EQUAL(add_conn(ct, 0, IPPROTO_TCP, &e), PS_CT_CREATED);
	/* the SYN that created the entry is its first packet */
	CU_ASSERT_EQUAL(e->packets[O], 1);
	CU_ASSERT_EQUAL(e->bytes[O], 54);
	CU_ASSERT_EQUAL(e->packets[R], 0);
	CU_ASSERT_EQUAL(e->bytes[R], 0);
	/* a retransmitted SYN */
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), V);
	CU_ASSERT_FALSE(e->flags & PS_CT_F_ASSURED);
	p = tcp_pkt(SYN | ACK, 5000, 1001, 0);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), V);
	CU_ASSERT_FALSE(e->flags & PS_CT_F_ASSURED);
	p = tcp_pkt(ACK, 1001, 5001, 0);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), V);
	CU_ASSERT(e->flags & PS_CT_F_ASSURED);
	CU_ASSERT_EQUAL(e->packets[O], 3);
	CU_ASSERT_EQUAL(e->packets[R], 1);
	CU_ASSERT_EQUAL(e->bytes[O], 162);
	CU_ASSERT_EQUAL(e->bytes[R], 54);
	/* invalid packets are not counted in the entry */
	p = tcp_pkt(ACK, 1001 + 9000000, 5001, 0);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), X);
	CU_ASSERT_EQUAL(e->packets[O], 3);
	CU_ASSERT_PTR_EQUAL(find_conn(ct, 0, IPPROTO_TCP, 1, &dir), e);
	ps_ct_free(ct);
}

/*
 * Window scaling: a server advertising 1000 << 7 lets the client send
 * 128000 bytes past the ack; without the scale, 1000 bytes (+ slack).
 */
static void
wscale_case(uint8_t cs, uint8_t ss, bool far_ok)
{
	struct ps_ct *ct = ct_new("wsc", 8, NULL);
	struct ps_ct_pkt p = tcp_pkt(SYN, 1000, 0, 0);
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;
	struct ps_ct_entry *e;
	uint8_t dir;

	if (ct == NULL)
		return;
	conn_tuples(0, IPPROTO_TCP, &o, &r, &nat);
	p.wscale = cs;
	CU_ASSERT_EQUAL_FATAL(ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir),
			      PS_CT_CREATED);
	p = tcp_pkt(SYN | ACK, 5000, 1001, 0);
	p.wscale = ss;
	p.win = 1000;
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), V);
	p = tcp_pkt(ACK, 1001, 5001, 0);
	p.win = 1000;
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), V);
	p = tcp_pkt(ACK, 5001, 1001, 0);
	p.win = 1000;
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), V);
	/* 120000 bytes ahead of the server's ack */
	p = tcp_pkt(ACK | PSH, 1001 + 120000, 5001, 1000);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), far_ok ? V : X);
	ps_ct_free(ct);
}

static void
test_tcp_window_scale(void)
{
	wscale_case(PS_CT_WSCALE(7), PS_CT_WSCALE(7), true);
	/* shifts over 14 count as 14 */
	wscale_case(PS_CT_WSCALE(30), PS_CT_WSCALE(30), true);
	/* options not parsed, on either side: assume the largest */
	wscale_case(PS_CT_WSCALE_UNKNOWN, PS_CT_WSCALE_UNKNOWN, true);
	wscale_case(PS_CT_WSCALE(2), PS_CT_WSCALE_UNKNOWN, true);
	/* one side without the option: no scaling at all (RFC 7323) */
	wscale_case(PS_CT_WSCALE(7), PS_CT_WSCALE_NONE, false);
	wscale_case(PS_CT_WSCALE_NONE, PS_CT_WSCALE_NONE, false);
	/* shift 0 on both: no scaling either */
	wscale_case(PS_CT_WSCALE(0), PS_CT_WSCALE(0), false);
}

/* Data on the SYN: the server acknowledges all of it, or the SYN alone. */
static void
test_tcp_fast_open(void)
{
	static const struct {
		uint32_t ack;
		enum ps_ct_verdict v;
	} acks[] = {
		{ 1101, V }, { 1001, V }, { 1050, V },
		{ 1102, X }, { 1000, X }, { 900, X },
	};
	struct ps_ct *ct = ct_new("tfo", 8, NULL);
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;
	struct ps_ct_entry *e;
	struct ps_ct_pkt p;
	unsigned int i;
	uint8_t dir;

	if (ct == NULL)
		return;
	conn_tuples(0, IPPROTO_TCP, &o, &r, &nat);
	for (i = 0; i < RTE_DIM(acks); i++) {
		p = tcp_pkt(SYN, 1000, 0, 100);
		CU_ASSERT_EQUAL_FATAL(ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir),
				      PS_CT_CREATED);
		p = tcp_pkt(SYN | ACK, 5000, acks[i].ack, 0);
		CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), acks[i].v);
		CU_ASSERT_EQUAL(e->state, acks[i].v == V ?
				PS_CT_TCP_SYN_RECV : PS_CT_TCP_SYN_SENT);
		CU_ASSERT_EQUAL(ps_ct_del(ct, e), 0);
	}
	ps_ct_free(ct);
}

static void
test_invalid_new(void)
{
	static const uint8_t bad[] = { ACK, SYN | ACK, RST, RST | ACK,
		FIN | ACK, SYN | FIN, SYN | RST, 0, PSH };
	struct ps_ct *ct = ct_new("inv", 8, NULL);
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;
	struct ps_ct_entry *e;
	struct ps_ct_stats st;
	struct ps_ct_pkt p;
	unsigned int i;
	uint8_t dir;

	if (ct == NULL)
		return;
	conn_tuples(0, IPPROTO_TCP, &o, &r, &nat);
	for (i = 0; i < RTE_DIM(bad); i++) {
		p = tcp_pkt(bad[i], 1000, 1, 0);
		CU_ASSERT_FALSE(ps_ct_pkt_can_create(IPPROTO_TCP, &p));
		CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir),
				-EINVAL);
		CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &o, &dir));
	}
	p = tcp_pkt(SYN, 1000, 0, 0);
	CU_ASSERT(ps_ct_pkt_can_create(IPPROTO_TCP, &p));
	p.icmp_type = 0;	/* echo reply */
	CU_ASSERT_FALSE(ps_ct_pkt_can_create(IPPROTO_ICMP, &p));
	CU_ASSERT_FALSE(ps_ct_pkt_can_create(47, &p));
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.invalid_new, RTE_DIM(bad));
	CU_ASSERT_EQUAL(st.invalid, RTE_DIM(bad));
	CU_ASSERT_EQUAL(st.entries, 0);
	ps_ct_free(ct);
}

/* --- UDP, ICMP ------------------------------------------------------------ */

static void
test_udp(void)
{
	struct ps_ct *ct = ct_new("udp", 8, NULL);
	struct ps_ct_pkt p = udp_pkt();
	struct ps_ct_entry *e;

	if (ct == NULL)
		return;
	ps_ct_set_now(ct, 10);
	CU_ASSERT_EQUAL(add_conn(ct, 3, IPPROTO_UDP, &e), PS_CT_CREATED);
	CU_ASSERT_EQUAL(e->state, PS_CT_UDP_SINGLE);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 30);
	ps_ct_set_now(ct, 20);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), V);
	CU_ASSERT_EQUAL(e->state, PS_CT_UDP_SINGLE);
	CU_ASSERT_FALSE(e->flags & PS_CT_F_ASSURED);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 30);
	ps_ct_set_now(ct, 25);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 25);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), V);
	CU_ASSERT_EQUAL(e->state, PS_CT_UDP_STREAM);
	CU_ASSERT(e->flags & PS_CT_F_ASSURED);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 120);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), V);
	CU_ASSERT_EQUAL(e->state, PS_CT_UDP_STREAM);
	ps_ct_set_now(ct, 25 + 120);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 0);
	ps_ct_free(ct);
}

static void
test_icmp(void)
{
	struct ps_ct *ct = ct_new("icmp", 8, NULL);
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat = { .endpoint_id = 2 };
	struct ps_ct_pkt p = { .icmp_type = 8, .bytes = 98 };
	struct ps_ct_entry *e;
	uint8_t dir;

	if (ct == NULL)
		return;
	ps_ct_tuple_icmp(&o, ps_ip(CLIENT), ps_ip(VIP), rte_cpu_to_be_16(77));
	ps_ct_tuple_icmp(&r, ps_ip(BACKEND), ps_ip(CLIENT),
			 rte_cpu_to_be_16(77));
	CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir),
			PS_CT_CREATED);
	CU_ASSERT_EQUAL(e->state, PS_CT_ICMP);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 30);
	/* the echo reply, as the backend sends it */
	ps_ct_tuple_icmp(&o, ps_ip(BACKEND), ps_ip(CLIENT),
			 rte_cpu_to_be_16(77));
	CU_ASSERT_PTR_EQUAL(ps_ct_lookup(ct, &o, &dir), e);
	CU_ASSERT_EQUAL(dir, R);
	p.icmp_type = 0;
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), V);
	CU_ASSERT(e->flags & PS_CT_F_ASSURED);
	/* a request coming back the reply way, a reply the original way */
	p.icmp_type = 8;
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), X);
	p.icmp_type = 0;
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, O, &p), X);
	/* another identifier is another flow */
	ps_ct_tuple_icmp(&o, ps_ip(CLIENT), ps_ip(VIP), rte_cpu_to_be_16(78));
	CU_ASSERT_PTR_NULL(ps_ct_lookup(ct, &o, &dir));
	ps_ct_free(ct);
}

/* Configured timeouts replace the defaults; zero keeps the default. */
static void
test_custom_timeouts(void)
{
	struct ps_ct_params prm = { .name = "to", .size = 8,
				    .socket = SOCKET_ID_ANY };
	struct ps_ct_pkt p = udp_pkt();
	struct ps_ct_entry *e;
	struct ps_ct *ct;

	prm.timeouts.udp_single = 5;
	prm.timeouts.tcp_syn_sent = 7;
	ct = ps_ct_create(&prm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL(add_conn(ct, 0, IPPROTO_UDP, &e), PS_CT_CREATED);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 5);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, R, &p), V);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 120);
	CU_ASSERT_EQUAL(add_conn(ct, 1, IPPROTO_TCP, &e), PS_CT_CREATED);
	CU_ASSERT_EQUAL(ps_ct_ttl(ct, e), 7);
	ps_ct_free(ct);
}

/* --- full table ----------------------------------------------------------- */

static void
full_case(uint32_t size)
{
	struct ps_ct *ct = ct_new("full", size, NULL);
	struct ps_ct_entry *e, *first = NULL;
	struct ps_ct_stats st;
	unsigned int refused = 0;
	uint32_t i;
	uint8_t dir;

	if (ct == NULL)
		return;
	for (i = 0; i < size; i++)
		if (add_conn(ct, i, IPPROTO_TCP, i == 0 ? &first : NULL) !=
		    PS_CT_CREATED)
			refused++;
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(add_conn(ct, size, IPPROTO_TCP, NULL), -ENOSPC);
	CU_ASSERT_EQUAL(add_conn(ct, size + 1, IPPROTO_UDP, NULL), -ENOSPC);
	/* established ones untouched, and an existing one is still found by
	 * add (no entry needed) */
	for (i = 0; i < size; i++)
		if (find_conn(ct, i, IPPROTO_TCP, i & 1, &dir) == NULL)
			refused++;
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(add_conn(ct, 0, IPPROTO_TCP, &e), PS_CT_EXISTS);
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, size);
	CU_ASSERT_EQUAL(st.full, 2);
	CU_ASSERT_EQUAL(st.index_full, 0);
	/* room for exactly one after one delete */
	CU_ASSERT_EQUAL(ps_ct_del(ct, first), 0);
	CU_ASSERT_EQUAL(add_conn(ct, size, IPPROTO_TCP, NULL), PS_CT_CREATED);
	CU_ASSERT_EQUAL(add_conn(ct, size + 1, IPPROTO_TCP, NULL), -ENOSPC);
	ps_ct_free(ct);
}

/*
 * A large table of look-alike tuples (consecutive clients and ports, like
 * a load test) takes exactly its size: the index hash must spread them.
 * (Two CRCs with different seeds as the two bucket choices differ by a
 * constant, paired the buckets and refused inserts from ~57% full.)
 */
static void
test_full_large(void)
{
	const uint32_t size = 1u << 19;
	struct ps_ct *ct = ct_new("large", size, NULL);
	struct ps_ct_stats st;
	unsigned int refused = 0;
	uint32_t i;

	if (ct == NULL)
		return;
	for (i = 0; i <= size; i++) {
		/* client i >> 8 to VIP i & 255, backend per VIP */
		uint32_t client = rte_cpu_to_be_32(0x0af40000u + (i >> 8));
		uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 +
							     (i * 7) % 60000));
		struct ps_ct_nat nat = { .endpoint_id = PS_CT_NO_ENDPOINT };
		struct ps_ct_pkt p = udp_pkt();
		struct ps_ct_tuple o, r;
		struct ps_ct_entry *e;
		uint8_t dir;
		int rc;

		ps_ct_tuple_set(&o, IPPROTO_UDP, client,
				rte_cpu_to_be_32(0x0a600000u + (i & 0xff)),
				sport, rte_cpu_to_be_16(53));
		ps_ct_tuple_set(&r, IPPROTO_UDP,
				rte_cpu_to_be_32(0x0af50000u + (i & 0xff)),
				client, rte_cpu_to_be_16(53), sport);
		rc = ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir);
		if (i < size && rc != PS_CT_CREATED)
			refused++;
		if (i == size)
			CU_ASSERT_EQUAL(rc, -ENOSPC);
	}
	CU_ASSERT_EQUAL(refused, 0);
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, size);
	CU_ASSERT_EQUAL(st.index_full, 0);
	CU_ASSERT_EQUAL(st.full, 1);
	ps_ct_free(ct);
}

static void
test_full(void)
{
	full_case(1);
	full_case(100);
	full_case(4097);
	full_case(65536);
}

/* With RCU, a deleted entry's room comes back after a grace period. */
static void
test_full_rcu(void)
{
	struct rte_rcu_qsbr *qsv;
	struct ps_ct_stats st;
	struct ps_ct *ct;
	unsigned int i;

	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 1), 0);
	rte_rcu_qsbr_thread_register(qsv, 0);
	rte_rcu_qsbr_thread_online(qsv, 0);
	ct = ct_new("fullrcu", 50, qsv);
	if (ct == NULL)
		goto out;
	for (i = 0; i < 50; i++)
		CU_ASSERT_EQUAL(add_conn(ct, i, IPPROTO_UDP, NULL),
				PS_CT_CREATED);
	CU_ASSERT_EQUAL(ps_ct_flush(ct), 50);
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.pending_free, 50);
	/* gone for lookups, but the reader may still hold them */
	CU_ASSERT_PTR_NULL(find_conn(ct, 0, IPPROTO_UDP, 0, &(uint8_t){ 0 }));
	CU_ASSERT_EQUAL(add_conn(ct, 100, IPPROTO_UDP, NULL), -ENOSPC);
	CU_ASSERT_EQUAL(ps_ct_reclaim(ct), 0);
	rte_rcu_qsbr_quiescent(qsv, 0);
	CU_ASSERT_EQUAL(ps_ct_reclaim(ct), 50);
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.pending_free, 0);
	for (i = 0; i < 50; i++)
		CU_ASSERT_EQUAL(add_conn(ct, 100 + i, IPPROTO_UDP, NULL),
				PS_CT_CREATED);
	CU_ASSERT_EQUAL(add_conn(ct, 200, IPPROTO_UDP, NULL), -ENOSPC);
	ps_ct_free(ct);
out:
	rte_rcu_qsbr_thread_offline(qsv, 0);
	rte_rcu_qsbr_thread_unregister(qsv, 0);
	rte_free(qsv);
}

/* --- expiry ---------------------------------------------------------------- */

static void
test_expire_slices(void)
{
	const uint32_t size = 1000, nconn = 600, budget = 100;
	struct ps_ct *ct = ct_new("exp", size, NULL);
	struct ps_ct_pkt p = udp_pkt();
	struct ps_ct_stats st;
	unsigned int total = 0, calls = 0, n, i;
	uint8_t dir;

	if (ct == NULL)
		return;
	ps_ct_set_now(ct, 1000);
	for (i = 0; i < nconn; i++)
		CU_ASSERT_EQUAL(add_conn(ct, i, IPPROTO_UDP, NULL),
				PS_CT_CREATED);
	/* every third one answered at 1020: stream, 120 s from then */
	ps_ct_set_now(ct, 1020);
	for (i = 0; i < nconn; i += 3)
		ps_ct_update(ct, find_conn(ct, i, IPPROTO_UDP, 1, &dir), R, &p);
	/* nothing expires before its time */
	ps_ct_set_now(ct, 1029);
	for (i = 0; i < 100; i++)
		total += ps_ct_expire(ct, budget);
	CU_ASSERT_EQUAL(total, 0);
	/* singles expire at 1030, in slices of at most budget */
	ps_ct_set_now(ct, 1030);
	do {
		n = ps_ct_expire(ct, budget);
		CU_ASSERT(n <= budget);
		total += n;
		calls++;
	} while (total < nconn - nconn / 3 && calls < 1000);
	CU_ASSERT_EQUAL(total, nconn - nconn / 3);
	/* a slice is bounded: a pass needs several calls */
	CU_ASSERT(calls >= nconn / budget);
	for (i = 0; i < nconn; i++) {
		bool live = find_conn(ct, i, IPPROTO_UDP, 0, &dir) != NULL;

		CU_ASSERT_EQUAL(live, i % 3 == 0);
	}
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.expired, total);
	CU_ASSERT_EQUAL(st.entries, nconn / 3);
	/* streams go at 1020 + 120 */
	ps_ct_set_now(ct, 1139);
	for (i = 0; i < calls; i++)
		CU_ASSERT_EQUAL(ps_ct_expire(ct, budget), 0);
	ps_ct_set_now(ct, 1140);
	for (i = 0, n = 0; i < 1000 && n < nconn / 3; i++)
		n += ps_ct_expire(ct, budget);
	CU_ASSERT_EQUAL(n, nconn / 3);
	ps_ct_stats(ct, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	ps_ct_free(ct);
}

/* --- delete by predicate, walk ------------------------------------------- */

static bool
ep_pred(const struct ps_ct_entry *e, void *arg)
{
	return e->nat.endpoint_id == *(uint32_t *)arg;
}

static bool
udp_pred(const struct ps_ct_entry *e, void *arg)
{
	(void)arg;
	return e->proto == IPPROTO_UDP;
}

struct walk_arg {
	unsigned int seen;
	unsigned int limit;
};

static int
walk_limit_cb(const struct ps_ct_entry *e, void *arg)
{
	struct walk_arg *w = arg;

	(void)e;
	return ++w->seen >= w->limit ? 1 : 0;
}

static void
test_delete_if_walk(void)
{
	struct ps_ct *ct = ct_new("pred", 256, NULL);
	struct walk_arg w = { 0, 0 };
	uint32_t ep = 2, i;
	uint8_t dir;

	if (ct == NULL)
		return;
	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(add_conn(ct, i, IPPROTO_TCP, NULL),
				PS_CT_CREATED);
	for (i = 100; i < 140; i++)
		CU_ASSERT_EQUAL(add_conn(ct, i, IPPROTO_UDP, NULL),
				PS_CT_CREATED);
	/* an endpoint goes away: its connections end */
	CU_ASSERT_EQUAL(ps_ct_delete_if(ct, ep_pred, &ep), 35);
	for (i = 0; i < 140; i++)
		CU_ASSERT_EQUAL(find_conn(ct, i, i < 100 ? IPPROTO_TCP :
					  IPPROTO_UDP, 1, &dir) != NULL,
				i % 4 != 2);
	/* stale UDP of the service */
	CU_ASSERT_EQUAL(ps_ct_delete_if(ct, udp_pred, NULL), 30);
	CU_ASSERT_EQUAL(ps_ct_delete_if(ct, udp_pred, NULL), 0);

	CU_ASSERT_EQUAL(ps_ct_walk(ct, count_cb, &w.seen), 0);
	CU_ASSERT_EQUAL(w.seen, 75);
	w.seen = 0;
	w.limit = 10;
	CU_ASSERT_EQUAL(ps_ct_walk(ct, walk_limit_cb, &w), 1);
	CU_ASSERT_EQUAL(w.seen, 10);
	CU_ASSERT_EQUAL(ps_ct_flush(ct), 75);
	w.seen = 0;
	CU_ASSERT_EQUAL(ps_ct_walk(ct, count_cb, &w.seen), 0);
	CU_ASSERT_EQUAL(w.seen, 0);
	ps_ct_free(ct);
}

/* --- release hook ----------------------------------------------------------- */

struct release_arg {
	struct ps_ct *ct;
	unsigned int calls;
	unsigned int still_found;	/* keys still in the index at the call */
	uint32_t ep_sum;
};

static void
release_cb(const struct ps_ct_entry *e, void *arg)
{
	struct release_arg *r = arg;
	uint8_t dir;

	r->calls++;
	r->ep_sum += e->nat.endpoint_id;
	if (ps_ct_lookup(r->ct, &e->tuple[0], &dir) != NULL ||
	    ps_ct_lookup(r->ct, &e->tuple[1], &dir) != NULL)
		r->still_found++;
}

/* Every way an entry is deleted calls the owner's release once, after
 * both keys left the index (a NAT port may be reused at once). */
static void
test_release_hook(void)
{
	struct release_arg r = { 0 };
	struct ps_ct_params p = {
		.name = "rel", .size = 64, .socket = SOCKET_ID_ANY,
		.release = release_cb, .release_arg = &r,
	};
	struct ps_ct_entry *e;
	uint32_t i;

	r.ct = ps_ct_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.ct);
	ps_ct_set_now(r.ct, 100);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(add_conn(r.ct, i, i < 5 ? IPPROTO_TCP :
					 IPPROTO_UDP, NULL), PS_CT_CREATED);
	/* ps_ct_del: connection 3 (endpoint 3) */
	e = find_conn(r.ct, 3, IPPROTO_TCP, 0, &(uint8_t){ 0 });
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(ps_ct_del(r.ct, e), 0);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(r.ep_sum, 3);
	/* deleting it again releases nothing */
	CU_ASSERT_EQUAL(ps_ct_del(r.ct, e), -ENOENT);
	CU_ASSERT_EQUAL(r.calls, 1);
	/* expiry: the UDP ones (30 s unreplied) go, SYN_SENT (120 s) stay */
	ps_ct_set_now(r.ct, 100 + 31);
	CU_ASSERT_EQUAL(ps_ct_expire(r.ct, 1u << 20), 5);
	CU_ASSERT_EQUAL(r.calls, 6);
	/* flush: the 4 TCP left */
	CU_ASSERT_EQUAL(ps_ct_flush(r.ct), 4);
	CU_ASSERT_EQUAL(r.calls, 10);
	CU_ASSERT_EQUAL(r.ep_sum, 0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1);
	CU_ASSERT_EQUAL(r.still_found, 0);
	ps_ct_free(r.ct);
}

/* --- flush under concurrent workers -------------------------------------- */

#define FLUSH_FLOWS 512
/* Operations between two quiescent states: more allocations than the
 * free ring holds, so memory reused before the grace period would be
 * reused within a round. */
#define FLUSH_ROUND 16384

struct flush_arg {
	struct ps_ct *ct;
	struct rte_rcu_qsbr *qsv;
	unsigned int qid;
	volatile bool stop;
	uint64_t lookups;
	uint64_t hits;
	uint64_t created;
	unsigned int bad;
	struct {
		struct ps_ct_entry *e;
		uint32_t n;
	} held[FLUSH_ROUND];
};

/*
 * A worker: looks up and creates flows, keeps every entry it got for a
 * round, checks they still hold their tuples, then reports quiescence. An
 * entry reused before the grace period shows as another flow's tuples.
 */
static void *
flush_worker(void *p)
{
	struct flush_arg *a = p;
	uint32_t n = a->qid * 7;

	unpin(a->qid);
	if (rte_thread_register() != 0) {
		a->bad++;
		return NULL;
	}
	rte_rcu_qsbr_thread_register(a->qsv, a->qid);
	rte_rcu_qsbr_thread_online(a->qsv, a->qid);
	while (!a->stop) {
		unsigned int i, nheld = 0;

		for (i = 0; i < FLUSH_ROUND; i++, n++) {
			struct ps_ct_tuple o, r;
			struct ps_ct_nat nat;
			struct ps_ct_pkt pkt = udp_pkt();
			struct ps_ct_entry *e;
			uint8_t dir;
			uint32_t f = n % FLUSH_FLOWS;

			conn_tuples(f, IPPROTO_UDP, &o, &r, &nat);
			e = ps_ct_lookup(a->ct, (n & 1) ? &o : &r, &dir);
			a->lookups++;
			if (e == NULL) {
				if (ps_ct_add(a->ct, &o, &r, &nat, &pkt, &e,
					      &dir) == PS_CT_CREATED)
					a->created++;
				else if (e == NULL)
					continue;
			} else {
				a->hits++;
			}
			ps_ct_update(a->ct, e, dir, &pkt);
			a->held[nheld].e = e;
			a->held[nheld++].n = f;
		}
		for (i = 0; i < nheld; i++) {
			struct ps_ct_tuple o, r;
			struct ps_ct_nat nat;
			struct ps_ct_entry *e = a->held[i].e;

			conn_tuples(a->held[i].n, IPPROTO_UDP, &o, &r, &nat);
			if (memcmp(&e->tuple[0], &o, sizeof(o)) != 0 ||
			    memcmp(&e->tuple[1], &r, sizeof(r)) != 0)
				a->bad++;
		}
		rte_rcu_qsbr_quiescent(a->qsv, a->qid);
	}
	rte_rcu_qsbr_thread_offline(a->qsv, a->qid);
	rte_rcu_qsbr_thread_unregister(a->qsv, a->qid);
	rte_thread_unregister();
	return NULL;
}

static void
test_flush_concurrent(void)
{
	static struct flush_arg args[2];
	struct rte_rcu_qsbr *qsv;
	struct ps_ct_stats st;
	struct ps_ct *ct;
	pthread_t th[2];
	unsigned int i, rounds, flushed = 0;

	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(2),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 2), 0);
	/* room for every flow, and a flush's worth waiting for reclaim */
	ct = ct_new("flush", 4 * FLUSH_FLOWS, qsv);
	if (ct == NULL) {
		rte_free(qsv);
		return;
	}
	for (i = 0; i < 2; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].ct = ct;
		args[i].qsv = qsv;
		args[i].qid = i;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, flush_worker,
						     &args[i]), 0);
	}
	/* Flush as often as possible, so that a round of a worker sees
	 * thousands of creations, for at least 20000 flushes and until both
	 * workers really ran (the CPUs are shared). */
	for (rounds = 0; rounds < 20000 || ((args[0].hits == 0 ||
	     args[1].hits == 0) && rounds < 200000); rounds++) {
		flushed += ps_ct_flush(ct);
		/* the management loop: reclaim what the workers released */
		ps_ct_reclaim(ct);
		if (rounds % 64 == 0)
			usleep(100);
	}
	for (i = 0; i < 2; i++) {
		args[i].stop = true;
		pthread_join(th[i], NULL);
	}
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(args[i].bad, 0);
		printf("\n    worker %u: %" PRIu64 " lookups, %" PRIu64
		       " hits, %" PRIu64 " created, %u reused early", i,
		       args[i].lookups, args[i].hits, args[i].created,
		       args[i].bad);
	}
	printf("\n    %u flushed in %u flushes ", flushed, rounds);
	CU_ASSERT(flushed > 0);
	CU_ASSERT(args[0].hits > 0 && args[1].hits > 0);
	ps_ct_flush(ct);
	ps_ct_reclaim(ct);
	ps_ct_stats(ct, &st);
	/* no worker online any more: everything came back */
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.pending_free, 0);
	CU_ASSERT_EQUAL(st.created, args[0].created + args[1].created);
	/* deleted entries count until reclaimed, so a worker that has not
	 * reported quiescence yet can make the table full for a moment */
	printf("\n    %" PRIu64 " refused full ", st.full);
	ps_ct_free(ct);
	rte_free(qsv);
}

/* --- a real TCP trace ------------------------------------------------------ */

struct trace_result {
	unsigned int packets;
	unsigned int invalid;
	unsigned int conns;
	uint8_t final_state[4];
};

/* The window-scale option of a SYN's TCP header, or PS_CT_WSCALE_NONE. */
static uint8_t
syn_wscale(const uint8_t *tcp, unsigned int hlen, unsigned int caplen)
{
	unsigned int i = 20;

	hlen = RTE_MIN(hlen, caplen);
	while (i < hlen) {
		uint8_t kind = tcp[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || tcp[i + 1] < 2)
			break;
		if (kind == 3 && tcp[i + 1] == 3 && i + 2 < hlen)
			return PS_CT_WSCALE(tcp[i + 2]);
		i += tcp[i + 1];
	}
	return PS_CT_WSCALE_NONE;
}

/*
 * Feed every packet of a pcap (Ethernet, IPv4, TCP) through conntrack as
 * a worker would: look up, update or create. wscale_mode: 1 parse the
 * option, 0 pretend it was not parsed, -1 pretend SYNs had none.
 */
static int
run_trace(const char *file, int wscale_mode, struct trace_result *res)
{
	struct ps_ct *ct = ct_new("trace", 64, NULL);
	struct ps_ct_entry *conns[4];
	uint8_t buf[2048];
	FILE *f = fopen(file, "rb");

	memset(res, 0, sizeof(*res));
	if (f == NULL || ct == NULL || fread(buf, 24, 1, f) != 1) {
		if (f != NULL)
			fclose(f);
		ps_ct_free(ct);
		return -1;
	}
	for (;;) {
		uint32_t rec[4], caplen;
		const uint8_t *ip, *tcp;
		struct ps_ct_tuple t, rt;
		struct ps_ct_nat nat = { .endpoint_id = PS_CT_NO_ENDPOINT };
		struct ps_ct_pkt p = { 0 };
		struct ps_ct_entry *e;
		unsigned int ihl, doff, iplen;
		uint32_t sa, da;
		uint16_t sp, dpt;
		uint8_t dir;
		int rc;

		if (fread(rec, sizeof(rec), 1, f) != 1)
			break;
		caplen = rec[2];
		if (caplen > sizeof(buf) || fread(buf, caplen, 1, f) != 1)
			break;
		if (caplen < 14 + 20 + 20 || buf[12] != 0x08 || buf[13] != 0)
			continue;
		ip = buf + 14;
		ihl = (ip[0] & 0xf) * 4u;
		if (ip[9] != IPPROTO_TCP || caplen < 14 + ihl + 20)
			continue;
		tcp = ip + ihl;
		doff = (tcp[12] >> 4) * 4u;
		iplen = (unsigned int)ip[2] << 8 | ip[3];
		p.seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
			(uint32_t)tcp[6] << 8 | tcp[7];
		p.ack = (uint32_t)tcp[8] << 24 | (uint32_t)tcp[9] << 16 |
			(uint32_t)tcp[10] << 8 | tcp[11];
		p.tcp_flags = tcp[13];
		p.win = (uint16_t)(tcp[14] << 8 | tcp[15]);
		p.payload_len = iplen - ihl - doff;
		p.bytes = rec[3];
		if (p.tcp_flags & SYN)
			p.wscale = wscale_mode > 0 ?
				syn_wscale(tcp, doff, caplen - 14 - ihl) :
				wscale_mode < 0 ? PS_CT_WSCALE_NONE :
				PS_CT_WSCALE_UNKNOWN;
		/* the addresses and ports as they are on the wire; buf
		 * gives no alignment for them */
		memcpy(&sa, &ip[12], 4);
		memcpy(&da, &ip[16], 4);
		memcpy(&sp, &tcp[0], 2);
		memcpy(&dpt, &tcp[2], 2);
		ps_ct_tuple_set(&t, IPPROTO_TCP, sa, da, sp, dpt);
		res->packets++;
		e = ps_ct_lookup(ct, &t, &dir);
		if (e != NULL) {
			if (ps_ct_update(ct, e, dir, &p) != PS_CT_VALID)
				res->invalid++;
			continue;
		}
		ps_ct_tuple_reverse(&rt, &t);
		rc = ps_ct_add(ct, &t, &rt, &nat, &p, &e, &dir);
		if (rc == PS_CT_CREATED && res->conns < RTE_DIM(conns))
			conns[res->conns++] = e;
		else if (rc != PS_CT_CREATED)
			res->invalid++;
	}
	fclose(f);
	for (unsigned int i = 0; i < res->conns; i++)
		res->final_state[i] = conns[i]->state;
	ps_ct_free(ct);
	return 0;
}

/*
 * A real Linux conversation (test/data/pcap/make_ct_http.sh): a 1 MB
 * download closed by the client, and an upload the server refuses and
 * resets mid-stream with the client's window at zero.
 */
static void
test_real_tcp_trace(void)
{
	const char *dir = getenv("PS_TEST_DATA");
	struct trace_result r;
	char file[512];

	/* run by hand from the build tree: the source tree's data */
	if (dir != NULL && dir[0] != '\0')
		snprintf(file, sizeof(file), "%s/pcap/ct_http.pcap", dir);
	else
		snprintf(file, sizeof(file), "%s/../test/data/pcap/ct_http.pcap",
			 PS_DRIVERS_DIR_SOURCE);
	CU_ASSERT_EQUAL_FATAL(run_trace(file, 1, &r), 0);
	printf("\n    %u packets, %u connections ", r.packets, r.conns);
	CU_ASSERT_EQUAL(r.packets, 1205);
	CU_ASSERT_EQUAL(r.invalid, 0);
	CU_ASSERT_EQUAL_FATAL(r.conns, 2);
	CU_ASSERT_EQUAL(r.final_state[0], PS_CT_TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(r.final_state[1], PS_CT_TCP_CLOSE);
	/* options not parsed: still nothing dropped */
	CU_ASSERT_EQUAL(run_trace(file, 0, &r), 0);
	CU_ASSERT_EQUAL(r.invalid, 0);
	CU_ASSERT_EQUAL(r.final_state[0], PS_CT_TCP_TIME_WAIT);
	/* the window check is live: without the scale the windows are 1/1024
	 * of the real ones and the bulk data is out of window */
	CU_ASSERT_EQUAL(run_trace(file, -1, &r), 0);
	printf("(%u invalid without window scaling) ", r.invalid);
	CU_ASSERT(r.invalid > 0);
}

static void
test_state_names(void)
{
	CU_ASSERT_STRING_EQUAL(ps_ct_state_name(PS_CT_TCP_ESTABLISHED),
			       "ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(ps_ct_state_name(PS_CT_UDP_SINGLE),
			       "UNREPLIED");
	CU_ASSERT_STRING_EQUAL(ps_ct_state_name(PS_CT_STATE_MAX), "?");
}


/* --- after a restart ------------------------------------------------------- */

/*
 * A mid-stream ACK (a connection whose entry a restart lost): refused
 * unless the caller allows the pickup; then established, and both sides'
 * further segments, within their windows, are valid.
 */
static void
test_loose_pickup(void)
{
	struct ps_ct *ct = ct_new("loose", 8, NULL);
	struct ps_ct_tuple o, r;
	struct ps_ct_nat nat;
	struct ps_ct_entry *e;
	struct ps_ct_pkt p;
	uint8_t dir;

	if (ct == NULL)
		return;
	conn_tuples(0, IPPROTO_TCP, &o, &r, &nat);
	p = tcp_pkt(ACK | PSH, 500000, 900000, 64);
	CU_ASSERT_EQUAL(ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir), -EINVAL);
	p.loose = 1;
	CU_ASSERT(ps_ct_pkt_can_create(IPPROTO_TCP, &p));
	CU_ASSERT_EQUAL_FATAL(ps_ct_add(ct, &o, &r, &nat, &p, &e, &dir),
			      PS_CT_CREATED);
	CU_ASSERT_EQUAL(e->state, PS_CT_TCP_ESTABLISHED);
	CU_ASSERT(e->flags & PS_CT_F_ASSURED);
	/* the server acknowledges, sends data; the client goes on */
	p = tcp_pkt(ACK, 900000, 500064, 0);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, PS_CT_DIR_REPLY, &p), PS_CT_VALID);
	p = tcp_pkt(ACK | PSH, 900000, 500064, 1400);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, PS_CT_DIR_REPLY, &p), PS_CT_VALID);
	p = tcp_pkt(ACK | PSH, 500064, 901400, 64);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, PS_CT_DIR_ORIG, &p), PS_CT_VALID);
	/* beyond even the widest window (scale unknown: 14): invalid */
	p = tcp_pkt(ACK, 500064 + 0x70000000u, 901400, 64);
	CU_ASSERT_EQUAL(ps_ct_update(ct, e, PS_CT_DIR_ORIG, &p),
			PS_CT_INVALID);
	/* a RST or a SYN-ACK never starts one, loose or not */
	conn_tuples(1, IPPROTO_TCP, &o, &r, &nat);
	p = tcp_pkt(RST | ACK, 1, 1, 0);
	p.loose = 1;
	CU_ASSERT_FALSE(ps_ct_pkt_can_create(IPPROTO_TCP, &p));
	p = tcp_pkt(SYN | ACK, 1, 1, 0);
	p.loose = 1;
	CU_ASSERT_FALSE(ps_ct_pkt_can_create(IPPROTO_TCP, &p));
	ps_ct_free(ct);
}

/* A dumped entry put back: same tuples, NAT, state, tracking, counters;
 * a tuple already taken is refused. */
static void
test_restore(void)
{
	struct ps_ct *a = ct_new("rsta", 8, NULL), *b = ct_new("rstb", 8, NULL);
	struct ps_ct_entry *e, *got;
	struct ps_ct_pkt p;
	uint8_t dir;

	if (a == NULL || b == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(add_conn(a, 3, IPPROTO_TCP, &e), PS_CT_CREATED);
	p = tcp_pkt(SYN | ACK, 7000, 1001, 0);
	CU_ASSERT_EQUAL(ps_ct_update(a, e, PS_CT_DIR_REPLY, &p), PS_CT_VALID);
	p = tcp_pkt(ACK, 1001, 7001, 0);
	CU_ASSERT_EQUAL(ps_ct_update(a, e, PS_CT_DIR_ORIG, &p), PS_CT_VALID);
	CU_ASSERT_EQUAL(e->state, PS_CT_TCP_ESTABLISHED);

	CU_ASSERT_EQUAL(ps_ct_restore(b, e), PS_CT_CREATED);
	got = find_conn(b, 3, IPPROTO_TCP, 1, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_REPLY);
	CU_ASSERT_EQUAL(got->state, PS_CT_TCP_ESTABLISHED);
	CU_ASSERT(got->flags & PS_CT_F_ASSURED);
	CU_ASSERT_EQUAL(memcmp(&got->nat, &e->nat, sizeof(e->nat)), 0);
	CU_ASSERT_EQUAL(memcmp(got->tcp, e->tcp, sizeof(e->tcp)), 0);
	CU_ASSERT_EQUAL(got->packets[0], e->packets[0]);
	/* the next segment is judged by the restored windows */
	p = tcp_pkt(ACK | PSH, 1001, 7001, 100);
	CU_ASSERT_EQUAL(ps_ct_update(b, got, PS_CT_DIR_ORIG, &p), PS_CT_VALID);
	CU_ASSERT_EQUAL(ps_ct_restore(b, e), -EEXIST);
	{
		struct ps_ct_entry bad = *e;

		bad.state = PS_CT_STATE_MAX;
		CU_ASSERT_EQUAL(ps_ct_restore(b, &bad), -EINVAL);
	}
	ps_ct_free(a);
	ps_ct_free(b);
}

static const struct ps_test tests[] = {
	{ "both directions find one entry", test_both_directions },
	{ "connection to itself", test_self_connection },
	{ "bad parameters", test_bad_params },
	{ "racing creators get one entry", test_race_create },
	{ "racing creators of the last room", test_race_last_room },
	{ "TCP transitions and timeouts", test_tcp_scenarios },
	{ "TCP assured flag and counters", test_tcp_assured_and_counters },
	{ "TCP window scaling", test_tcp_window_scale },
	{ "TCP Fast Open SYN-ACKs", test_tcp_fast_open },
	{ "packets that cannot start a connection", test_invalid_new },
	{ "UDP single -> stream", test_udp },
	{ "ICMP echo", test_icmp },
	{ "configured timeouts", test_custom_timeouts },
	{ "full at exactly size", test_full },
	{ "full at exactly size, 512k look-alike tuples", test_full_large },
	{ "full, RCU: room back after the grace period", test_full_rcu },
	{ "expiry in bounded slices", test_expire_slices },
	{ "delete by predicate, walk with a limit", test_delete_if_walk },
	{ "flush while workers look up and create", test_flush_concurrent },
	{ "release hook on every delete", test_release_hook },
	{ "a real Linux TCP trace", test_real_tcp_trace },
	{ "state names", test_state_names },
	{ "mid-stream pickup after a restart", test_loose_pickup },
	{ "restore of a dumped entry", test_restore },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("conntrack", NULL, NULL, tests))
