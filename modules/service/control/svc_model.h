/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_MODEL_H
#define PS_SVC_MODEL_H

/*
 * Inside the Kubernetes reader. Files: svc_model.c (documents and Lists,
 * duplicates, copies), svc_model_service.c (a Service), svc_model_slice.c
 * (an EndpointSlice). Members are read with podswitch/jsonpath.h under
 * Kubernetes' conventions (PS_JP_K8S); a part is good when it reported
 * nothing (ps_errors_seen() unchanged).
 */

#include <jansson.h>

#include <podswitch/jsonpath.h>

#include "svc_private.h"

#define K8S PS_JP_K8S
#define K8S_REQ (PS_JP_K8S | PS_JP_REQUIRED)

/* 1 = IPv4 (in *ip), 0 = IPv6 (valid, not served), -1 = neither. */
int k8s_parse_ip(const char *s, uint32_t *ip);
/* An array of IP strings; IPv6 ones are skipped. Appends to *out. */
void k8s_get_ip_list(const json_t *obj, const char *path, const char *key,
		     uint32_t **out, unsigned int *n, struct ps_errors *errs);
/* "protocol": TCP (the default), UDP, and SCTP where sctp_ok. */
uint8_t k8s_parse_proto(const json_t *obj, const char *path,
			struct ps_errors *errs, bool sctp_ok);
/* metadata.{name,namespace}; its labels and annotations objects. */
void k8s_parse_meta(const json_t *item, const char *path, char *ns,
		    char *name, const json_t **labels, const json_t **ann,
		    struct ps_errors *errs);
/* A label or annotation we use (which: "labels" or "annotations"):
 * true when present and a string. */
bool k8s_meta_str(const json_t *map, const char *path, const char *which,
		  const char *key, char *out, size_t len,
		  struct ps_errors *errs);

/* One item at path: 0, or -EINVAL with its problems in errs. */
int k8s_parse_service(const json_t *item, const char *path,
		      struct ps_svc_spec *sp, struct ps_errors *errs);
int k8s_parse_slice(const json_t *item, const char *path,
		    struct ps_eps_spec *es, struct ps_errors *errs);

#endif
