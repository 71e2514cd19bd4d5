/* SPDX-License-Identifier: BSD-3-Clause */
/* Chained name index (include/podswitch/name_map.h). */
#include <errno.h>
#include <stdlib.h>

#include <podswitch/name_map.h>

uint32_t
ps_name_hash(const char *ns, const char *name)
{
	uint32_t h = 2166136261u;

	for (; *ns; ns++)
		h = (h ^ (uint8_t)*ns) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

int
ps_name_map_init(struct ps_name_map *m, uint32_t cap)
{
	uint32_t nb = 1, i;

	/* a chain per slot, rounded up: chains stay short at any fill */
	while (nb < cap)
		nb <<= 1;
	m->mask = nb - 1;
	m->head = malloc(sizeof(uint32_t) * nb);
	m->next = malloc(sizeof(uint32_t) * cap);
	if (m->head == NULL || m->next == NULL) {
		ps_name_map_free(m);
		return -ENOMEM;
	}
	for (i = 0; i < nb; i++)
		m->head[i] = PS_NAME_MAP_END;
	return 0;
}

void
ps_name_map_free(struct ps_name_map *m)
{
	free(m->head);
	free(m->next);
	m->head = NULL;
	m->next = NULL;
}

void
ps_name_map_add(struct ps_name_map *m, uint32_t h, uint32_t slot)
{
	m->next[slot] = m->head[h & m->mask];
	m->head[h & m->mask] = slot;
}

void
ps_name_map_del(struct ps_name_map *m, uint32_t h, uint32_t slot)
{
	uint32_t *pp = &m->head[h & m->mask];

	while (*pp != PS_NAME_MAP_END && *pp != slot)
		pp = &m->next[*pp];
	if (*pp == slot)
		*pp = m->next[slot];
}
