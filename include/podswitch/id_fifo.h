/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_ID_FIFO_H
#define PODSWITCH_ID_FIFO_H

/*
 * The free ids 0..cap-1 of a table, handed out oldest-freed first: an id
 * comes back into use as late as possible, so a stale reference to it (an
 * affinity entry, a worker finishing a pick) rarely meets a new owner.
 *
 * Single-threaded (the management thread). Putting back an id that is
 * already free is the caller's bug: the FIFO does not check.
 */

#include <stdint.h>

/* What ps_id_fifo_get returns when every id is in use. */
#define PS_ID_FIFO_EMPTY UINT32_MAX

struct ps_id_fifo {
	uint32_t *ids;
	uint32_t cap, head, count;
};

/* Every id of 0..cap-1 free, lowest first: 0 or -ENOMEM. */
int ps_id_fifo_init(struct ps_id_fifo *f, uint32_t cap);
/* Frees the array; a zeroed or freed FIFO is fine. */
void ps_id_fifo_free(struct ps_id_fifo *f);

uint32_t ps_id_fifo_get(struct ps_id_fifo *f);
void ps_id_fifo_put(struct ps_id_fifo *f, uint32_t id);

#endif
