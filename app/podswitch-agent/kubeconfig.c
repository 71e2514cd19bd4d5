/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the API server is and who we are to it, as kube-proxy finds out:
 * a kubeconfig file (its current context: the cluster's server and CA,
 * the user's token or client certificate and key, inline "-data" or as
 * files relative to the kubeconfig's directory), or the pod's service
 * account (in-cluster).
 *
 * The YAML is read into a JSON tree first (every scalar a string), so the
 * lookups below are plain jansson.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "agent.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

static json_t *
yaml_to_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
	json_t *j;

	if (n == NULL || depth > 64)
		return NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)n->data.scalar.value,
				    n->data.scalar.length);
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		j = json_array();
		for (it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			json_array_append_new(j, yaml_to_json(doc,
				yaml_document_get_node(doc, *it), depth + 1));
		return j;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;

		j = json_object();
		for (p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v = yaml_to_json(doc, yaml_document_get_node(
				doc, p->value), depth + 1);

			if (k == NULL || k->type != YAML_SCALAR_NODE ||
			    v == NULL) {
				json_decref(v);
				continue;
			}
			json_object_setn_new(j, (const char *)
					     k->data.scalar.value,
					     k->data.scalar.length, v);
		}
		return j;
	}
	default:
		return NULL;
	}
}

static json_t *
load_yaml(const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	json_t *j = NULL;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "YAML error at line %zu: %s",
			 parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "unknown");
	} else {
		j = yaml_to_json(&doc, yaml_document_get_root_node(&doc), 0);
		if (j == NULL || !json_is_object(j)) {
			snprintf(err, errlen, "not a kubeconfig (the top is "
				 "not a mapping)");
			json_decref(j);
			j = NULL;
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return j;
}

static const char *
str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The entry of a named list (clusters, users, contexts) and its body. */
static const json_t *
named(const json_t *root, const char *list, const char *name,
      const char *body)
{
	const json_t *arr = json_object_get(root, list), *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (str_at(e, "name") != NULL &&
		    strcmp(str_at(e, "name"), name) == 0)
			return json_object_get(e, body);
	return NULL;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 (whitespace ignored); NULL if it is not base64. */
static char *
b64_decode(const char *s, size_t *len)
{
	char *out = malloc(strlen(s) / 4 * 3 + 4);
	uint32_t acc = 0;
	int bits = 0, v;
	size_t n = 0;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (*s == '=' || *s == ' ' || *s == '\n' || *s == '\r' ||
		    *s == '\t')
			continue;
		v = b64val((unsigned char)*s);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits & 0xff);
		}
	}
	out[n] = '\0';
	*len = n;
	return out;
}

/* A file path of the kubeconfig, relative ones from its directory. */
static char *
rel_path(const char *kcfg, const char *p)
{
	char *dir, *copy, *out;

	if (p[0] == '/')
		return strdup(p);
	copy = strdup(kcfg);
	if (copy == NULL)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, p) < 0)
		out = NULL;
	free(copy);
	return out;
}

static char *
read_file(const char *path, size_t *len)
{
	struct ag_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ag_buf_add(&b, chunk, n) < 0)
			break;
	fclose(f);
	if (b.p == NULL)
		ag_buf_add(&b, "", 0);
	if (len != NULL)
		*len = b.len;
	return b.p;
}

/* One of "<key>-data" (base64) or "<key>" (a file): 0, or -1 with err. */
static int
data_or_file(const char *kcfg, const json_t *o, const char *key, char **data,
	     size_t *len, char **file, char *err, size_t errlen)
{
	char dk[64];
	const char *d, *f;

	snprintf(dk, sizeof(dk), "%s-data", key);
	d = str_at(o, dk);
	f = str_at(o, key);
	if (d != NULL) {
		*data = b64_decode(d, len);
		if (*data == NULL) {
			snprintf(err, errlen, "%s: not base64", dk);
			return -1;
		}
	} else if (f != NULL) {
		*file = rel_path(kcfg, f);
		if (*file == NULL || access(*file, R_OK) != 0) {
			snprintf(err, errlen, "%s: cannot read %s: %s", key,
				 *file ? *file : f, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
ag_kubeconfig_load(const char *path, struct ag_kube *k)
{
	const json_t *ctx, *cluster, *user;
	const char *cur, *cname, *uname, *server, *tok, *tokfile, *ins;
	char err[256] = "";
	json_t *root;

	memset(k, 0, sizeof(*k));
	root = load_yaml(path, err, sizeof(err));
	if (root == NULL)
		goto fail;
	cur = str_at(root, "current-context");
	if (cur == NULL || cur[0] == '\0') {
		snprintf(err, sizeof(err), "no current-context");
		goto fail;
	}
	ctx = named(root, "contexts", cur, "context");
	if (ctx == NULL) {
		snprintf(err, sizeof(err), "current-context '%s' is not in "
			 "contexts", cur);
		goto fail;
	}
	cname = str_at(ctx, "cluster");
	uname = str_at(ctx, "user");
	cluster = cname != NULL ? named(root, "clusters", cname, "cluster")
				: NULL;
	if (cluster == NULL) {
		snprintf(err, sizeof(err), "context '%s': cluster '%s' is not "
			 "in clusters", cur, cname ? cname : "");
		goto fail;
	}
	server = str_at(cluster, "server");
	if (server == NULL || (strncmp(server, "https://", 8) != 0 &&
			       strncmp(server, "http://", 7) != 0)) {
		snprintf(err, sizeof(err), "cluster '%s': server must be an "
			 "http(s) URL", cname);
		goto fail;
	}
	k->server = strdup(server);
	if (k->server[strlen(k->server) - 1] == '/')
		k->server[strlen(k->server) - 1] = '\0';
	ins = str_at(cluster, "insecure-skip-tls-verify");
	k->insecure = ins != NULL && strcmp(ins, "true") == 0;
	if (data_or_file(path, cluster, "certificate-authority", &k->ca_data,
			 &k->ca_len, &k->ca_file, err, sizeof(err)) < 0)
		goto fail;
	user = uname != NULL ? named(root, "users", uname, "user") : NULL;
	if (uname != NULL && user == NULL) {
		snprintf(err, sizeof(err), "context '%s': user '%s' is not in "
			 "users", cur, uname);
		goto fail;
	}
	if (user != NULL) {
		if (json_object_get(user, "exec") != NULL ||
		    json_object_get(user, "auth-provider") != NULL) {
			snprintf(err, sizeof(err), "user '%s': exec and "
				 "auth-provider credentials are not supported "
				 "(use a token or a client certificate)", uname);
			goto fail;
		}
		tok = str_at(user, "token");
		tokfile = str_at(user, "tokenFile");
		if (tok != NULL) {
			k->token = strdup(tok);
		} else if (tokfile != NULL) {
			char *p = rel_path(path, tokfile);

			k->token = p ? read_file(p, NULL) : NULL;
			free(p);
			if (k->token == NULL) {
				snprintf(err, sizeof(err), "tokenFile %s: %s",
					 tokfile, strerror(errno));
				goto fail;
			}
			k->token[strcspn(k->token, "\r\n")] = '\0';
		}
		if (data_or_file(path, user, "client-certificate",
				 &k->cert_data, &k->cert_len, &k->cert_file,
				 err, sizeof(err)) < 0 ||
		    data_or_file(path, user, "client-key", &k->key_data,
				 &k->key_len, &k->key_file, err,
				 sizeof(err)) < 0)
			goto fail;
		if ((k->cert_data || k->cert_file) !=
		    (k->key_data || k->key_file)) {
			snprintf(err, sizeof(err), "user '%s': a client "
				 "certificate needs its key and the other way "
				 "round", uname);
			goto fail;
		}
	}
	json_decref(root);
	return 0;
fail:
	fprintf(stderr, "podswitch-agent: kubeconfig %s: %s\n", path, err);
	json_decref(root);
	ag_kube_free(k);
	return -1;
}

int
ag_kube_in_cluster(struct ag_kube *k)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");

	memset(k, 0, sizeof(*k));
	if (host == NULL || host[0] == '\0' || port == NULL ||
	    port[0] == '\0') {
		fprintf(stderr, "podswitch-agent: not in a cluster "
			"(KUBERNETES_SERVICE_HOST/_PORT unset): give "
			"--kubeconfig FILE\n");
		return -1;
	}
	if (asprintf(&k->server, strchr(host, ':') ? "https://[%s]:%s" :
		     "https://%s:%s", host, port) < 0) {
		k->server = NULL;
		return -1;
	}
	k->token = read_file(SA_DIR "/token", NULL);
	if (k->token == NULL) {
		fprintf(stderr, "podswitch-agent: %s/token: %s\n", SA_DIR,
			strerror(errno));
		ag_kube_free(k);
		return -1;
	}
	k->token[strcspn(k->token, "\r\n")] = '\0';
	k->ca_file = strdup(SA_DIR "/ca.crt");
	return 0;
}

void
ag_kube_free(struct ag_kube *k)
{
	free(k->server);
	free(k->ca_file);
	free(k->ca_data);
	free(k->token);
	free(k->cert_file);
	free(k->cert_data);
	free(k->key_file);
	free(k->key_data);
	memset(k, 0, sizeof(*k));
}
