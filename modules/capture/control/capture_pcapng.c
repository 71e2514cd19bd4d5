/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcapng stream of a session (draft-ietf-opsawg-pcapng): a section
 * header, an interface description block per port named with its
 * podswitch name, then the Enhanced Packet Blocks rte_pcapng_copy made
 * in the workers. rte_pcapng's own writer describes ethdev ports only,
 * by their ethdev names, and writes to a file descriptor; podswitch
 * ports need not be ethdevs and the stream goes out over REST.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "ps_build_config.h"

#include <podswitch/port.h>

#include "capture_private.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define IF_FILTER 11
#define LINKTYPE_ETHERNET 1
/* the largest block but packets: a header or an interface */
#define BLOCK_MAX 2048

int
cap_stream_put(struct cap_session *s, const void *data, size_t len)
{
	if (s->len + len > s->size) {
		size_t size = RTE_MAX(s->size * 2, s->len + len);
		uint8_t *b;

		size = RTE_MAX(size, (size_t)65536);
		/* what was read goes first */
		if (s->off > 0) {
			memmove(s->buf, s->buf + s->off, s->len - s->off);
			s->len -= s->off;
			s->off = 0;
		}
		if (s->len + len > s->size) {
			b = realloc(s->buf, size);
			if (b == NULL)
				return -ENOMEM;
			s->buf = b;
			s->size = size;
		}
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->bytes += len;
	return 0;
}

/* A block under construction, BLOCK_MAX bytes at most. */
struct block {
	uint8_t b[BLOCK_MAX];
	size_t len;
};

static void
put(struct block *bl, const void *data, size_t len)
{
	if (bl->len + len <= sizeof(bl->b))
		memcpy(bl->b + bl->len, data, len);
	bl->len += len;
}

static void
put32(struct block *bl, uint32_t v)
{
	put(bl, &v, sizeof(v));
}

/* An option, value padded to 32 bits; cut to what a block holds. */
static void
put_opt(struct block *bl, uint16_t code, const void *val, size_t len)
{
	static const uint8_t zero[4];
	uint16_t h[2];

	len = RTE_MIN(len, (size_t)256);
	h[0] = code;
	h[1] = (uint16_t)len;
	put(bl, h, sizeof(h));
	put(bl, val, len);
	put(bl, zero, RTE_ALIGN(len, 4) - len);
}

/* Close the block: end of options, both lengths; then stream it. */
static int
block_end(struct cap_session *s, struct block *bl)
{
	uint32_t total;

	put_opt(bl, OPT_END, NULL, 0);
	total = (uint32_t)bl->len + 4;
	if (total > sizeof(bl->b))
		return -ENOSPC;
	memcpy(bl->b + 4, &total, sizeof(total));
	put32(bl, total);
	return cap_stream_put(s, bl->b, bl->len);
}

static int
section_header(struct cap_session *s)
{
	struct block bl = { .len = 0 };
	const char *app = "podswitch " PS_VERSION;
	char comment[CAP_FILTER_MAX + 64];
	uint64_t section_len = UINT64_MAX;

	put32(&bl, BT_SHB);
	put32(&bl, 0);
	put32(&bl, 0x1a2b3c4d);
	put32(&bl, 1);		/* version 1.0 */
	put(&bl, &section_len, sizeof(section_len));
	snprintf(comment, sizeof(comment), "podswitch capture %u%s%s",
		 s->id, s->rq.filter[0] ? ", filter: " : "", s->rq.filter);
	put_opt(&bl, OPT_COMMENT, comment, strlen(comment));
	put_opt(&bl, SHB_USERAPPL, app, strlen(app));
	return block_end(s, &bl);
}

static int
interface(const struct ps_dataplane *dp, struct cap_session *s,
	  unsigned int i)
{
	const struct ps_port *p = &ps_ports[s->port_ids[i]];
	struct block bl = { .len = 0 };
	const uint8_t tsresol = 9;	/* rte_pcapng_copy stamps in ns */
	char descr[256], filter[CAP_FILTER_MAX + 1];
	const char *driver = "";
	int slot;
	uint16_t lt[2] = { LINKTYPE_ETHERNET, 0 };

	slot = ps_dataplane_port_slot(dp, s->rq.ports[i]);
	if (slot >= 0)
		driver = dp->ports[slot].driver;
	put32(&bl, BT_IDB);
	put32(&bl, 0);
	put(&bl, lt, sizeof(lt));
	put32(&bl, s->rq.snaplen);
	put_opt(&bl, IF_NAME, s->rq.ports[i], strlen(s->rq.ports[i]));
	snprintf(descr, sizeof(descr), "podswitch port %s (%s, %s, %s)",
		 s->rq.ports[i], ps_port_role_name(p->role), driver,
		 p->devname[0] ? p->devname : "native");
	put_opt(&bl, IF_DESCRIPTION, descr, strlen(descr));
	put_opt(&bl, IF_TSRESOL, &tsresol, 1);
	if (s->rq.filter[0] != '\0') {
		/* the first byte says: a libpcap expression */
		filter[0] = 0;
		memcpy(filter + 1, s->rq.filter, strlen(s->rq.filter));
		put_opt(&bl, IF_FILTER, filter, strlen(s->rq.filter) + 1);
	}
	return block_end(s, &bl);
}

int
cap_stream_header(const struct ps_dataplane *dp, struct cap_session *s)
{
	unsigned int i;
	int rc = section_header(s);

	for (i = 0; rc == 0 && i < s->rq.nb_ports; i++)
		rc = interface(dp, s, i);
	return rc;
}

int
cap_stream_packet(struct cap_session *s, const struct rte_mbuf *m)
{
	const uint32_t ifidx = m->port;
	size_t start = s->len;
	const struct rte_mbuf *seg;
	int rc = 0;

	for (seg = m; seg != NULL && rc == 0; seg = seg->next)
		rc = cap_stream_put(s, rte_pktmbuf_mtod(seg, const void *),
				    seg->data_len);
	if (rc != 0)
		return rc;
	/* the interface id: ours, carried in the copy's port (the 22.11
	 * copy leaves the block's field for its own writer) */
	if (s->len - start >= 12)
		memcpy(s->buf + start + 8, &ifidx, sizeof(ifidx));
	return 0;
}
