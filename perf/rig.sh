#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# podswitch benchmark rig: packets per second through podswitch (L2 pod
# bridge, L3 router) compared with testpmd io-forward, in the same run, on
# the same vhost-user plumbing.
#
#   generator/sink : one dpdk-testpmd, two net_virtio_user ports (server=1,
#                    queue_size=1024), main and forwarding lcore on CPU 0
#   device under test, alone on CPU 1 (its main thread on CPU 0):
#     io-forward   : a second dpdk-testpmd, two net_vhost ports (client=1),
#                    --forward-mode=io
#     l2-bridge    : podswitch, two vhost-user pod ports (client=1), one
#                    worker on CPU 1, idle_sleep_max_us 0 (pure busy poll)
#     l3-100k      : podswitch as a router: the same two vhost-user ports
#                    (v0 pod, v1 uplink), node MAC = flowgen's destination
#                    MAC, 100,000 generated prefixes plus the 2 routes that
#                    split flowgen's destinations between a next hop behind
#                    v0 and one behind v1 (permanent neighbors: the
#                    generator's ports)
#     l3-2routes   : the same router with only those 2 routes (same table
#                    size); with -N 1, l3-1route: one route, one next hop,
#                    everything out of v1
#     vxlan-encap  : podswitch in overlay mode: v0 a pod port, v1 the
#                    uplink; flowgen's destinations are 2 VXLAN routes
#                    (remote VTEPs 192.168.60.1 and .2, permanent
#                    neighbors: the generator's port 1 and port 0), so every
#                    frame leaves encapsulated (64 -> 114 bytes), half out of
#                    each port
#     vxlan-decap  : the same node, v0 the uplink: the generator sends
#                    VXLAN (VNI 1, 1024 inner flows, 114-byte frames) to the
#                    node IP on v0; podswitch decapsulates and routes the
#                    inner frame out of the pod port v1
#
# Traffic (see perf/README.md for why); -t names, old names in brackets:
#   l2 [loop] (primary L2) generator in io mode started with "start
#                       tx_first N": N bursts per port of 64-byte frames,
#                       port 0 sends A->B and port 1 sends B->A, and the
#                       generator sends back unchanged whatever it
#                       receives. Both directions are real bridge
#                       forwarding (A is the pod MAC of v0, B that of v1).
#                       The DUT (vhost side) does the copies and is the
#                       bottleneck: dut_busy ~97% against gen_busy 40-70%
#                       (both printed). DUTs: io-forward, l2-bridge, ovs
#                       (NORMAL, learned MACs).
#   flowgen (secondary L2, not in the default run) generator in flowgen
#                       mode, open loop, as fast as it can; testpmd 22.11
#                       sends 00:01:02:03:04:00 -> 00:01:02:03:04:01 from
#                       both ports, so the bridge forwards v0->v1 and drops
#                       what enters v1 (l2_fdb same_port). DUTs:
#                       io-forward, l2-bridge.
#   l3                  the same flowgen traffic (IPv4/UDP 10.254.0.0 ->
#                       10.253.0.0 + flow, 1024 flows, TTL 64), routed: the
#                       frames are addressed to the router's MAC and every
#                       one, from either port, is routed (TTL decremented,
#                       MACs rewritten): flows 0-511 out of v0, 512-1023 out
#                       of v1, so that, as with io-forward, each generator
#                       port sinks half of the frames (with -N 1 all go out
#                       of v1 and the generator's single rx poll of port 1
#                       per loop caps the rate). A loop cannot be used: each
#                       pass through a router costs a TTL. DUTs: io-forward,
#                       l3-100k, l3-2routes, ovs (an OpenFlow router with
#                       the same routes and prefixes as flows).
#   encap               flowgen as for l3; DUTs: io-forward, vxlan-encap.
#   decap               the generator replays a pcap of VXLAN frames
#                       (net_pcap infinite_rx) into v0 and sinks what comes
#                       back on v1 (net_null); ports chained pcap -> v0,
#                       v1 -> null. io-forward forwards the same frames
#                       v0 -> v1 untouched; vxlan-decap delivers them
#                       decapsulated (64 bytes). DUTs: io-forward,
#                       vxlan-decap.
#   service [svc]       perf/svc_rig.sh, run after the others with this
#                       run's -d -w -r -q -k and -f: FLOWS established UDP
#                       connections to a ClusterIP with 10 endpoints. DUTs:
#                       io-forward, podswitch, ovs (ct(nat) + select group).
#
# The ovs DUT (perf/ovs.sh) is Open vSwitch with DPDK: one PMD thread
# alone on the DUT's CPU, its other threads on the generator's; left out,
# with a note, when ovs-vswitchd with DPDK is not installed.
#
# Each case: start the generator, then the DUT, warm up, then read the
# counters (generator and DUT ports, CPU time) once a second for the measured
# window, stop everything. The rate of a case is the counter difference over
# the whole window; the one-second samples give the best second and the mean
# of the seconds in which no other process took CPU time from the rig
# ("clean"), which matter on a shared machine. The busy share of the
# forwarding cores (testpmd --record-core-cycles; podswitch: empty graph
# walks times the empty-walk time calibrated before traffic; OVS: its PMD
# statistics) tells which side was the bottleneck and gives the DUTs'
# cycles per frame.
#
# usage: perf/rig.sh [-d SECONDS] [-w SECONDS] [-t l2,l3,encap,decap,service]
#                    [-n BURSTS] [-P PREFIXES] [-N 1|2] [-f FLOWS] [-r ROUNDS]
#                    [-q SECONDS] [-S SERVICES] [-p] [-k] [-h] [--json FILE]
#   -d  measured window per case (default 10)
#   -w  warm-up before the window (default 3)
#   -t  scenarios (traffic types) to run, in order (default: all of
#       l2,l3,encap,decap,service; also flowgen; loop = l2, svc = service;
#       perf/l2_rig.sh = -t l2,flowgen); service always runs last
#   -n  bursts of 32 per port injected by tx_first in the loop (default 16)
#   -P  prefixes in the big L3 routing table (default 100000)
#   -N  L3 next hops for flowgen's destinations: 2 (default; half out of
#       each port) or 1 (everything out of v1)
#   -f  service: concurrent flows (default 1000000; svc_rig.sh -f)
#   -S  l3, encap, decap: program SERVICES ClusterIP services of 10
#       endpoints each (perf/svc_gen.py list; service CIDR 10.96.0.0/12,
#       cluster CIDR 10.244.0.0/16) into every podswitch DUT before its
#       traffic; the traffic is none of theirs (what transit pays for the
#       service stage). Default 0: none, and no service or cluster CIDR
#   -p  profile: perf record of the DUT process during the window of each
#       case (first round), print its worker's time by library and its
#       hottest symbols (needs perf)
#   -r  rounds: run each scenario's DUTs (io-forward, podswitch, ovs) this
#       many times, alternating, and print the medians too (default 1)
#   -q  wait up to SECONDS before each case for the two CPUs to be quiet
#       (others using < 10% of a CPU over a second); default 0 = don't wait
#   -k  keep the logs (printed path); otherwise they are removed (they are
#       kept anyway when a case fails)
#   --json FILE  one JSON object a line per scenario and DUT (io-forward,
#       podswitch, ovs), medians over the rounds: {"scenario", "dut",
#       "mpps", "ratio_io", "cyc_ratio", "foreign_pct"} (l3: podswitch is
#       the 100k-prefix router)
# env:  PODSWITCH (binary, default build/app/podswitch), TESTPMD
#       (default dpdk-testpmd), GEN_CPU (0), DUT_CPU (1), OVS=0 (leave
#       OVS out), POLICIES=N (l3: one more DUT, l3p, the small router with
#       N NetworkPolicies over N pods loaded and flowgen's source one of
#       the pods they select; service: svc_rig.sh's svcp; see
#       perf/policy_rig.sh), PODSWITCH_BASE (another podswitch binary,
#       e.g. main's: l3, encap and decap get its DUTs too, "main:" before
#       their names, right after podswitch's, so both are measured in the
#       same run)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
PODSWITCH=${PODSWITCH:-$top/build/app/podswitch}
PODSWITCH_OWN=$PODSWITCH
PODSWITCH_BASE=${PODSWITCH_BASE:-}
[ -z "$PODSWITCH_BASE" ] || [ -x "$PODSWITCH_BASE" ] || { echo "rig: no podswitch binary at PODSWITCH_BASE=$PODSWITCH_BASE" >&2; exit 1; }
TESTPMD=${TESTPMD:-dpdk-testpmd}
GEN_CPU=${GEN_CPU:-0}
DUT_CPU=${DUT_CPU:-1}
DURATION=10
WARMUP=3
TRAFFIC=l2,l3,encap,decap,service
SERVICES=0
FLOWS=1000000
JSON=""
BURSTS=16
PREFIXES=100000
L3_NH=2
POLICIES=${POLICIES:-0}
PROFILE=0
KEEP=0
QUIET_WAIT=0
ROUNDS=1

# Frame addresses of the loop traffic: A is behind v0, B behind v1.
MAC_A=02:00:00:00:0a:01
MAC_B=02:00:00:00:0b:01
# What testpmd 22.11 flowgen sends, whatever --eth-peer says (its source
# MAC, 00:01:02:03:04:00, is learned where it matters).
FG_DST=00:01:02:03:04:01
# flowgen's destinations: 10.253.0.0 + flow index, 1024 flows by default
# (10.253.0.0-10.253.3.255). The L3 DUTs route the whole /16 via L3_GW1 (a
# /24 would cover only a quarter of them) and, with 2 next hops, its first
# /23 (flows 0-511) via L3_GW0.
FG_DST_NET=10.253.0.0/16
FG_DST_HALF=10.253.0.0/23
# L3 next hops, permanent neighbors: L3_GW1 on the uplink v1 (in the node
# subnet 192.168.60.0/24), MAC of the generator's port 1; L3_GW0 on the pod
# port v0 (in the pod CIDR), MAC of the generator's port 0. Every generated
# prefix goes via L3_GW1.
L3_GW1=192.168.60.1
L3_GW0=10.244.0.254
MBUFS=32768
# VXLAN scenarios: the remote VTEPs (on the uplink subnet) and their VTEP
# MAC, the VNI; the generator's VXLAN frames come from VX_REMOTE1.
VX_REMOTE1=192.168.60.1
VX_REMOTE0=192.168.60.2
VX_VTEP_MAC=0e:00:00:00:00:01
VX_VNI=1
# generator ports: 2, or 4 for decap (pcap, v0, v1, null)
GEN_NPORTS=2

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$top/perf/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ovs.sh
. "$top/perf/ovs.sh"

# --json FILE (getopts has no long options)
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--json) [ $# -ge 2 ] || { usage >&2; exit 2; }; JSON=$2; shift 2 ;;
	--json=*) JSON=${1#--json=}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- "${args[@]}"

while getopts "d:w:t:n:P:N:f:r:q:S:pkh" o; do
	case $o in
	d) DURATION=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	t) TRAFFIC=$OPTARG ;;
	n) BURSTS=$OPTARG ;;
	P) PREFIXES=$OPTARG ;;
	N) L3_NH=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	S) SERVICES=$OPTARG ;;
	q) QUIET_WAIT=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	p) PROFILE=1 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }

IFS=, read -r -a given <<<"$TRAFFIC"
traffics=()
SERVICE=0
for tr in "${given[@]}"; do
	case $tr in
	l2|loop) traffics+=(l2) ;;
	flowgen|l3|encap|decap) traffics+=("$tr") ;;
	service|svc) SERVICE=1 ;;
	*) die "unknown scenario '$tr' (l2, l3, encap, decap, service, flowgen)" ;;
	esac
done
TRAFFIC=$(IFS=,; echo "${traffics[*]}")
# the service scenario is svc_rig.sh with this run's options
svc_args=(-f "$FLOWS" -d "$DURATION" -w "$WARMUP" -r "$ROUNDS" -q "$QUIET_WAIT")
[ "$KEEP" = 1 ] && svc_args+=(-k)
if [ ${#traffics[@]} -eq 0 ]; then
	[ -n "$JSON" ] && svc_args+=(--json "$JSON")
	exec "$top/perf/svc_rig.sh" "${svc_args[@]}"
fi
[ -z "$JSON" ] || : >"$JSON" || die "--json: cannot write $JSON"
if ! [[ "$PREFIXES" =~ ^[0-9]+$ ]] || [ "$PREFIXES" -lt 1 ] || [ "$PREFIXES" -gt 1000000 ]; then
	die "-P: 1..1000000 prefixes"
fi
if ! [[ "$SERVICES" =~ ^[0-9]+$ ]] || [ "$SERVICES" -gt 16384 ]; then
	die "-S: 0..16384 services (the DUT's tables.services)"
fi
# the node's service and cluster CIDRs, when services are programmed
SVC_NODE=""
[ "$SERVICES" -gt 0 ] && SVC_NODE=', "service_cidr": "10.96.0.0/12", "cluster_cidr": "10.244.0.0/16"'
# tables.routes of both L3 DUTs: room for the prefixes, the flowgen routes
# and the connected ones
ROUTES_TABLE=$((PREFIXES + 64 > 131072 ? PREFIXES + 64 : 131072))
if [ $((PREFIXES % 1000)) = 0 ]; then L3_BIG=l3-$((PREFIXES / 1000))k; else L3_BIG=l3-$PREFIXES; fi
case $L3_NH in
1) L3_SMALL=l3-1route ;;
2) L3_SMALL=l3-2routes ;;
*) die "-N: 1 or 2" ;;
esac

rig_checks
free_pages=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
page_kb=$(awk '/Hugepagesize/ { print $2 }' /proc/meminfo)
# two DPDK processes: the generator ~150 MB, a DUT ~150 MB, the L3
# podswitch ~200 MB (rte_lpm at 131072 routes: 64 MiB tbl24 + 64 MiB of
# tbl8 groups)
need_pages=$((400 * 1024 / page_kb))
[[ ",$TRAFFIC," = *,l3,* ]] && need_pages=$(((500 + ROUTES_TABLE / 2048) * 1024 / page_kb))
OVS_ON=0
if [ "${OVS:-1}" != 0 ]; then
	if ovs_available; then OVS_ON=1; else log "the ovs DUT is left out: $OVS_WHY"; fi
fi
# ovs-vswitchd takes OVS_SOCKET_MEM MB beside the generator's ~150
ovs_pages=$(((150 + OVS_SOCKET_MEM) * 1024 / page_kb))
[ "$OVS_ON" = 1 ] && [ "$ovs_pages" -gt "$need_pages" ] && need_pages=$ovs_pages
[ "$free_pages" -ge "$need_pages" ] ||
	die "only $free_pages free hugepages, need $need_pages"
if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then
	log "perf not found: -p ignored"
	PROFILE=0
fi

perf_init psperf

# burst_idle LOG: from testpmd's --record-burst-stats, the share of rx polls
# of the first port that found nothing (whole run), e.g. "99%"
burst_idle() {
	local v
	v=$(awk '/RX-bursts :/ { for (i = 1; i <= NF; i++)
		if ($(i + 1) == "of" && $(i + 2) == "0") { v = $i; sub(/^\[/, "", v); print v; exit } }' "$1")
	echo "${v:-0%}"
}

# vxlan_pcap FILE: 1024 VXLAN frames (one per inner flow, as flowgen's:
# UDP 10.254.0.0:9 -> 10.253.0.0+i:9, TTL 64, 64-byte inner frame) from
# VX_REMOTE1 to the node IP, UDP source port per flow, checksum 0.
vxlan_pcap() {
	python3 - "$1" "$FG_DST" "$MAC_A" "$VX_REMOTE1" "$VX_VTEP_MAC" "$VX_VNI" <<'PY'
import socket, struct, sys
out, node_mac, src_mac, remote, vtep_mac, vni = sys.argv[1:7]
mac = lambda s: bytes(int(x, 16) for x in s.split(':'))
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip4(src, dst, proto, payload, ttl=64, df=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, df, ttl,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(1024):
        dst = socket.inet_ntoa(struct.pack('!I', (10 << 24 | 253 << 16) + i))
        udp = struct.pack('!HHHH', 9, 9, 8 + 18, 0) + bytes(18)
        inner = mac(node_mac) + mac(vtep_mac) + b'\x08\x00' + ip4('10.254.0.0', dst, 17, udp)
        vx = struct.pack('!II', 0x08000000, int(vni) << 8) + inner
        outer_udp = struct.pack('!HHHH', 49152 + i * 13 % 16384, 4789, 8 + len(vx), 0) + vx
        frame = mac(node_mac) + mac(src_mac) + b'\x08\x00' + \
            ip4(remote, '192.168.60.10', 17, outer_udp, df=0x4000)
        f.write(struct.pack('<IIII', 0, 0, len(frame), len(frame)) + frame)
PY
}

# start_generator TRAFFIC DIR: the generator for a scenario (see above).
start_generator() {
	local traffic=$1 dir=$2 mode=flowgen args=() pre_vdevs="" post_vdevs=""
	if [ "$traffic" = l2 ]; then
		mode=io
		args=("--eth-peer=0,$MAC_B" "--eth-peer=1,$MAC_A")
	elif [ "$traffic" = decap ]; then
		mode=io
		[ -s "$WORK/vxlan.pcap" ] || vxlan_pcap "$WORK/vxlan.pcap"
		pre_vdevs="--vdev net_pcap0,rx_pcap=$WORK/vxlan.pcap,infinite_rx=1"
		post_vdevs="--vdev net_null0,no-rx=1"
		args=(--port-topology=chained)
	fi
	gen_start "$dir" 60 "$pre_vdevs" "$post_vdevs" --forward-mode=$mode \
		--total-num-mbufs=$MBUFS "${args[@]}"
}

# The podswitch DUTs: their configurations end with ps_dut_json (the
# io-forward DUT's placement).
# No "pod" on the ports: testpmd sends 198.18.0.1 -> 198.18.0.2 from both
# of its ports, which a declared pod's anti-spoofing guard would drop
# (policy.drop.spoofed); the bridge learns the generator's two MACs.
start_l2_dut() {	# traffic dir
	local dir=$2
	cat >"$dir/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1" },
  "ports": [
    { "name": "v0", "role": "pod", "driver": "vhost-user",
      "args": { "path": "$dir/p0.sock", "client": 1 } },
    { "name": "v1", "role": "pod", "driver": "vhost-user",
      "args": { "path": "$dir/p1.sock", "client": 1 } }
  ],
$(ps_dut_json "$dir")
}
EOF
	start_ps_dut "$dir" 20
}

# l3_routes FILE N: the "routes" entries (JSON, one a line, no trailing
# comma) of N distinct prefixes, all via L3_GW1 on v1, generated
# deterministically: about 85% /24, the rest /16../23 in equal shares, spread
# over 11.0.0.0-126.255.255.255 (the /24 of the i-th prefix is number
# i * 1000003 mod 116*65536 from 11.0.0.0/24: a permutation, since 1000003 is
# prime to 2^18 * 29; shorter prefixes are that /24 masked, and a prefix
# already produced is skipped). None of them covers flowgen's destinations,
# 10.253.0.0/16, nor the node's own addresses and subnets.
l3_routes() {
	awk -v n="$2" -v gw="$L3_GW1" 'BEGIN {
		N = 116 * 65536; P = 1000003; got = 0
		for (i = 0; got < n; i++) {
			k = (i * P) % N
			len = (i % 20 < 17) ? 24 : 16 + int(i / 20) % 8
			a = 11 + int(k / 65536); b = int(k / 256) % 256; c = k % 256
			m = 2 ^ (24 - len); c = int(c / m) * m
			key = a "." b "." c ".0/" len
			if (key in seen) continue
			seen[key] = 1; got++
			printf "    { \"dst\": \"%s\", \"gateway\": \"%s\", \"dev\": \"v1\" },\n", key, gw
		}
	}' >"$1"
}

# start_l3_dut DUT DIR: podswitch as a router (DUT l3 = with the PREFIXES
# routes, l3s = without them). flowgen's frames, from both ports, are
# addressed to the node MAC. The routes to flowgen's destinations go via
# L3_GW1 behind v1 and (2 next hops) via L3_GW0 behind v0, permanent
# neighbors with the MACs of the generator's ports: every frame is routed,
# out of v0 or v1 whatever port it came in on (a router may send back out
# of the ingress interface). v0 is a pod port, v1 the uplink (the node
# subnet 192.168.60.0/24 is connected there); the pod CIDR 10.244.0.0/24
# holds only L3_GW0. The generated prefixes all go via L3_GW1 and none
# covers flowgen's destinations: they cost memory and start-up time, and
# lookups only if the LPM's cost depends on what else it holds.
start_l3_dut() {
	local dut=$1 dir=$2 routes=$WORK/routes-$PREFIXES.json t=20
	local half="" nb0="" cidr=10.244.0.0/24 gw=10.244.0.1
	if [ "$dut" = l3 ]; then
		[ -s "$routes" ] || l3_routes "$routes" "$PREFIXES"
		# rte_lpm adds are slow with many rules (3.5-7.5 s for 100k here)
		t=$((20 + PREFIXES / 2500))
	fi
	# l3p: flowgen's source, 10.254.0.0, is a local pod that policies
	# select (a pod is local when its address is in the pod CIDR)
	[ "$dut" = l3p ] && cidr=10.254.0.0/16 gw=10.254.0.1
	if [ "$L3_NH" = 2 ]; then
		half="    { \"dst\": \"$FG_DST_HALF\", \"gateway\": \"$L3_GW0\", \"dev\": \"v0\" },"
		nb0="{ \"ip\": \"$L3_GW0\", \"mac\": \"$MAC_A\", \"dev\": \"v0\" },
                 "
	fi
	{
		cat <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "$FG_DST",
            "pod_cidr": "$cidr", "gateway_ip": "$gw"$SVC_NODE },
  "ports": [
    { "name": "v0", "role": "pod", "driver": "vhost-user",
      "args": { "path": "$dir/p0.sock", "client": 1 } },
    { "name": "v1", "role": "uplink", "driver": "vhost-user",
      "args": { "path": "$dir/p1.sock", "client": 1 } }
  ],
  "routes": [
EOF
		if [ "$dut" = l3 ]; then cat "$routes"; fi
		if [ -n "$half" ]; then echo "$half"; fi
		cat <<EOF
    { "dst": "$FG_DST_NET", "gateway": "$L3_GW1", "dev": "v1" }
  ],
  "neighbors": [ $nb0{ "ip": "$L3_GW1", "mac": "$MAC_B", "dev": "v1" } ],
  "tables": { "routes": $ROUTES_TABLE },
$(ps_dut_json "$dir")
}
EOF
	} >"$dir/podswitch.json"
	T_DUT0=$(now)
	start_ps_dut "$dir" "$t"
	R_STARTUP=$(awk -v a="$T_DUT0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	program_services
	# the sender may reach flowgen's destinations, UDP, any port
	[ "$dut" = l3p ] && policy_load "$dir" --senders 10.254.0.0 \
		--allow-to "$FG_DST_NET" --proto UDP
	return 0
}

# start_vx_dut DUT DIR: podswitch in overlay mode. vxe: v0 pod, v1
# uplink, flowgen's destinations routed into VXLAN tunnels to
# VX_REMOTE1 (neighbor behind v1) and, for the first /23, VX_REMOTE0
# (neighbor behind v0: a permanent entry may name any port). vxd: v0 the
# uplink receiving VXLAN, the inner destinations routed via L3_GW0, a
# neighbor behind the pod port v1.
start_vx_dut() {
	local dut=$1 dir=$2 r0=pod r1=uplink routes neigh
	if [ "$dut" = vxe ]; then
		routes="    { \"dst\": \"$FG_DST_HALF\", \"encap\": { \"type\": \"vxlan\", \"vni\": $VX_VNI, \"remote\": \"$VX_REMOTE0\", \"mac\": \"$VX_VTEP_MAC\" } },
    { \"dst\": \"$FG_DST_NET\", \"encap\": { \"type\": \"vxlan\", \"vni\": $VX_VNI, \"remote\": \"$VX_REMOTE1\", \"mac\": \"$VX_VTEP_MAC\" } }"
		neigh="{ \"ip\": \"$VX_REMOTE0\", \"mac\": \"$MAC_A\", \"dev\": \"v0\" },
                 { \"ip\": \"$VX_REMOTE1\", \"mac\": \"$MAC_B\", \"dev\": \"v1\" }"
	else
		r0=uplink r1=pod
		routes="    { \"dst\": \"$FG_DST_NET\", \"gateway\": \"$L3_GW0\", \"dev\": \"v1\" },
    { \"dst\": \"10.244.9.0/24\", \"encap\": { \"type\": \"vxlan\", \"vni\": $VX_VNI, \"remote\": \"$VX_REMOTE1\", \"mac\": \"$VX_VTEP_MAC\" } }"
		neigh="{ \"ip\": \"$L3_GW0\", \"mac\": \"$MAC_B\", \"dev\": \"v1\" }"
	fi
	cat >"$dir/podswitch.json" <<EOF
{
  "node": { "name": "$TAG", "ip": "192.168.60.10/24", "mac": "$FG_DST",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1"$SVC_NODE },
  "overlay": { "mode": "vxlan", "vni": $VX_VNI, "udp_port": 4789 },
  "ports": [
    { "name": "v0", "role": "$r0", "driver": "vhost-user",
      "args": { "path": "$dir/p0.sock", "client": 1 } },
    { "name": "v1", "role": "$r1", "driver": "vhost-user",
      "args": { "path": "$dir/p1.sock", "client": 1 } }
  ],
  "routes": [
$routes
  ],
  "neighbors": [ $neigh ],
$(ps_dut_json "$dir")
}
EOF
	start_ps_dut "$dir" 20
	program_services
}

# program_services: -S SERVICES ClusterIP services of 10 endpoints each
# into the podswitch DUT just started (API), through POST /v1/apply
program_services() {
	local list=$WORK/services-$SERVICES.json out
	[ "$SERVICES" -gt 0 ] || return 0
	[ -s "$list" ] || python3 "$top/perf/svc_gen.py" list "$list" "$SERVICES" 10
	out=$(CURL_API_TIMEOUT=120 curl_api POST /v1/apply "$list")
	case $out in 200\ *) ;; *) KEEP=1; die "POST /v1/apply of $SERVICES services: $out" ;; esac
}

# start_ovs_dut TRAFFIC DIR: OVS-DPDK (perf/ovs.sh) programmed for the
# scenario: NORMAL for l2, the router for l3 (with the PREFIXES prefixes
# as flows, as the l3-100k podswitch has them as routes)
start_ovs_dut() {
	local routes=$WORK/routes-$PREFIXES.json
	if [ "$1" = l3 ]; then
		[ -s "$routes" ] || l3_routes "$routes" "$PREFIXES"
		T_DUT0=$(now)
		OVS_ROUTES=$routes ovs_start "$2" l3
		R_STARTUP=$(awk -v a="$T_DUT0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	else
		ovs_start "$2" l2
	fi
}

# dut_snapshot DUT DIR K: the DUT's counters, sample K (of N)
dut_snapshot() {
	case $1 in
	io) echo "show port stats all" >&"$DUT_FD" ;;
	ovs) ovs_snap "$2" "$3" "$([ "$3" = "$4" ] && echo last)" ;;
	*) ps_snap "$2" "$3" ;;
	esac
}

# run_case traffic dut: fills R_* globals
run_case() {
	local traffic=$1 dut=$2 round=$3 dir t0 k c n t_start t_stop mhz perfpid=""
	CASE=$traffic-$dut-$round
	dir=$WORK/$CASE
	API=$dir/api.sock
	GEN_NPORTS=2
	[ "$traffic" = decap ] && GEN_NPORTS=4
	mkdir -p "$dir"
	log "case $traffic / $dut, round $round/$ROUNDS"
	[ "$QUIET_WAIT" -gt 0 ] && wait_quiet "$QUIET_WAIT"
	start_generator "$traffic" "$dir"
	R_STARTUP=-
	# base-X: DUT X run by the PODSWITCH_BASE binary
	PODSWITCH=$PODSWITCH_OWN
	[[ "$dut" == base-* ]] && PODSWITCH=$PODSWITCH_BASE
	case ${dut#base-} in
	io) start_io_dut "$dir" 20 ;;
	ovs) start_ovs_dut "$traffic" "$dir" ;;
	l2) start_l2_dut "$traffic" "$dir" ;;
	vxe|vxd) start_vx_dut "${dut#base-}" "$dir" ;;
	*) start_l3_dut "${dut#base-}" "$dir" ;;
	esac
	# the generator's prompt comes once both sockets are up and its
	# ports are started
	wait_for "$dir/gen.log" "testpmd>" 30 "$GEN_PID"
	sleep 1
	if [ "$dut" != io ] && [ "$dut" != ovs ]; then
		# calibration, no traffic yet: how long an empty graph walk takes
		calibrate "$dir"
		sleep 0.1
	fi
	t_start=$(now)
	if [ "$traffic" = l2 ]; then
		echo "start tx_first $BURSTS" >&"$GEN_FD"
	else
		echo "start" >&"$GEN_FD"
	fi
	sleep "$WARMUP"
	if [ "$PROFILE" = 1 ] && [ "$round" = 1 ]; then
		# the DUT process only (others may run on its CPU), no call
		# graphs: the PMU may be absent (VMs) and cpu-clock sampling is
		# enough for a flat profile
		perf record -q -F 4999 -p "$DUT_PID" -o "$dir/perf.data" -- \
			sleep "$DURATION" >/dev/null 2>&1 &
		perfpid=$!
		PIDS+=("$perfpid")
	fi
	# one snapshot a second: k time busy ours, then the counters
	: >"$dir/samples"
	t0=$(now)
	for k in $(seq 1 $((DURATION + 1))); do
		[ "$k" -gt 1 ] && sleep_until "$t0" "$k"
		c=$(cpu_snapshot "$GEN_PID" "$DUT_PID")
		echo "$k $(now) $c" >>"$dir/samples"
		echo "show port stats all" >&"$GEN_FD"
		dut_snapshot "$dut" "$dir" "$k" $((DURATION + 1))
	done
	sleep 0.5
	t_stop=$(now)
	echo "stop" >&"$GEN_FD"
	sleep 0.5
	if [ -n "$perfpid" ]; then wait "$perfpid" 2>/dev/null || true; fi
	case $dut in
	io) ;;
	ovs) ovs_stop "$dir" ;;
	# podswitch's counters of the whole run
	*) ps_snap "$dir" end ;;
	esac
	stop_testpmds "$dut"

	n=$((DURATION + 1))
	parse_testpmd "$dir/gen.log" "$GEN_NPORTS" >"$dir/gen.stats"
	case $dut in
	io) parse_testpmd "$dir/dut.log" 2 >"$dir/dut.stats" ;;
	ovs) cp "$dir/ovs.ports" "$dir/dut.stats" ;;
	*) ps_tables "$dir" ;;
	esac
	if [ "$(awk -v n="$n" '$1 == n' "$dir/gen.stats" | wc -l)" -ne "$GEN_NPORTS" ]; then
		KEEP=1
		die "$CASE: generator counters missing (see $dir/gen.log)"
	fi
	if [ "$(awk -v n="$n" '$1 == n' "$dir/dut.stats" | wc -l)" -ne 2 ]; then
		KEEP=1
		log "$CASE: DUT counters missing (see $dir/dut.log)"
	fi
	# "mean best clean nclean"
	if [ "$traffic" = decap ]; then
		# what comes back on v1 (generator port 2); port 1 (v0) for
		# the record: nothing is sent back there
		read -r R_FWD R_BEST R_CLEAN R_NCLEAN < <(rates "$dir" gen.stats 3 2)
		R_FWD0=$R_FWD
		R_FWD1=$(rates "$dir" gen.stats 3 1 | cut -d' ' -f1)
	else
		read -r R_FWD R_BEST R_CLEAN R_NCLEAN < <(rates "$dir" gen.stats 3)
		R_FWD0=$(rates "$dir" gen.stats 3 1 | cut -d' ' -f1)	# v0->v1 arrives on port 1
		R_FWD1=$(rates "$dir" gen.stats 3 0 | cut -d' ' -f1)	# v1->v0
	fi
	R_DUTRX=$(rates "$dir" dut.stats 3 | cut -d' ' -f1)
	R_DUTTX=$(rates "$dir" dut.stats 4 | cut -d' ' -f1)
	# share of the generator's rx polls that found nothing (whole run):
	# near 100% means the generator waits for the DUT, the DUT is the
	# bottleneck; low means the generator is (busy) and the DUT waits
	R_GENIDLE=$(burst_idle "$dir/gen.log")
	# Share of time the forwarding core worked on frames. testpmd
	# (--record-core-cycles) counts the cycles of the polls that got
	# frames: over the whole forwarding time. podswitch: the window minus
	# its empty walks times the duration of an empty walk (calibrated
	# before the traffic started).
	R_GENBUSY=$(busy_cycles "$dir/gen.log" "$t_start" "$t_stop")
	mhz=$(testpmd_mhz "$dir/gen.log")
	if [ "$dut" = io ]; then
		R_DUTIDLE=$(burst_idle "$dir/dut.log")
		R_DUTBUSY=$(busy_cycles "$dir/dut.log" "$t_start" "$t_stop")
		# testpmd's own figure: busy cycles per received frame, whole run
		R_DUTCPP=$(testpmd_cpp "$dir/dut.log")
	elif [ "$dut" = ovs ]; then
		# the PMD thread's own figures over the window: processing
		# cycles (polls that got frames) per frame it received
		R_DUTIDLE=-
		read -r R_DUTBUSY R_DUTCPP _ < <(ovs_figures "$dir")
		{
			echo "ovs ($CASE), PMD thread in the window (dpif-netdev/pmd-stats-show):"
			ovs_summary "$dir"
			[ "$R_STARTUP" = - ] || echo "    start-up with the flows: ${R_STARTUP} s"
		} >"$dir/nodes.txt"
	else
		R_DUTIDLE=$(awk -v n="$n" '
			$2 ~ /^port_rx-/ && !seen[$1]++ { w[$1] = $4 }
			$2 == "eth_input" { c[$1] = $4 }
			END { walks = w[n] - w[1]; if (walks > 0)
				printf "%.0f%%", 100 - 100 * (c[n] - c[1]) / walks; else print "-" }' \
			"$dir/dut.calls")
		R_DUTBUSY=$(dut_busy "$dir" "$n")
		# busy cycles per received frame in the window
		R_DUTCPP=$(dut_cpp "$R_DUTBUSY" "$R_DUTRX" "$mhz")
	fi
	R_DUTCPP=${R_DUTCPP:--}
	R_FOREIGN=$(foreign "$dir")
	if [ "$dut" != io ] && [ "$dut" != ovs ]; then
		window_nodes "$dir/dut.calls" "$n" >"$dir/dut.window"
		{
			echo "podswitch nodes ($CASE, whole run incl. warm-up):"
			printf '  %-24s %14s %12s %12s\n' node packets cycles/pkt cycles/call
			awk '{ printf "  %-24s %14s %12s %12s\n", $1, $2, $3, $4 }' "$dir/dut.nodes"
			echo "  drops:"
			sed 's/^/  /' "$dir/dut.drops"
			sed 's/^/  /' "$dir/dut.fdb"
			awk -v n="$n" '$1 == 1 { a += $5 } $1 == n { b += $5 } END {
				printf "  port tx-dropped in the window: %d\n", b - a }' \
				"$dir/dut.stats"
			# a walk polls every rx queue; eth_input runs when one had frames
			awk -v n="$n" '
				$2 ~ /^port_rx-/ && !seen[$1]++ { w[$1] = $4 }
				$2 == "eth_input" { c[$1] = $4; o[$1] = $3 }
				END {
					walks = w[n] - w[1]; busy = c[n] - c[1]
					if (walks > 0 && busy > 0)
						printf "  in the window: %.1f%% of the worker'"'"'s walks found frames, %.1f frames per such walk (2 ports x burst 32 = 64 max)\n",
							100 * busy / walks, (o[n] - o[1]) / busy
				}' "$dir/dut.calls"
			echo "  nodes in the window (port_rx = all rx queues, empty polls included):"
			printf '    %-24s %14s %12s %14s\n' node packets cycles/pkt "per rx frame"
			awk '{ printf "    %-24s %14s %12s %14s\n", $1, $2, $3, $4 }' "$dir/dut.window"
			if [ "$R_STARTUP" != - ]; then
				echo "  start-up (process start to \"running\"): ${R_STARTUP} s"
				{ grep -E '^dataplane: route|table full' "$dir/dut.log" || true; } |
					head -5 | sed 's/^/  /'
			fi
		} >"$dir/nodes.txt"
	fi
	if awk -v r="$R_FWD" 'BEGIN { exit !(r == 0) }'; then
		KEEP=1
		log "$CASE: nothing came back to the generator (see $dir)"
	fi
	if [ -f "$dir/perf.data" ]; then
		{
			echo "  worker thread by library:"
			perf report -i "$dir/perf.data" --comms rte-worker-1 \
				--no-children --sort dso -g none --stdio 2>/dev/null |
				grep -E '^ +[0-9]' | head -12
			echo "  worker thread, top symbols:"
			perf report -i "$dir/perf.data" --comms rte-worker-1 \
				--no-children --sort dso,sym -g none --stdio 2>/dev/null |
				grep -E '^ +[0-9]' | head -25
		} >"$dir/perf.txt" || true
	fi
	log "  generator rx $R_FWD Mpps (best second $R_BEST, clean seconds $R_CLEAN x$R_NCLEAN), DUT rx $R_DUTRX tx $R_DUTTX Mpps, foreign CPU ${R_FOREIGN}%, busy: generator $R_GENBUSY DUT $R_DUTBUSY, DUT cycles/frame $R_DUTCPP, empty polls: generator $R_GENIDLE DUT $R_DUTIDLE"
}

# duts_for TRAFFIC: the DUTs of a scenario, the baseline first, OVS last
duts_for() {
	local ovs="" pol="" b3="" be="" bd=""
	[ "$OVS_ON" = 1 ] && ovs=" ovs"
	[ "$POLICIES" -gt 0 ] && pol=" l3p"
	[ -n "$PODSWITCH_BASE" ] && b3=" base-l3" be=" base-vxe" bd=" base-vxd"
	case $1 in
	l3) echo "io l3$b3 l3s${pol}$ovs" ;;
	encap) echo "io vxe$be" ;;
	decap) echo "io vxd$bd" ;;
	flowgen) echo "io l2" ;;
	*) echo "io l2$ovs" ;;
	esac
}

# Results, one line per case:
# traffic dut fwd best clean nclean fwd0 fwd1 dutrx duttx foreign genbusy round dutbusy dutcpp startup
RESULTS=$WORK/results
: >"$RESULTS"
log "rig $TAG: window ${DURATION}s after ${WARMUP}s warm-up; generator on CPU $GEN_CPU, DUT on CPU $DUT_CPU; scenarios $TRAFFIC"
[ "$SERVICES" -gt 0 ] && log "podswitch DUTs of l3, encap, decap: $SERVICES ClusterIP services x 10 endpoints programmed"
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for tr in "${traffics[@]}"; do
	for round in $(seq "$ROUNDS"); do
		for d in $(duts_for "$tr"); do
			run_case "$tr" "$d" "$round"
			echo "$tr $d $R_FWD $R_BEST $R_CLEAN $R_NCLEAN $R_FWD0 $R_FWD1 $R_DUTRX $R_DUTTX $R_FOREIGN $R_GENBUSY $round $R_DUTBUSY $R_DUTCPP $R_STARTUP" >>"$RESULTS"
		done
	done
done

echo
echo "=== podswitch rig: 64-byte frames over vhost-user, DUT alone on CPU $DUT_CPU, ${DURATION}s window ==="
for tr in "${traffics[@]}"; do
	awk -v tr="$tr" -v rounds="$ROUNDS" -v duts="$(duts_for "$tr")" -v big="$L3_BIG" \
		-v small="$L3_SMALL" -v prefixes="$PREFIXES" -v fgnet="$FG_DST_NET" -v nh="$L3_NH" '
	function ratio(x, y) { return (y > 0 && x != "-" && x != "") ? sprintf("%.2f", x / y) : "-" }
	function f2(x) { return (x == "-" || x == "") ? "-" : sprintf("%.2f", x) }
	function label(d) { return d ~ /^base-/ ? "main:" label(substr(d, 6)) : d == "io" ? "io-forward" : d == "l2" ? "l2-bridge" : d == "l3" ? big : d == "l3s" ? small : d == "l3p" ? small "+pol" : d == "vxe" ? "vxlan-encap" : d == "vxd" ? "vxlan-decap" : d == "ovs" ? "ovs-dpdk" : d }
	function median(arr, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) {
				t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t
			}
		return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
	}
	$1 != tr { next }
	{ r[$2, $13] = $0 }
	END {
		nd = split(duts, D, " ")
		if (tr == "l2")
			print "\n[l2: generator io + tx_first, A->B and B->A, both directions bridged] (primary L2)"
		else if (tr == "flowgen")
			print "\n[flowgen: open loop, same MACs from both ports; the bridge forwards v0->v1 only] (secondary L2)"
		else if (tr == "encap")
			print "\n[encap: flowgen from both ports to the node MAC, every frame routed into VXLAN (64 -> 114 bytes), half out of each port]"
		else if (tr == "decap")
			print "\n[decap: VXLAN frames (114 bytes, 1024 inner flows) into v0, decapsulated and routed out of v1 (64 bytes); io-forward passes them unchanged]"
		else
			printf "\n[l3: flowgen from both ports to the router MAC, every frame routed to %s %s; %s = %d more prefixes]\n",
				fgnet, nh == 2 ? "(half out of v0, half out of v1)" : "(all out of v1)", big, prefixes
		hasovs = duts ~ /ovs/
		fmt = "%-15s %6s %12s %12s   %7s %7s   %7s %9s\n"
		if (tr == "l3" || tr == "encap" || tr == "decap")
			printf fmt, "scenario", "Mpps", "ratio_vs_io", "ratio_vs_ovs", "->gen1", "->gen0", "dut_rx", "rx_ratio"
		else
			printf fmt, "scenario", "Mpps", "ratio_vs_io", "ratio_vs_ovs", "v0->v1", "v1->v0", "dut_rx", "rx_ratio"
		for (k = 1; k <= rounds; k++) {
			split(r["io", k], a)
			split(hasovs ? r["ovs", k] : "", o)
			sfx = rounds > 1 ? " #" k : ""
			for (i = 1; i <= nd; i++) {
				d = D[i]; split(r[d, k], b)
				printf fmt, label(d) sfx, f2(b[3]), d == "io" ? "1.00" : ratio(b[3], a[3]),
					hasovs ? ratio(b[3], o[3]) : "-",
					f2(b[7]), f2(b[8]), f2(b[9]), d == "io" ? "1.00" : ratio(b[9], a[9])
				mp[d, k] = b[3]; mr[d, k] = a[3] > 0 ? b[3] / a[3] : 0
				mx[d, k] = a[9] > 0 ? b[9] / a[9] : 0
				mc[d, k] = b[15] > 0 ? a[15] / b[15] : 0
				mo[d, k] = o[3] > 0 ? b[3] / o[3] : 0
				mco[d, k] = b[15] > 0 && o[15] > 0 ? o[15] / b[15] : 0
			}
		}
		if (rounds > 1) {
			printf "median of %d rounds:", rounds
			for (i = 1; i <= nd; i++) {
				d = D[i]
				for (k = 1; k <= rounds; k++) { t1[k] = mp[d, k]; t2[k] = mr[d, k]; t3[k] = mx[d, k]; t4[k] = mc[d, k]; t5[k] = mo[d, k]; t6[k] = mco[d, k] }
				if (d == "io")
					printf " io-forward %.2f Mpps", median(t1, rounds)
				else
					printf "; %s %.2f Mpps, ratio %.2f, rx_ratio %.2f, cycle ratio %.2f%s",
						label(d), median(t1, rounds), median(t2, rounds),
						median(t3, rounds), median(t4, rounds),
						(hasovs && d != "ovs") ? sprintf(", vs ovs %.2f (cycles %.2f)", median(t5, rounds), median(t6, rounds)) : ""
			}
			printf "\n"
		}
		print "  checks:"
		fmt = "  %-15s %6s %5s   %6s %5s   %8s   %8s %8s   %9s %9s %10s\n"
		printf fmt, "", "best1s", "ratio", "clean", "ratio", "foreign%",
			"gen_busy", "dut_busy", "cyc/frame", "cyc_ratio", "cyc_vs_ovs"
		for (k = 1; k <= rounds; k++) {
			split(r["io", k], a)
			split(hasovs ? r["ovs", k] : "", o)
			sfx = rounds > 1 ? " #" k : ""
			for (i = 1; i <= nd; i++) {
				d = D[i]; split(r[d, k], b)
				if (d == "io")
					printf fmt, label(d) sfx, f2(b[4]), "1.00", f2(b[5]),
						(b[5] == "-" ? "-" : "1.00"), b[11], b[12], b[14], b[15], "1.00",
						hasovs ? ratio(o[15], b[15]) : "-"
				else
					printf fmt, label(d) sfx, f2(b[4]), ratio(b[4], a[4]), f2(b[5]),
						ratio(b[5], a[5]), b[11], b[12], b[14], b[15], ratio(a[15], b[15]),
						hasovs ? ratio(o[15], b[15]) : "-"
			}
		}
	}' "$RESULTS"
	# podswitch's nodes in the window, compact
	first=1
	for round in $(seq "$ROUNDS"); do
		for d in $(duts_for "$tr"); do
			f=$WORK/$tr-$d-$round/dut.window
			if [ "$d" = io ] || [ ! -s "$f" ]; then continue; fi
			if [ "$first" = 1 ]; then
				echo "  podswitch nodes in the window, cycles per packet of each node (port_rx: per frame, empty polls included):"
				first=0
			fi
			case ${d#base-} in l2) lb=l2-bridge ;; l3) lb=$L3_BIG ;; l3s) lb=$L3_SMALL ;; l3p) lb=$L3_SMALL+pol ;; vxe) lb=vxlan-encap ;; vxd) lb=vxlan-decap ;; *) lb=$d ;; esac
			[[ "$d" == base-* ]] && lb="main:$lb"
			[ "$ROUNDS" -gt 1 ] && lb="$lb #$round"
			st=$(awk -v tr="$tr" -v d="$d" -v k="$round" '$1 == tr && $2 == d && $13 == k && $16 != "-" { printf "start-up %ss, ", $16 }' "$RESULTS")
			awk -v lb="$lb" -v st="$st" '
				$1 == "total" { tot = $3; next }
				$3 != "-" { s = s sprintf(" %s %.0f", $1, $3) }
				END { printf "  %-13s %sall nodes %.0f per frame:%s\n", lb, st, tot, s }' "$f"
		done
	done
done
cat <<EOF

Mpps: frames the generator got back per second over the window (= forwarded
  by the DUT); ratio_vs_io = podswitch Mpps / io-forward Mpps of the same run.
v0->v1, v1->v0 (->gen1, ->gen0 in l3): forwarded per direction (frames the
  generator received on its port 1, its port 0). dut_rx: frames the DUT took
  in per second (its own port counters); rx_ratio: the same ratio on them.
flowgen and l3: the generator is near 100% busy building frames (gen_busy),
  so Mpps is capped by it: a ratio near 1.00 means "keeps up with the
  generator". cyc/frame and cyc_ratio are the capacity comparison there.
checks:
  best1s: best one-second interval; clean: mean of the one-second intervals
    in which other processes took < ${FOREIGN_MAX}% of a CPU from the rig's CPUs.
  foreign%: CPU time other processes took from the two rig CPUs over the
    window, in percent of one CPU.
  gen_busy, dut_busy: share of the time the forwarding core spent on frames
    rather than on empty polls. The bottleneck is the one near 100%; a DUT
    well below was starved (by the generator or by other processes) and its
    Mpps is below its capacity.
  cyc/frame: the DUT's busy TSC cycles per frame it received; cyc_ratio =
    io-forward's / podswitch's = the ratio of their capacities, which does
    not depend on starvation. ovs-dpdk: processing cycles per frame its PMD
    thread received (dpif-netdev/pmd-stats-show); cyc_vs_ovs = ovs-dpdk's
    cycles per frame / the DUT's (above 1: the DUT is cheaper than OVS).
ratio_vs_ovs: the DUT's Mpps / ovs-dpdk's of the same round.
EOF
if awk -v m="$FOREIGN_MAX" '$11 > m { bad = 1 } END { exit !bad }' "$RESULTS"; then
	echo "WARNING: other processes used the rig's CPUs (foreign% > $FOREIGN_MAX):"
	echo "  the window means are disturbed; compare best1s / clean / cyc_ratio, or run again."
fi
for tr in "${traffics[@]}"; do
	for d in $(duts_for "$tr"); do
		[ "$d" != io ] && [ -f "$WORK/$tr-$d-1/nodes.txt" ] && { echo; cat "$WORK/$tr-$d-1/nodes.txt"; }
	done
	for d in $(duts_for "$tr"); do
		if [ -s "$WORK/$tr-$d-1/perf.txt" ]; then
			echo
			echo "perf, the $d DUT during the $tr window (self % of its samples):"
			cat "$WORK/$tr-$d-1/perf.txt"
		fi
	done
done

# --json: the rig's scenarios (l3: the big-table router is "podswitch",
# the small one "podswitch-small", with POLICIES "podswitch-small+policies"),
# then the service scenario's (svc_rig.sh), appended
if [ -n "$JSON" ]; then
	awk '{ d = $2 == "io" ? "io-forward" : $2 == "ovs" ? "ovs" : $2 == "l3p" ? "podswitch-small+policies" : ($2 == "l3s" || $2 ~ /^base-/ || $1 == "flowgen") ? "" : "podswitch"
		if (d != "") print $1, d, $13, $3, $15, $11 }' "$RESULTS" >"$WORK/json.in"
	json_lines "$WORK/json.in" >"$JSON"
fi
if [ "$SERVICE" = 1 ]; then
	[ -n "$JSON" ] && svc_args+=(--json "$WORK/svc.json")
	echo
	log "service scenario: perf/svc_rig.sh ${svc_args[*]}"
	"$top/perf/svc_rig.sh" "${svc_args[@]}"
	[ -n "$JSON" ] && cat "$WORK/svc.json" >>"$JSON"
fi
if [ -n "$JSON" ]; then log "JSON: $JSON"; fi
