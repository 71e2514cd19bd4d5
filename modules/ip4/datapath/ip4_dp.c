/* SPDX-License-Identifier: BSD-3-Clause */
#include "ip4_dp.h"

struct ps_ip4_dp ps_ip4_dp;
