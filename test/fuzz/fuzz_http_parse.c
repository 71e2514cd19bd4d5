/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP request head parser (lib/http/http_parse.c) and the target
 * helpers the router uses on what it returns: any bytes as the start of a
 * connection's input, split in two reads at a point the input chooses, as
 * the connection code sees them.
 */
#include <string.h>

#include <podswitch/http.h>

#include "http_private.h"
#include "fuzz_harness.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* What the REST router does with a request's target. */
static void
use_target(const struct ps_http_request *r)
{
	const char *seg[16];
	char buf[1024];

	ps_http_path_segments(r->path, buf, sizeof(buf), seg, 16);
	ps_http_query_get(r->query, "limit", buf, sizeof(buf));
	ps_http_pct_decode(buf, sizeof(buf), r->path, strlen(r->path));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h;
	char why[256], *in, *head;
	size_t split, scan = 0, end;

	if (size < 1)
		return 0;
	/* the first byte: where the first read stops */
	split = size > 1 ? data[0] % size : 0;
	data++;
	size--;
	in = malloc(size + 1);
	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	end = http_head_end(in, split < size ? split : size, &scan);
	if (end == 0)
		end = http_head_end(in, size, &scan);
	if (end > 0) {
		FUZZ_CHECK(end <= size, "head end %zu past %zu bytes\n", end, size);
		/* the connection parses a copy of exactly the head */
		head = malloc(end + 1);
		if (head != NULL) {
			memcpy(head, in, end);
			head[end] = '\0';
			memset(&h, 0, sizeof(h));
			if (http_parse_head(head, end, &h, why, sizeof(why)) == 0)
				use_target(&h.req);
			free(head);
		}
	}
	free(in);
	return 0;
}
