#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The L2 scenarios of perf/rig.sh (l2, the loop, and flowgen, io-forward against the
# l2-bridge), as this script ran them before the rig grew an L3 scenario.
# Same options as perf/rig.sh (see perf/rig.sh -h); a -t given here wins.
exec "$(dirname "$0")/rig.sh" -t l2,flowgen "$@"
