/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_log.h>

#include "node_private.h"

RTE_LOG_REGISTER(ps_logtype_graph, podswitch.graph, INFO);

struct ps_graph_env ps_genv;
struct ps_clone_info ps_clone_info[PS_MAX_NODES];
