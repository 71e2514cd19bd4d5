/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A whole connection of the REST server (lib/http, modules/infra/api) with
 * the real dataplane behind it (fuzz_dp.c): the input is what a client
 * sends on the Unix socket, possibly several pipelined requests, then it
 * shuts its side. The server must answer what it can and close within a
 * bounded time, leaving no connection open and no mbuf taken.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_mempool.h>

#include <podswitch/http.h>

#include "rest_private.h"
#include "test_common.h"
#include "fuzz_dp.h"
#include "fuzz_harness.h"

/* The server answers a finished request at once; this is only a bound
 * for a broken one, well above anything the handlers take. */
#define CLOSE_WITHIN_MS 10000

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	return fuzz_dp_start((*argv)[0], true) < 0 ? -1 : 0;
}

static int
client_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fuzz_api_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Serve one round: the API, the graph and the management pass. */
static void
serve(void)
{
	ps_rest_poll(fuzz_rest, 0);
	ps_test_dp_run(&ps_test_node.dp, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_http_server_stats st;
	uint64_t start = fuzz_now_ms();
	size_t sent = 0;
	bool shut = false, closed = false;
	char buf[65536];
	int fd = client_connect();

	FUZZ_CHECK(fd >= 0, "cannot connect to %s: %s\n", fuzz_api_path,
		   strerror(errno));
	while (!closed) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (sent < size) {
			n = send(fd, data + sent, size - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = size;	/* the server closed on us */
		}
		if (sent == size && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		serve();
		/* The server runs in this thread: what it answered to what
		 * it had is there now. Only a write it could not finish
		 * (the socket buffer) is worth a short wait. */
		poll(&p, 1, 0);
		for (;;) {
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				continue;
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				closed = true;
			break;
		}
		FUZZ_CHECK(fuzz_now_ms() - start < CLOSE_WITHIN_MS,
			   "server did not close the connection within %u ms "
			   "(%zu of %zu bytes sent)\n", CLOSE_WITHIN_MS, sent,
			   size);
	}
	close(fd);
	/* the server sees our close on its next polls */
	for (;;) {
		serve();
		ps_http_server_stats(fuzz_rest->srv, &st);
		if (st.connections_open == 0)
			break;
		FUZZ_CHECK(fuzz_now_ms() - start < CLOSE_WITHIN_MS,
			   "%u connections still open after the client left\n",
			   st.connections_open);
	}
	return 0;
}
