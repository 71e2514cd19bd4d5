/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_CNI_H
#define PODSWITCH_CNI_H

/*
 * podswitch-cni: a CNI 1.0.0 plugin (docs/design.md section 5). The runtime
 * runs it with CNI_* in the environment and the network configuration on
 * stdin; it answers a result or an error as JSON on stdout.
 *
 * ADD: pod interface (veth pair, or a vhost-user socket), address from the
 * IPAM plugin, podswitch port over REST. DEL: the reverse, idempotent.
 * CHECK: each of those still there and as the result said.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define CNI_VERSION "1.0.0"

/* The specification's error codes (1-99 are its own). */
#define CNI_ERR_INCOMPATIBLE_VERSION 1
#define CNI_ERR_UNSUPPORTED_FIELD 2
#define CNI_ERR_UNKNOWN_CONTAINER 3
#define CNI_ERR_INVALID_ENV 4
#define CNI_ERR_IO 5
#define CNI_ERR_DECODE 6
#define CNI_ERR_INVALID_CONFIG 7
#define CNI_ERR_TRY_AGAIN 11
/* ours (100+): the pod's network is not what the result said */
#define CNI_ERR_CHECK_FAILED 100
/* ours: podswitch refused the port */
#define CNI_ERR_PODSWITCH 101
/* ours: this container's interface is there already (ADD twice) */
#define CNI_ERR_EXISTS 102

#define CNI_IFNAME_MAX 16	/* IFNAMSIZ */
#define CNI_PORT_NAME_MAX 32	/* podswitch's PS_NAME_MAX */

enum cni_driver {
	CNI_DRV_AF_PACKET,
	CNI_DRV_AF_XDP,
	CNI_DRV_VHOST_USER,
};

struct cni_env {
	const char *command;
	const char *container_id;
	const char *netns;		/* "" for DEL without one */
	const char *ifname;
	const char *args;
	const char *path;		/* CNI_PATH */
};

struct cni_conf {
	json_t *root;			/* the whole config, as read */
	const char *text;		/* as read, for IPAM's stdin */
	size_t text_len;
	const char *cni_version;
	const char *name;
	const char *socket;		/* podswitch API */
	enum cni_driver driver;
	const char *socket_dir;		/* vhost-user sockets */
	const char *veth_prefix;	/* host side veth names */
	const char *ipam_type;		/* NULL: no ipam section */
	unsigned int mtu;		/* 0: kernel default */
	const json_t *prev_result;	/* CHECK, DEL */
};

/* What ADD set up, from the IPAM result and our names. */
struct cni_pod {
	char host_if[CNI_IFNAME_MAX];
	char port[CNI_PORT_NAME_MAX];
	char mac[18];
	char vhost_path[256];
	uint32_t ip;			/* network order */
	unsigned int prefix_len;
	uint32_t gw;			/* network order, 0: none */
	json_t *ipam_result;		/* as IPAM answered */
};

/* main.c: print the error JSON on stdout; returns the exit status (1). */
int cni_error(int code, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* netconf.c: parse stdin's configuration; 0, or cni_error()'s status. */
int cni_conf_parse(const char *text, size_t len, struct cni_conf *c);
const char *cni_driver_name(enum cni_driver d);

/* names.c: port and host veth names of a container's interface. */
void cni_names(const struct cni_env *env, const struct cni_conf *c,
	       struct cni_pod *pod);
void cni_mac_of(uint32_t ip, char mac[18]);

/* ipam.c: run the IPAM plugin with command; ADD fills pod's address. */
int cni_ipam(const struct cni_env *env, const struct cni_conf *c,
	     const char *command, struct cni_pod *pod);

/* podlink.c: the veth pair and the pod side's configuration. */
int cni_link_add(const struct cni_env *env, const struct cni_conf *c,
		 const struct cni_pod *pod);
/* Delete the host side (the pod side goes with it): 0 also when absent. */
int cni_link_del(const struct cni_pod *pod);
/* Whether the host side exists. */
bool cni_link_exists(const struct cni_pod *pod);
/* 0 when the host veth exists, and (netns not NULL) the pod side carries
 * the address; else the CHECK error already printed. */
int cni_link_check(const struct cni_env *env, const struct cni_pod *pod);
/* MAC of the pod's interface (from inside netns) into mac. */
int cni_link_mac(const struct cni_env *env, char mac[18]);

/* api.c: podswitch's REST API. */
int cni_port_add(const struct cni_conf *c, const struct cni_pod *pod);
/* 0 when deleted or absent; else the error printed. */
int cni_port_del(const struct cni_conf *c, const struct cni_pod *pod);
int cni_port_check(const struct cni_conf *c, const struct cni_pod *pod);

/* cmd_*.c */
int cni_cmd_add(const struct cni_env *env, struct cni_conf *c);
int cni_cmd_del(const struct cni_env *env, struct cni_conf *c);
int cni_cmd_check(const struct cni_env *env, struct cni_conf *c);

#endif
