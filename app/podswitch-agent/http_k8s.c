/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTPS to the API server with libcurl: the cluster's CA (file or inline
 * PEM), a bearer token or a client certificate, JSON in and out. A watch
 * is a long GET whose body (one JSON event per line) is handed over line
 * by line as it arrives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ps_build_config.h"
#include "agent.h"

static size_t
to_buf(char *p, size_t size, size_t n, void *arg)
{
	return ag_buf_add(arg, p, size * n) == 0 ? size * n : 0;
}

static CURL *
k8s_handle(const struct ag_kube *k, const char *path, struct curl_slist **h)
{
	char url[4096], auth[8192];
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	snprintf(url, sizeof(url), "%s%s", k->server, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "podswitch-agent/" PS_VERSION);
	if (k->ca_data != NULL) {
		struct curl_blob b = { .data = k->ca_data, .len = k->ca_len,
				       .flags = CURL_BLOB_COPY };

		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
	} else if (k->ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, k->ca_file);
	}
	if (k->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (k->cert_data != NULL) {
		struct curl_blob b = { .data = k->cert_data,
				       .len = k->cert_len,
				       .flags = CURL_BLOB_COPY };

		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &b);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (k->cert_file != NULL) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, k->cert_file);
	}
	if (k->key_data != NULL) {
		struct curl_blob b = { .data = k->key_data, .len = k->key_len,
				       .flags = CURL_BLOB_COPY };

		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &b);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (k->key_file != NULL) {
		curl_easy_setopt(c, CURLOPT_SSLKEY, k->key_file);
	}
	*h = curl_slist_append(NULL, "Accept: application/json");
	if (k->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 k->token);
		*h = curl_slist_append(*h, auth);
	}
	return c;
}

/* The HTTP status, or -1 when no answer came; err says what went
 * wrong on the transfer ("" when nothing did: a stream that ended
 * cleanly). */
static int
perform(CURL *c, struct curl_slist *h, char *err, size_t errlen)
{
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	err[0] = '\0';
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status > 0 ? (int)status : -1;
}

int
ag_k8s_request(const struct ag_kube *k, const char *method, const char *path,
	       const char *ctype, const char *body, long timeout_ms,
	       struct ag_buf *out, char *err, size_t errlen)
{
	struct curl_slist *h = NULL;
	CURL *c = k8s_handle(k, path, &h);
	char ct[128];

	if (c == NULL) {
		snprintf(err, errlen, "no curl handle");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		h = curl_slist_append(h, ct);
	}
	return perform(c, h, err, errlen);
}

struct stream {
	struct ag_buf line;
	struct ag_buf *out;
	ag_line_fn fn;
	void *arg;
	CURL *c;
	volatile int *stop;
};

static size_t
stream_cb(char *p, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	size_t len = size * n, i, start = 0;
	long status = 0;

	curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return to_buf(p, 1, len, s->out);
	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (ag_buf_add(&s->line, p + start, i - start) < 0)
			return 0;
		if (s->line.len > 0 && s->fn(s->line.p, s->line.len, s->arg))
			return 0;	/* the caller stops the stream */
		s->line.len = 0;
		start = i + 1;
	}
	if (ag_buf_add(&s->line, p + start, len - start) < 0)
		return 0;
	return len;
}

static int
stop_cb(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const struct stream *s = arg;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return *s->stop ? 1 : 0;
}

int
ag_k8s_stream(const struct ag_kube *k, const char *path, ag_line_fn line,
	      void *arg, long idle_timeout_ms, struct ag_buf *out, char *err,
	      size_t errlen, volatile int *stop)
{
	struct curl_slist *h = NULL;
	CURL *c = k8s_handle(k, path, &h);
	struct stream s = { .out = out, .fn = line, .arg = arg, .c = c,
			    .stop = stop };
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "no curl handle");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stop_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	/* A server that stops talking (no bytes for this long) is dead to
	 * us even if the TCP connection is not. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
			 (long)(idle_timeout_ms / 1000 + 1));
	rc = perform(c, h, err, errlen);
	ag_buf_free(&s.line);
	return rc;
}
