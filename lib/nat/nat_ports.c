/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SNAT source-port pools: a bitmap of the ports in use, one bit per port,
 * set with compare-and-swap by the allocating worker and cleared with an
 * atomic AND by whoever frees. Each worker starts in its own run of words,
 * so workers do not fight over cache lines until a slice runs dry.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <podswitch/nat.h>

#define NAT_LOG(level, ...) \
	rte_log(RTE_LOG_##level, ps_logtype_nat, "nat: " __VA_ARGS__)

#define BITS 64u

struct pool_slot {
	uint32_t first_word;	/* the worker's own slice */
	uint32_t nb_words;
	uint32_t cursor;	/* next bit to try in the slice */
	/* pool->frees when a scan of every word found nothing, or NO_MARK */
	uint64_t full_at;
	uint64_t allocs;	/* written by the worker only */
	uint64_t fails;
} __rte_cache_aligned;

#define NO_MARK UINT64_MAX

struct ps_nat_pool {
	uint16_t port_min;
	uint16_t port_max;
	uint32_t size;
	uint32_t nb_words;
	unsigned int nb_workers;
	/* atomic: frees may come from any thread; also tells workers that
	 * found the pool full whether a new scan can find anything */
	uint64_t frees;
	uint64_t bad_frees;
	struct pool_slot *slots;
	uint64_t *bitmap;	/* 1 = in use; bits past port_max always 1 */
};

struct ps_nat_pool *
ps_nat_pool_create(const char *name, uint16_t port_min, uint16_t port_max,
		   unsigned int nb_workers, int socket)
{
	struct ps_nat_pool *pool;
	uint32_t size, w, tail;

	if (port_min == 0 || port_min > port_max || nb_workers == 0 ||
	    nb_workers > RTE_MAX_LCORE) {
		NAT_LOG(ERR, "pool %s: bad range %u-%u or %u workers\n", name,
			port_min, port_max, nb_workers);
		rte_errno = EINVAL;
		return NULL;
	}
	size = (uint32_t)port_max - port_min + 1;
	pool = rte_zmalloc_socket("ps_nat_pool", sizeof(*pool),
				  RTE_CACHE_LINE_SIZE, socket);
	if (pool == NULL)
		goto nomem;
	pool->port_min = port_min;
	pool->port_max = port_max;
	pool->size = size;
	pool->nb_words = (size + BITS - 1) / BITS;
	pool->nb_workers = nb_workers;
	pool->slots = rte_zmalloc_socket("ps_nat_slots",
					 sizeof(*pool->slots) * nb_workers,
					 RTE_CACHE_LINE_SIZE, socket);
	pool->bitmap = rte_zmalloc_socket("ps_nat_bitmap",
					  sizeof(uint64_t) * pool->nb_words,
					  RTE_CACHE_LINE_SIZE, socket);
	if (pool->slots == NULL || pool->bitmap == NULL)
		goto nomem;
	tail = pool->nb_words * BITS - size;
	if (tail != 0)
		pool->bitmap[pool->nb_words - 1] = ~0ull << (BITS - tail);
	/* With fewer words than workers some slices are empty: those
	 * workers take from the others from the start. */
	for (w = 0; w < nb_workers; w++) {
		uint32_t a = (uint32_t)((uint64_t)pool->nb_words * w / nb_workers);
		uint32_t b = (uint32_t)((uint64_t)pool->nb_words * (w + 1) /
					nb_workers);

		pool->slots[w].first_word = a;
		pool->slots[w].nb_words = b - a;
		pool->slots[w].full_at = NO_MARK;
	}
	NAT_LOG(DEBUG, "pool %s: ports %u-%u, %u workers\n", name, port_min,
		port_max, nb_workers);
	return pool;
nomem:
	NAT_LOG(ERR, "pool %s: out of memory\n", name);
	ps_nat_pool_free(pool);
	rte_errno = ENOMEM;
	return NULL;
}

void
ps_nat_pool_free(struct ps_nat_pool *pool)
{
	if (pool == NULL)
		return;
	rte_free(pool->slots);
	rte_free(pool->bitmap);
	rte_free(pool);
}

/*
 * Take the lowest free bit at or above `from` in *word. Acquire pairs with
 * the release of the free: whoever gets the port sees everything done
 * before it was freed (the old conntrack entry deleted).
 */
static int
take_bit(uint64_t *word, unsigned int from)
{
	uint64_t old = __atomic_load_n(word, __ATOMIC_RELAXED);

	for (;;) {
		uint64_t avail = ~old & (~0ull << from);
		unsigned int b;

		if (avail == 0)
			return -1;
		b = (unsigned int)__builtin_ctzll(avail);
		if (__atomic_compare_exchange_n(word, &old, old | (1ull << b),
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return (int)b;
	}
}

static int
got(struct ps_nat_pool *pool, struct pool_slot *s, uint32_t word,
    unsigned int bit)
{
	__atomic_store_n(&s->allocs, s->allocs + 1, __ATOMIC_RELAXED);
	return pool->port_min + (int)(word * BITS + bit);
}

int
ps_nat_port_take(struct ps_nat_pool *pool, uint16_t port)
{
	uint32_t off, word;
	uint64_t bit, old;

	if (port < pool->port_min || port > pool->port_max)
		return -ERANGE;
	off = (uint32_t)(port - pool->port_min);
	word = off / BITS;
	bit = 1ull << (off % BITS);
	old = __atomic_fetch_or(&pool->bitmap[word], bit, __ATOMIC_ACQUIRE);
	return (old & bit) ? -EBUSY : 0;
}

int
ps_nat_port_alloc(struct ps_nat_pool *pool, unsigned int worker)
{
	struct pool_slot *s;
	uint64_t gen;
	uint32_t i, k;
	int b;

	if (unlikely(worker >= pool->nb_workers))
		return -EINVAL;
	s = &pool->slots[worker];
	/*
	 * Only a free makes room. If none has completed since this worker
	 * last found every word full, they still are: refuse without a scan
	 * of the whole bitmap, which a flood of new flows against a full pool
	 * would otherwise pay each time. A free whose count is not seen yet
	 * is found on the next attempt.
	 */
	if (unlikely(s->full_at != NO_MARK)) {
		if (__atomic_load_n(&pool->frees, __ATOMIC_ACQUIRE) ==
		    s->full_at)
			goto full;
		s->full_at = NO_MARK;
	}
	/* Own slice, round-robin from the cursor: the words after it, then
	 * the cursor's word again below the cursor. */
	for (k = 0; k <= s->nb_words && s->nb_words != 0; k++) {
		uint32_t rel = (s->cursor / BITS + k) % s->nb_words;
		uint32_t word = s->first_word + rel;

		b = take_bit(&pool->bitmap[word],
			     k == 0 ? s->cursor % BITS : 0);
		if (b >= 0) {
			s->cursor = (rel * BITS + (unsigned int)b + 1) %
				    (s->nb_words * BITS);
			return got(pool, s, word, (unsigned int)b);
		}
	}
	/* The other slices, starting after ours so that workers that run
	 * dry spread over the others, and ours again: the count of frees is
	 * read before the scan that may set the mark. */
	gen = __atomic_load_n(&pool->frees, __ATOMIC_ACQUIRE);
	for (i = 0; i < pool->nb_words; i++) {
		uint32_t word = (s->first_word + s->nb_words + i) %
				pool->nb_words;

		b = take_bit(&pool->bitmap[word], 0);
		if (b >= 0)
			return got(pool, s, word, (unsigned int)b);
	}
	s->full_at = gen;
full:
	__atomic_store_n(&s->fails, s->fails + 1, __ATOMIC_RELAXED);
	return -ENOSPC;
}

int
ps_nat_port_free(struct ps_nat_pool *pool, uint16_t port)
{
	uint32_t idx;
	uint64_t mask, old;

	if (port < pool->port_min || port > pool->port_max) {
		__atomic_fetch_add(&pool->bad_frees, 1, __ATOMIC_RELAXED);
		return -ERANGE;
	}
	idx = (uint32_t)port - pool->port_min;
	mask = 1ull << (idx % BITS);
	old = __atomic_fetch_and(&pool->bitmap[idx / BITS], ~mask,
				 __ATOMIC_RELEASE);
	if ((old & mask) == 0) {
		__atomic_fetch_add(&pool->bad_frees, 1, __ATOMIC_RELAXED);
		return -ENOENT;
	}
	/* after the bit: a worker that sees this count sees the port free */
	__atomic_fetch_add(&pool->frees, 1, __ATOMIC_RELEASE);
	return 0;
}

bool
ps_nat_port_in_use(const struct ps_nat_pool *pool, uint16_t port)
{
	uint32_t idx;

	if (port < pool->port_min || port > pool->port_max)
		return false;
	idx = (uint32_t)port - pool->port_min;
	return (__atomic_load_n(&pool->bitmap[idx / BITS], __ATOMIC_RELAXED) >>
		(idx % BITS)) & 1;
}

void
ps_nat_pool_stats(const struct ps_nat_pool *pool, struct ps_nat_pool_stats *st)
{
	uint64_t used = 0;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->size = pool->size;
	for (i = 0; i < pool->nb_words; i++)
		used += (uint64_t)__builtin_popcountll(
			__atomic_load_n(&pool->bitmap[i], __ATOMIC_RELAXED));
	/* the padding bits past port_max are always set */
	st->in_use = (uint32_t)(used - (pool->nb_words * BITS - pool->size));
	for (i = 0; i < pool->nb_workers; i++) {
		st->allocs += __atomic_load_n(&pool->slots[i].allocs,
					      __ATOMIC_RELAXED);
		st->alloc_fails += __atomic_load_n(&pool->slots[i].fails,
						   __ATOMIC_RELAXED);
	}
	st->frees = __atomic_load_n(&pool->frees, __ATOMIC_RELAXED);
	st->bad_frees = __atomic_load_n(&pool->bad_frees, __ATOMIC_RELAXED);
}
