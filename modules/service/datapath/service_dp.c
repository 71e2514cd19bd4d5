/* SPDX-License-Identifier: BSD-3-Clause */
#include "service_dp.h"

struct ps_svc_dp ps_svc_dp;
