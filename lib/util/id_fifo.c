/* SPDX-License-Identifier: BSD-3-Clause */
/* FIFO of free ids (include/podswitch/id_fifo.h). */
#include <errno.h>
#include <stdlib.h>

#include <podswitch/id_fifo.h>

int
ps_id_fifo_init(struct ps_id_fifo *f, uint32_t cap)
{
	uint32_t i;

	f->ids = malloc(sizeof(uint32_t) * cap);
	if (f->ids == NULL)
		return -ENOMEM;
	f->cap = f->count = cap;
	f->head = 0;
	for (i = 0; i < cap; i++)
		f->ids[i] = i;
	return 0;
}

void
ps_id_fifo_free(struct ps_id_fifo *f)
{
	free(f->ids);
	f->ids = NULL;
	f->cap = f->head = f->count = 0;
}

uint32_t
ps_id_fifo_get(struct ps_id_fifo *f)
{
	uint32_t id;

	if (f->count == 0)
		return PS_ID_FIFO_EMPTY;
	id = f->ids[f->head];
	f->head = (f->head + 1) % f->cap;
	f->count--;
	return id;
}

void
ps_id_fifo_put(struct ps_id_fifo *f, uint32_t id)
{
	f->ids[(f->head + f->count) % f->cap] = id;
	f->count++;
}
