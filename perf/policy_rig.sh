#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# policy_rig.sh: what the policy stage costs on the rig (perf/README.md,
# "policy_rig.sh"): the L3 and service scenarios of perf/rig.sh and
# perf/svc_rig.sh with POLICIES NetworkPolicies over POLICIES pods loaded
# (perf/policy_gen.py) in one more podswitch DUT, the senders pods that
# the policies select, next to the same DUT without them and io-forward,
# in the same run:
#
#   l3       io-forward, l3-100k, l3-1route (no policy), l3-1route+pol:
#            in the last, flowgen's source 10.254.0.0 is a local pod (pod
#            CIDR 10.254.0.0/16) that bench/allow-src lets send UDP to
#            10.253.0.0/16, one in ten of the other policies selecting it
#            too; 1024 flows, established after the warm-up: the window
#            gives the established cost;
#   service  io-forward, svc, svc+pol: 1M UDP flows from 20 local client
#            pods to a ClusterIP, DNAT to 10 pods of another node that the
#            clients' egress policy allows (UDP 5353, by namespace and pod
#            selector); the fill (every frame a first packet: policy
#            classification, its conntrack entry) gives the first-packet
#            cost, the window (1M established flows) the established one.
#
# Prints, from the graph's per-node cycles (GET /v1/stats): the policy
# node's cycles per packet for first packets (service fill) and
# established packets (l3 and service windows), each DUT's ratio to
# io-forward with and without the policies, the loss the policies cause
# (established traffic must lose less than 5%), and the foreign CPU share
# of each case (other processes on the rig's two CPUs: figures taken on
# a loaded machine are indicative only).
#
# usage: perf/policy_rig.sh [-n POLICIES] [-f FLOWS] [-d S] [-w S] [-r R]
#                           [-q S] [-t l3,service] [-h]
#   -n  policies and pods (default 1000)
#   -f  service flows (default 1000000)
#   -d, -w, -r, -q  window, warm-up, rounds, quiet wait (rig.sh's)
#   -t  scenarios (default l3,service)
#   -P  prefixes of rig.sh's big L3 table (its default: 100000)
# env: as rig.sh (PODSWITCH, TESTPMD, GEN_CPU, DUT_CPU); OVS is left out
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
N=1000
FLOWS=1000000
TRAFFIC=l3,service
args=()
l3args=()
while getopts "n:f:d:w:r:q:t:P:h" o; do
	case $o in
	n) N=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	d | w | r | q) args+=("-$o" "$OPTARG") ;;
	P) l3args+=(-P "$OPTARG") ;;
	t) TRAFFIC=$OPTARG ;;
	h) sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 1 ]] || { echo "policy_rig: -n: a count" >&2; exit 2; }
out=$(mktemp -d /tmp/pspolrig.XXXXXX)
echo "policy_rig: $N policies over $N pods; logs in $out" >&2

# run NAME CMD...: one rig, its stderr kept, its work dir found
run() {
	local name=$1
	shift
	POLICIES=$N OVS=0 "$@" 2>&1 | tee "$out/$name.log" || true
	sed -n 's/^work dir kept: //p' "$out/$name.log" | tail -n 1 >"$out/$name.work"
}
case ",$TRAFFIC," in *,l3,*)
	run l3 "$top/perf/rig.sh" -t l3 -N 1 -k "${args[@]}" "${l3args[@]}" --json "$out/l3.json" ;;
esac
case ",$TRAFFIC," in *,service,*)
	run svc "$top/perf/svc_rig.sh" -f "$FLOWS" -k "${args[@]}" --json "$out/svc.json" ;;
esac

echo
echo "=== the policy stage: $N NetworkPolicies over $N pods ==="
python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]

def lines(f):
    try:
        return [json.loads(l) for l in open(f) if l.strip()]
    except OSError:
        return []

def work(name):
    try:
        return open(os.path.join(out, name + ".work")).read().strip()
    except OSError:
        return ""

def node_cpp(f, first, last):
    """cycles/packet of the policy nodes between two snapshots of
    dut.calls ("snap node packets calls cycles")."""
    p, c = {}, {}
    try:
        rows = [l.split() for l in open(f)]
    except OSError:
        return {}
    for r in rows:
        if r[0] not in (first, last) or not r[1].startswith("policy"):
            continue
        s = -1 if r[0] == first else 1
        p[r[1]] = p.get(r[1], 0) + s * int(r[2])
        c[r[1]] = c.get(r[1], 0) + s * int(r[4])
    return {k: (p[k], c[k] / p[k]) for k in p if p[k] > 0}

def last_snap(f):
    try:
        return str(max(int(l.split()[0]) for l in open(f)
                       if l.split()[0].isdigit()))
    except (OSError, ValueError):
        return None

def show(label, d):
    if not d:
        print("  %-44s no packet through a policy node" % label)
    for k, (pk, cpp) in sorted(d.items()):
        print("  %-44s %-10s %12d packets %8.1f cycles/packet" %
              (label, k, pk, cpp))

rows = {}
for f in ("l3.json", "svc.json"):
    for j in lines(os.path.join(out, f)):
        rows[(j["scenario"], j["dut"])] = j

print("ratios to io-forward (same run):")
fmt = "  %-8s %-26s %7s %9s %9s %9s"
print(fmt % ("", "dut", "Mpps", "ratio_io", "cyc_ratio", "foreign%"))
for (sc, dut), j in sorted(rows.items()):
    print(fmt % (sc, dut, j.get("mpps"), j.get("ratio_io"),
                 j.get("cyc_ratio"), j.get("foreign_pct")))
for sc, base, pol in (("l3", "podswitch-small", "podswitch-small+policies"),
                      ("service", "podswitch", "podswitch+policies")):
    a, b = rows.get((sc, base)), rows.get((sc, pol))
    if not a or not b:
        continue
    for key in ("ratio_io", "cyc_ratio"):
        if a.get(key) and b.get(key):
            loss = 100.0 * (1 - b[key] / a[key])
            print("  %s: %s with the policies %.3f, without %.3f: %+.1f%% "
                  "(%s 5%%)" % (sc, key, b[key], a[key], -loss,
                                "under" if loss < 5 else "NOT under"))

print("policy nodes, from the graph's per-node cycles:")
w = work("l3")
for f in sorted(glob.glob(os.path.join(w, "l3-l3p-*", "dut.calls"))):
    n = last_snap(f)
    show("l3, window (established)", node_cpp(f, "1", n))
w = work("svc")
for f in sorted(glob.glob(os.path.join(w, "svcp-*", "dut.calls"))):
    show("service, fill (first packets)", node_cpp(f, "-1", "0"))
    show("service, window (established)", node_cpp(f, "1", last_snap(f)))
for f in sorted(glob.glob(os.path.join(w, "svcp-*", "policies.stats"))):
    p = json.load(open(f)).get("policy", {})
    print("  compile (GET /v1/stats policy block after the load): " +
          ", ".join("%s %s" % (k, v) for k, v in p.items()
                    if not isinstance(v, (dict, list))))
PY
