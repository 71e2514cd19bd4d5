/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_POL_MODEL_H
#define PS_POL_MODEL_H

/*
 * The objects NetworkPolicy enforcement needs, as the management thread
 * keeps them: Namespaces (labels), Pods (namespace, labels, IPv4
 * address, node, named container ports) and NetworkPolicies
 * (networking.k8s.io/v1), parsed from the Kubernetes JSON shapes
 * (pol_parse.c), kept by namespace/name (pol_model.c) and compiled into
 * the datapath's classifier (pol_compile.c). Labels stay jansson
 * objects: a selector looks a key up in them.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <podswitch/errors.h>

#define POL_NAME_MAX 254	/* DNS subdomain 253 + NUL */
#define POL_PORT_NAME_MAX 64

enum pol_op {
	POL_OP_IN,
	POL_OP_NOT_IN,
	POL_OP_EXISTS,
	POL_OP_DOES_NOT_EXIST,
};

struct pol_expr {
	char *key;
	enum pol_op op;
	char **values;
	unsigned int nb_values;
};

/* A metav1.LabelSelector: matchLabels AND every expression. Empty
 * selects everything. */
struct pol_selector {
	json_t *match_labels;	/* object of strings, or NULL */
	struct pol_expr *exprs;
	unsigned int nb_exprs;
};

struct pol_cidr {
	uint32_t addr;		/* network order, host bits cleared */
	uint8_t len;
};

/* One entry of from/to. */
struct pol_peer {
	struct pol_selector *pod_sel;	/* NULL: absent */
	struct pol_selector *ns_sel;	/* NULL: absent */
	bool ip_block;
	struct pol_cidr cidr;
	struct pol_cidr *except;
	unsigned int nb_except;
};

struct pol_port {
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	bool any_port;			/* port absent: every port */
	char name[POL_PORT_NAME_MAX];	/* a named port, else "" */
	uint16_t port, end_port;	/* end_port = port when no endPort */
};

struct pol_rule {
	/* no peer given: every peer; given but none usable (IPv6
	 * only): none */
	bool all_peers;
	struct pol_peer *peers;
	unsigned int nb_peers;
	/* no port given: every port and protocol; given but none usable
	 * (SCTP only): none */
	bool all_ports;
	struct pol_port *ports;
	unsigned int nb_ports;
};

enum pol_dir {
	POL_INGRESS = 0,
	POL_EGRESS = 1,
	POL_NB_DIRS,
};

struct pol_policy {
	char ns[POL_NAME_MAX];
	char name[POL_NAME_MAX];
	struct pol_selector pod_sel;
	bool types[POL_NB_DIRS];	/* policyTypes, defaults applied */
	struct pol_rule *rules[POL_NB_DIRS];
	unsigned int nb_rules[POL_NB_DIRS];
	/* counter slots (policy_dp.h): slot_base + 0 the policy's ingress
	 * denials, + 1 its egress ones, + 2 + i rule i (ingress rules
	 * first, then egress) */
	uint32_t slot_base;
	uint32_t nb_slots;
	uint32_t selected;		/* local pods selected, last compile */
};

struct pol_named_port {
	char name[POL_PORT_NAME_MAX];
	uint8_t proto;
	uint16_t port;
};

struct pol_pod {
	char ns[POL_NAME_MAX];
	char name[POL_NAME_MAX];
	char node[POL_NAME_MAX];
	json_t *labels;			/* object, never NULL */
	uint32_t ip;			/* network order; 0: none yet */
	bool host_network;
	struct pol_named_port *ports;
	unsigned int nb_ports;
};

struct pol_namespace {
	char name[POL_NAME_MAX];
	json_t *labels;			/* with kubernetes.io/metadata.name */
};

/* A parsed object: one of the three, by kind. */
enum pol_kind {
	POL_K_NAMESPACE,
	POL_K_POD,
	POL_K_POLICY,
};

/* Skipped parts of an object (SCTP ports, IPv6 blocks): call with the
 * reason; path names the part. */
typedef void (*pol_skip_cb)(const char *path, const char *reason,
			    void *arg);

/* pol_parse.c: NULL after adding to errs (every problem, by path). */
struct pol_namespace *pol_namespace_parse(const json_t *o, const char *path,
					  struct ps_errors *errs);
struct pol_pod *pol_pod_parse(const json_t *o, const char *path,
			      struct ps_errors *errs);
struct pol_policy *pol_policy_parse(const json_t *o, const char *path,
				    struct ps_errors *errs, pol_skip_cb skip,
				    void *skip_arg);
void pol_namespace_free(struct pol_namespace *n);
void pol_pod_free(struct pol_pod *p);
void pol_policy_free(struct pol_policy *p);

/* pol_model.c: the sets. */
struct pol_model {
	struct pol_namespace **nss;
	unsigned int nb_nss, cap_nss;
	struct pol_pod **pods;
	unsigned int nb_pods, cap_pods;
	struct pol_policy **pols;	/* sorted by namespace, name */
	unsigned int nb_pols, cap_pols;
	uint64_t generation;		/* bumped by every change */
};

/* Take o (replacing one of the same name; the old one is freed).
 * 0 or -ENOMEM (o freed). */
int pol_model_put_namespace(struct pol_model *m, struct pol_namespace *o);
int pol_model_put_pod(struct pol_model *m, struct pol_pod *o);
int pol_model_put_policy(struct pol_model *m, struct pol_policy *o);
/* 0 or -ENOENT */
int pol_model_del_namespace(struct pol_model *m, const char *name);
int pol_model_del_pod(struct pol_model *m, const char *ns, const char *name);
int pol_model_del_policy(struct pol_model *m, const char *ns,
			 const char *name);
const struct pol_namespace *pol_model_namespace(const struct pol_model *m,
						const char *name);
struct pol_policy *pol_model_policy(const struct pol_model *m,
				    const char *ns, const char *name);
const struct pol_pod *pol_model_pod(const struct pol_model *m,
				    const char *ns, const char *name);
void pol_model_clear(struct pol_model *m);

/* Whether labels (an object, NULL: none) match s. */
bool pol_selector_match(const struct pol_selector *s, const json_t *labels);
/* The labels of namespace ns: its object's, else only the implied
 * kubernetes.io/metadata.name (a Namespace not applied yet). */
bool pol_ns_match(const struct pol_model *m, const struct pol_selector *s,
		  const char *ns);
/* Whether peer pe of a policy of namespace ns takes pod p. */
bool pol_peer_has_pod(const struct pol_model *m, const struct pol_peer *pe,
		      const char *ns, const struct pol_pod *p);
/* Whether ip (network order) is in pe's block and none of its excepts. */
bool pol_block_has(const struct pol_peer *pe, uint32_t ip);
/* The port number named name for proto in p's containers, or -1. */
int pol_pod_named_port(const struct pol_pod *p, const char *name,
		       uint8_t proto);

#endif
