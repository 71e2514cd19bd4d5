/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_CAPTURE_REST_H
#define PS_CAPTURE_REST_H

#include <jansson.h>

#include <podswitch/errors.h>

#include "capture_private.h"

/* Read a POST /v1/captures body into rq: 0, or -EINVAL with every
 * problem in errs by JSON path. */
int cap_request_parse(const json_t *body, struct cap_request *rq,
		      struct ps_errors *errs);

#endif
