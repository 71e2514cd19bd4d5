/* SPDX-License-Identifier: BSD-3-Clause */
/* The local podswitch daemon's REST API over its Unix socket. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "agent.h"

/* A 10,000-service List is applied in well under this; a daemon that
 * takes longer is stuck, and the next sync tries again. */
#define PS_TIMEOUT_MS 60000L

static size_t
to_buf(char *p, size_t size, size_t n, void *arg)
{
	return ag_buf_add(arg, p, size * n) == 0 ? size * n : 0;
}

int
ag_ps_request(const struct ag_ps *ps, const char *method, const char *path,
	      const char *body, size_t body_len, struct ag_buf *out,
	      char *err, size_t errlen)
{
	struct curl_slist *h = NULL;
	char url[1024], auth[512];
	long status = 0;
	CURLcode rc;
	CURL *c = curl_easy_init();

	if (c == NULL) {
		snprintf(err, errlen, "no curl handle");
		return -1;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ps->socket);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, PS_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	/* our server answers at once; curl would wait 1 s for a 100 */
	h = curl_slist_append(h, "Expect:");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
		h = curl_slist_append(h, "Content-Type: application/json");
	}
	if (ps->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 ps->token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	err[0] = '\0';
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s", ps->socket,
			 curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status > 0 ? (int)status : -1;
}
