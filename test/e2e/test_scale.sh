#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_scale.sh: a node with many pods, all on one worker, everything
# hot-plugged over the REST API:
#   - SCALE_AFP pod ports on the native af_packet backend, each a network
#     namespace behind a veth (no DPDK ethdev: more than Debian's DPDK's
#     32 would allow);
#   - SCALE_VHOST vhost-user pod ports (ethdev backend, net_vhost); the pod
#     behind each is a namespace whose veth a dpdk-testpmd (io forward)
#     joins to a virtio-user device on podswitch's socket (two testpmds:
#     each has 32 ethdevs too);
#   - every pod pings its gateway and the pod at the other end of the list
#     (the first af_packet pods reach the last vhost-user ones and back);
#   - then SCALE_CYCLES remove/add cycles of af_packet ports under new
#     names: the graph's node list, the daemon's RSS and its file
#     descriptors stay bounded, and re-added pods still forward.
#
# Full size (the issue's node: 200 af_packet + 20 vhost-user pods, 1,000
# cycles; a few minutes on 2 cores):
#   SCALE_FULL=1 flock /tmp/podswitch-e2e.lock bash test/e2e/test_scale.sh
# The default is CI-sized (run.sh gives each script 240 s): 60 af_packet +
# 20 vhost-user pods, 1,000 cycles. SCALE_AFP, SCALE_VHOST and SCALE_CYCLES
# override each figure.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TESTPMD=${TESTPMD:-dpdk-testpmd}
if [ "${SCALE_FULL:-0}" = 1 ]; then
	N_AFP=${SCALE_AFP:-200}
else
	N_AFP=${SCALE_AFP:-60}
fi
N_VHOST=${SCALE_VHOST:-20}
CYCLES=${SCALE_CYCLES:-1000}
N_ALL=$((N_AFP + N_VHOST))
# RSS may grow by what warm caches and allocator rounding take, not per cycle
RSS_SLACK_KB=${SCALE_RSS_SLACK_KB:-8192}

e2e_init scale
command -v "$TESTPMD" >/dev/null || { e2e_fail "no $TESTPMD (dpdk package)"; e2e_finish; }
command -v curl >/dev/null || { e2e_fail "no curl"; e2e_finish; }
if [ "$N_ALL" -gt 250 ] || [ "$N_VHOST" -gt 28 ]; then
	e2e_fail "at most 250 pods (one /24) and 28 vhost-user ones (ethdev ids)"
	e2e_finish
fi

name="sc-$E2E_ID"
SOCK="$E2E_TMP/$name.sock"

# api METHOD PATH [BODY]: curl the socket; sets CODE and BODY.
api() { e2e_api "$SOCK" "$@"; }

pod_ip()  { echo "10.244.0.$((2 + $1))"; }
pod_mac() { printf '02:00:0a:f4:00:%02x' $((2 + $1)); }
pod_ns()  { echo "sc$E2E_ID-p$1"; }
pod_if()  { echo "sc$E2E_ID$1"; }

# ---------------------------------------------------------------- the pods
e2e_log "creating $N_ALL pod namespaces"
t0=$(date +%s)
: >"$E2E_TMP/root.batch"
for i in $(seq 0 $((N_ALL - 1))); do
	echo "netns add $(pod_ns "$i")" >>"$E2E_TMP/root.batch"
	E2E_NETNS+=("$(pod_ns "$i")")
done
ip -batch "$E2E_TMP/root.batch" || { e2e_fail "cannot create the namespaces"; e2e_finish; }
: >"$E2E_TMP/root.batch"
for i in $(seq 0 $((N_ALL - 1))); do
	echo "link add $(pod_if "$i") numtxqueues 1 numrxqueues 1 type veth peer name eth0 netns $(pod_ns "$i") numtxqueues 1 numrxqueues 1" >>"$E2E_TMP/root.batch"
	echo "link set $(pod_if "$i") up" >>"$E2E_TMP/root.batch"
done
ip -batch "$E2E_TMP/root.batch" || { e2e_fail "cannot create the veths"; e2e_finish; }
for i in $(seq 0 $((N_ALL - 1))); do
	echo 1 >"/proc/sys/net/ipv6/conf/$(pod_if "$i")/disable_ipv6"
	ip netns exec "$(pod_ns "$i")" sh -c \
		'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6'
	ip -n "$(pod_ns "$i")" -batch - <<EOF || { e2e_fail "cannot set pod $i up"; e2e_finish; }
link set lo up
link set eth0 address $(pod_mac "$i")
link set eth0 up
addr add $(pod_ip "$i")/24 dev eth0
route add default via 10.244.0.1
EOF
done
{ e2e_netns "sc$E2E_ID-up" && e2e_veth "sc${E2E_ID}up" "sc$E2E_ID-up" eth0 02:00:00:00:00:0b; } ||
	{ e2e_fail "cannot create the uplink veth"; e2e_finish; }
e2e_log "pods ready in $(($(date +%s) - t0)) s"

# ---------------------------------------------------------------- the daemon
ports="[ $(e2e_port_json up0 uplink af_packet "sc${E2E_ID}up") ]"
cfg="$E2E_TMP/$name.json"
# The mbuf reserve for added ports, counted in vhost-user ports (2048
# mbufs each: 1024 descriptors each way): every vhost-user port, and per
# af_packet port, whose descriptors hold none, a burst (32) in flight and
# its stash of TSO segments (64, lib/port/port_afpacket.c).
reserve=$((N_VHOST + (N_AFP * (32 + 64) + 2047) / 2048))
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" \
	"\"hotplug\": { \"max_ports\": $reserve }"
e2e_start d "$cfg"
e2e_wait_running d 30 || e2e_finish
DPID=$(e2e_dpid d)

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status"; }
fds() { find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_empty=$(rss_kb)
fds_empty=$(fds)
t0=$(date +%s)
fail=0
for i in $(seq 0 $((N_AFP - 1))); do
	# a0 has two rx queues: two sockets in a PACKET_FANOUT group
	q=1; [ "$i" = 0 ] && q=2
	api POST /v1/ports "{ \"name\": \"a$i\", \"role\": \"pod\", \"driver\": \"af_packet\", \"queues\": $q, \"args\": { \"iface\": \"$(pod_if "$i")\" }, \"pod\": { \"ip\": \"$(pod_ip "$i")\", \"mac\": \"$(pod_mac "$i")\" } }"
	[ "$CODE" = 201 ] || { fail=$((fail + 1)); echo "       | a$i: $CODE $BODY"; }
done
rss_afp=$(rss_kb)
fds_afp=$(fds)
e2e_log "$N_AFP af_packet ports: RSS $rss_empty -> $rss_afp kB ($(((rss_afp - rss_empty) / N_AFP)) kB a port), fds $fds_empty -> $fds_afp"
for j in $(seq 0 $((N_VHOST - 1))); do
	i=$((N_AFP + j))
	api POST /v1/ports "{ \"name\": \"v$j\", \"role\": \"pod\", \"driver\": \"vhost-user\", \"args\": { \"path\": \"$E2E_TMP/v$j.sock\" }, \"pod\": { \"ip\": \"$(pod_ip "$i")\", \"mac\": \"$(pod_mac "$i")\" } }"
	[ "$CODE" = 201 ] || { fail=$((fail + 1)); echo "       | v$j: $CODE $BODY"; }
done
e2e_assert_eq "$N_AFP af_packet and $N_VHOST vhost-user ports added over REST in $(($(date +%s) - t0)) s" 0 "$fail"

api GET /v1/ports
read -r n_ports n_afp n_eth <<<"$(printf '%s' "$BODY" | python3 -c '
import json, sys
p = json.load(sys.stdin)
print(len(p), sum(x.get("backend") == "af_packet" for x in p),
      sum(x.get("backend") == "ethdev" for x in p))')"
e2e_assert_eq "GET /v1/ports lists every pod and the uplink" $((N_ALL + 1)) "$n_ports"
e2e_assert_eq "the af_packet ports take no DPDK ethdev" $((N_AFP + 1)) "$n_afp"
e2e_assert_eq "the vhost-user ports are ethdevs" "$N_VHOST" "$n_eth"

# The pods behind vhost-user: testpmd joins each socket to the pod's veth
# (io forward, ports paired in the order given). Each testpmd has 32
# ethdev ids too, so 10 pods per testpmd. A stats period keeps a testpmd
# without a terminal running (otherwise it waits for Enter and exits).
# DPDK's net_af_packet names its PACKET_FANOUT group getpid() ^ ifindex:
# two testpmds can pick the same id for different veths, and the second
# then loses that port ("could not set PACKET_FANOUT"). Such a testpmd is
# started again (another pid, other ids).
start_testpmd() {
	local tp=$1 first=$2 try j i prefix npairs=0 vdevs=()
	for j in $(seq "$first" $((first + 9))); do
		[ "$j" -lt "$N_VHOST" ] || break
		i=$((N_AFP + j))
		vdevs+=(--vdev "net_virtio_user$j,path=$E2E_TMP/v$j.sock,mac=$(pod_mac "$i"),queue_size=256"
			--vdev "net_af_packet$j,iface=$(pod_if "$i"),qpairs=1")
		npairs=$((npairs + 1))
	done
	for try in 1 2 3 4 5; do
		prefix="sc-tp$tp-$try-$E2E_ID"
		E2E_EXTRA_PREFIXES+=("$prefix")
		e2e_bg "$TESTPMD" --lcores "0@0,1@$((tp % 2))" --file-prefix="$prefix" --no-pci \
			-m 256 --single-file-segments "${vdevs[@]}" \
			-- --forward-mode=io --port-topology=paired --auto-start --nb-cores=1 \
			--rxd=256 --txd=256 --total-num-mbufs=16384 --stats-period 600 \
			>"$E2E_TMP/testpmd$tp.log" 2>&1
		for _ in $(seq 1 300); do
			grep -q 'packet forwarding - ports=' "$E2E_TMP/testpmd$tp.log" && break
			kill -0 "$E2E_LAST_BG" 2>/dev/null || break
			sleep 0.1
		done
		if grep -q "packet forwarding - ports=$((2 * npairs)) " "$E2E_TMP/testpmd$tp.log"; then
			TP_PIDS+=("$E2E_LAST_BG")
			return 0
		fi
		e2e_log "testpmd $tp (try $try): $(grep -m1 -E 'failed|Error|error' "$E2E_TMP/testpmd$tp.log")"
		kill -TERM "$E2E_LAST_BG" 2>/dev/null
		wait "$E2E_LAST_BG" 2>/dev/null
	done
	return 1
}
tp=0
declare -a TP_PIDS=()
for first in $(seq 0 10 $((N_VHOST - 1))); do
	start_testpmd "$tp" "$first" || e2e_fail "testpmd $tp did not start with all its ports"
	tp=$((tp + 1))
done
up=0
for _ in $(seq 1 300); do
	api GET /v1/ports
	up=$(printf '%s' "$BODY" | python3 -c '
import json, sys
print(sum(x["link_up"] for x in json.load(sys.stdin) if x["driver"] == "vhost-user"))')
	[ "$up" = "$N_VHOST" ] && break
	sleep 0.2
done
e2e_assert_eq "every vhost-user link is up once testpmd has joined" "$N_VHOST" "$up"

# pings FILE: one "NS DST" per line, in parallel; every pair must answer
# (one retry: the first packet of a pair waits for two ARP resolutions).
pings() {
	# shellcheck disable=SC2016 # the script's $0 and $1 are sh -c's arguments
	xargs -P 16 -L 1 sh -c '
		ip netns exec "$0" ping -q -c 1 -W 2 "$1" >/dev/null 2>&1 ||
		ip netns exec "$0" ping -q -c 2 -W 2 "$1" >/dev/null 2>&1 ||
		echo "$0 -> $1"' <"$1" >"$1.failed"
	wc -l <"$1.failed"
}

: >"$E2E_TMP/gw.pairs"
: >"$E2E_TMP/far.pairs"
for i in $(seq 0 $((N_ALL - 1))); do
	echo "$(pod_ns "$i") 10.244.0.1" >>"$E2E_TMP/gw.pairs"
	echo "$(pod_ns "$i") $(pod_ip $((N_ALL - 1 - i)))" >>"$E2E_TMP/far.pairs"
done
t0=$(date +%s)
bad=$(pings "$E2E_TMP/gw.pairs")
e2e_assert_eq "all $N_ALL pods ping their gateway ($(($(date +%s) - t0)) s)" 0 "$bad" ||
	head -n 10 "$E2E_TMP/gw.pairs.failed" | sed 's/^/       | /'
t0=$(date +%s)
bad=$(pings "$E2E_TMP/far.pairs")
e2e_assert_eq "all $N_ALL pods ping the pod at the other end of the list ($(($(date +%s) - t0)) s)" 0 "$bad" ||
	head -n 10 "$E2E_TMP/far.pairs.failed" | sed 's/^/       | /'
for p in "${TP_PIDS[@]}"; do
	kill -0 "$p" 2>/dev/null || e2e_fail "a testpmd (vhost-user pods' side) exited early"
done
# The peers busy-poll a core each: the cycles below do not need them.
for p in "${TP_PIDS[@]}"; do
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done

# ---------------------------------------------------------------- churn
# graph_nodes: entries of /v1/stats' node and drop lists (every node any
# graph had, retired ones included: a name registered for good shows).
graph_nodes() {
	curl -s --unix-socket "$SOCK" http://ps/v1/stats |
		python3 -c 'import json,sys; s = json.load(sys.stdin); print(len(s["nodes"]) + len(s["drops"]))'
}
# Cycle k: the af_packet pod k % N_AFP leaves under its current name and
# comes back under the new name c<k> (same veth, same pod).
declare -a cur_name=()
for i in $(seq 0 $((N_AFP - 1))); do cur_name[i]=a$i; done
cycle() {
	local k=$1 i=$(($1 % N_AFP))
	api DELETE "/v1/ports/${cur_name[i]}"
	[ "$CODE" = 204 ] || { echo "       | cycle $k: DELETE ${cur_name[i]}: $CODE $BODY"; return 1; }
	api POST /v1/ports "{ \"name\": \"c$k\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$(pod_if "$i")\" }, \"pod\": { \"ip\": \"$(pod_ip "$i")\", \"mac\": \"$(pod_mac "$i")\" } }"
	[ "$CODE" = 201 ] || { echo "       | cycle $k: POST c$k: $CODE $BODY"; return 1; }
	cur_name[i]=c$k
}

WARMUP=$((CYCLES < 50 ? CYCLES : 50))
fail=0
t0=$(date +%s)
for k in $(seq 0 $((WARMUP - 1))); do
	cycle "$k" || fail=$((fail + 1))
done
nodes0=$(graph_nodes)
rss0=$(rss_kb)
fds0=$(fds)
for k in $(seq "$WARMUP" $((CYCLES - 1))); do
	cycle "$k" || fail=$((fail + 1))
	[ "$fail" -gt 5 ] && break
done
secs=$(($(date +%s) - t0))
nodes1=$(graph_nodes)
rss1=$(rss_kb)
fds1=$(fds)
e2e_log "after $CYCLES cycles ($secs s): graph nodes $nodes0 -> $nodes1, RSS $rss0 -> $rss1 kB, fds $fds0 -> $fds1"
e2e_assert_eq "$CYCLES remove/add cycles with new names all answered 204/201" 0 "$fail"
e2e_assert_eq "graph nodes bounded over the cycles" "$nodes0" "$nodes1"
e2e_assert_eq "file descriptors bounded over the cycles" "$fds0" "$fds1"
e2e_assert_lt "RSS bounded over the cycles ($rss0 -> $rss1 kB, slack $RSS_SLACK_KB kB)" \
	$((rss0 + RSS_SLACK_KB)) "$rss1"

api GET /v1/ports
n_ports=$(printf '%s' "$BODY" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
e2e_assert_eq "the port list has the same size after the cycles" $((N_ALL + 1)) "$n_ports"
# The re-added pods forward: every af_packet pod to the gateway and to its
# neighbour in the list.
: >"$E2E_TMP/after.pairs"
for i in $(seq 0 $((N_AFP - 1))); do
	echo "$(pod_ns "$i") 10.244.0.1" >>"$E2E_TMP/after.pairs"
	echo "$(pod_ns "$i") $(pod_ip $(((i + 1) % N_AFP)))" >>"$E2E_TMP/after.pairs"
done
bad=$(pings "$E2E_TMP/after.pairs")
e2e_assert_eq "after the cycles, every af_packet pod pings its gateway and a neighbour" 0 "$bad" ||
	head -n 10 "$E2E_TMP/after.pairs.failed" | sed 's/^/       | /'

# The node's counters name the port behind a clone.
e2e_check "/v1/stats shows the port name of a port_rx clone" bash -c \
	"curl -s --unix-socket '$SOCK' http://ps/v1/stats | python3 -c 'import json,sys; s = json.load(sys.stdin); sys.exit(0 if any(n.get(\"port\") == \"${cur_name[0]}\" for n in s[\"nodes\"]) else 1)'"

e2e_check "daemon still running" e2e_alive "$DPID"
e2e_stop d
e2e_assert_eq "daemon exits 0 on SIGTERM" 0 "${E2E_DRC[d]}"
e2e_finish
