#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# e2e-timeout: 600 (two daemon runs with several traffic rounds each: about
# 4 to 5 minutes on a loaded 2-CPU machine)
#
# test_two_workers.sh: two worker lcores, and the two directions of one
# connection handled by different workers, for bridged, routed and service
# traffic (ClusterIP DNAT + reverse NAT, NodePort SNAT), TCP, UDP and ICMP.
#
#   c1 10.244.0.2 (client)      \
#   s1 10.244.0.3 (server)       > podswitch, workers on CPUs 0 and 1 == uplink == ext 192.168.60.50
#   s2 10.244.0.4 (server)      /                                     (10.244.1.5: a remote pod)
#
# Services: web 10.96.0.10:80/TCP and dns 10.96.0.12:53/UDP -> s1;
# NodePorts 30080/TCP and 30053/UDP (policy Cluster: SNAT) -> s2.
#
# (a) "queues": 1 on every port. af_packet still opens one socket per
#     worker (each worker has its own tx queue), and the kernel's fanout
#     hash spreads the flows over all of them: every one must be polled.
# (b) 3 queues on c1 and 2 on the others, so that a flow's queues on the
#     two ports fall to different workers for some flows, the same for
#     others.
# In both, for each path (bridged c1 <-> s1, routed c1 <-> 10.244.1.5,
# ClusterIP c1 <-> s1, NodePort ext <-> s2), 16 UDP flows are sent one at
# a time and the per-queue counters of GET /v1/status say which worker took
# each direction; in (b) at least one flow of each path must have been
# split, and in both every flow answered from the right address.
# In both: pings, 20 HTTP requests and a 4 MB download per path, all
# answers from the right address (the VIP, the node IP for NodePort), no
# conntrack "invalid" drop.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init two-workers
command -v curl >/dev/null || { e2e_fail "no curl"; e2e_finish; }
EXT="pse2e$E2E_ID-ext"
UP="pse2e${E2E_ID}up"

# UDP query from a fresh socket: prints the answer and where it came from.
UDP_CLIENT='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"q", (sys.argv[1], int(sys.argv[2])))
d, a = s.recvfrom(2048)
print(d.decode(), "from %s:%d" % a)
'

e2e_pods c1:2 s1:3 s2:4 || { e2e_fail "pods"; e2e_finish; }
e2e_uplink_peer "$EXT" "$UP" || { e2e_fail "ext namespace"; e2e_finish; }
ip -n "$EXT" addr add 10.244.1.5/32 dev lo
ip -n "$EXT" route add 10.244.0.0/24 via 192.168.60.10
# HTTP "<name> <client>" on 8080 (/big: 4 MiB), UDP "<name> <client> <query>"
for s in s1 s2; do
	e2e_bg ip netns exec "$(e2e_pod_ns $s)" python3 "$E2E_DIR/traffic.py" server "$s"
done
# ext answers UDP from the address asked (it has two)
e2e_bg ip netns exec "$EXT" python3 "$E2E_DIR/traffic.py" server ext 10.244.1.5

name="pse2e-2w-$E2E_ID"
SOCK="$E2E_TMP/$name.sock"
cfg="$E2E_TMP/$name.json"
export E2E_WORKERS='{ "lcores": "0,1", "burst": 32, "idle_sleep_max_us": 200 }'

# port_json NAME ROLE IFACE QUEUES [IP MAC]
port_json() {
	local s
	s="{ \"name\": \"$1\", \"role\": \"$2\", \"driver\": \"af_packet\",
	  \"queues\": $4, \"args\": { \"iface\": \"$3\" }"
	[ $# -ge 6 ] && s="$s, \"pod\": { \"ip\": \"$5\", \"mac\": \"$6\" }"
	echo "$s }"
}
# config QUEUES_C1 QUEUES_OTHERS
config() {
	e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "[
	  $(port_json c1 pod "$(e2e_pod_if c1)" "$1" 10.244.0.2 "$(e2e_pod_mac c1)"),
	  $(port_json s1 pod "$(e2e_pod_if s1)" "$2" 10.244.0.3 "$(e2e_pod_mac s1)"),
	  $(port_json s2 pod "$(e2e_pod_if s2)" "$2" 10.244.0.4 "$(e2e_pod_mac s2)"),
	  $(port_json uplink0 uplink "$UP" "$2") ]" \
	  '"routes": [ { "dst": "10.244.1.0/24", "gateway": "192.168.60.50" } ]'
}

svc() { # name vip proto port nodeport endpoint
	local type=ClusterIP
	[ -n "$5" ] && type=NodePort
	echo "{ \"kind\": \"Service\", \"apiVersion\": \"v1\",
	  \"metadata\": { \"name\": \"$1\", \"namespace\": \"default\" },
	  \"spec\": { \"type\": \"$type\", \"clusterIP\": \"$2\",
	    \"externalTrafficPolicy\": \"Cluster\",
	    \"ports\": [ { \"name\": \"p\", \"protocol\": \"$3\", \"port\": $4
	    ${5:+, \"nodePort\": $5}, \"targetPort\": \"p\" } ] } },
	{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"$1-x\",
	  \"namespace\": \"default\", \"labels\": { \"kubernetes.io/service-name\": \"$1\" } },
	  \"ports\": [ { \"name\": \"p\", \"protocol\": \"$3\",
	    \"port\": $([ "$3" = TCP ] && echo 8080 || echo 5353) } ],
	  \"endpoints\": [ { \"addresses\": [ \"$6\" ], \"conditions\": { \"ready\": true } } ] }"
}
SERVICES="{ \"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [
  $(svc web 10.96.0.10 TCP 80 "" 10.244.0.3),
  $(svc dns 10.96.0.12 UDP 53 "" 10.244.0.3),
  $(svc webnp 10.96.0.20 TCP 80 30080 10.244.0.4),
  $(svc dnsnp 10.96.0.22 UDP 53 30053 10.244.0.4) ] }"

api_json() { # PATH EXPR (Python over j)
	curl -s --max-time 10 --unix-socket "$SOCK" "http://ps$1" |
		python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}
# The worker polling queue Q of PORT.
worker_of() {
	api_json /v1/status "[q['worker'] for q in j['workers']['rx_queues'] if q['port'] == '$1' and q['queue'] == $2][0]"
}
# "queue:packets ..." of PORT's rx queues.
queue_counts() {
	api_json /v1/status "' '.join('%d:%d' % (q['queue'], q['packets']) for q in j['workers']['rx_queues'] if q['port'] == '$1')"
}

start() { # QUEUES_C1 QUEUES_OTHERS
	config "$1" "$2"
	e2e_start d "$cfg"
	e2e_wait_running d 30 || return 1
	e2e_assert_eq "services applied" 200 "$(curl -s -o "$E2E_TMP/apply.out" -w '%{http_code}' \
		--unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
		--data-binary "$SERVICES" http://ps/v1/apply)"
	e2e_assert_eq "2 workers" 2 "$(api_json /v1/status "j['workers']['count']")"
	for _ in $(seq 1 50); do
		e2e_in c1 curl -s --max-time 1 http://10.244.0.4:8080/ >/dev/null && break
		sleep 0.2
	done
}

# n_answers N EXPECTED CMD...: CMD N times; every output must be EXPECTED.
# (It and big run through e2e_check, which shellcheck does not follow.)
# shellcheck disable=SC2317
n_answers() {
	local n=$1 want=$2 out bad=0 last=
	shift 2
	for _ in $(seq 1 "$n"); do
		out=$("$@" 2>&1)
		[ "$out" = "$want" ] || { bad=$((bad + 1)); last=$out; }
	done
	[ "$bad" = 0 ] || { echo "$bad of $n wrong, e.g. '$last' (want '$want')"; return 1; }
}
# shellcheck disable=SC2317
big() { # NS URL: the 4 MB body arrives whole
	local size
	size=$(ip netns exec "$1" curl -s --max-time 30 -o /dev/null -w '%{size_download}' "$2")
	[ "$size" = $((4 << 20)) ] || { echo "got $size bytes"; return 1; }
}

paths() {
	local c1ns extns
	c1ns=$(e2e_pod_ns c1)
	extns=$EXT
	e2e_ping c1 10.244.0.3
	e2e_ping c1 10.244.1.5
	e2e_check "bridged TCP: 20 requests c1 -> s1" \
		n_answers 20 "s1 10.244.0.2" ip netns exec "$c1ns" curl -s --max-time 5 http://10.244.0.3:8080/
	e2e_check "routed TCP: 20 requests c1 -> 10.244.1.5" \
		n_answers 20 "ext 10.244.0.2" ip netns exec "$c1ns" curl -s --max-time 5 http://10.244.1.5:8080/
	e2e_check "ClusterIP TCP: 20 requests c1 -> 10.96.0.10 reach s1, source kept" \
		n_answers 20 "s1 10.244.0.2" ip netns exec "$c1ns" curl -s --max-time 5 http://10.96.0.10/
	e2e_check "ClusterIP UDP: 20 queries answered from the VIP" \
		n_answers 20 "s1 10.244.0.2 q from 10.96.0.12:53" ip netns exec "$c1ns" python3 -c "$UDP_CLIENT" 10.96.0.12 53
	e2e_check "NodePort TCP: 20 requests ext -> node:30080 reach s2, SNATed" \
		n_answers 20 "s2 192.168.60.10" ip netns exec "$extns" curl -s --max-time 5 http://192.168.60.10:30080/
	e2e_check "NodePort UDP: 20 queries answered from the node IP" \
		n_answers 20 "s2 192.168.60.10 q from 192.168.60.10:30053" ip netns exec "$extns" python3 -c "$UDP_CLIENT" 192.168.60.10 30053
	e2e_check "bridged: 4 MB download" big "$c1ns" http://10.244.0.3:8080/big
	e2e_check "routed: 4 MB download" big "$c1ns" http://10.244.1.5:8080/big
	e2e_check "ClusterIP: 4 MB download" big "$c1ns" http://10.96.0.10/big
	e2e_check "NodePort: 4 MB download" big "$extns" http://192.168.60.10:30080/big
	local inv
	inv=$(api_json /v1/stats "sum(d['packets'] for d in j['drops'] if d['reason'] == 'invalid')")
	e2e_assert_eq "no conntrack 'invalid' drop" 0 "$inv"
	api_json /v1/stats "'\n'.join('       | drop %s %s %d' % (d['node'], d['reason'], d['packets']) for d in j['drops'] if d['packets'])"
}

# moved_queue BEFORE AFTER: the queue whose counter moved (exactly one).
moved_queue() {
	python3 -c '
import sys
b = dict(x.split(":") for x in sys.argv[1].split())
a = dict(x.split(":") for x in sys.argv[2].split())
m = [q for q in a if int(a[q]) != int(b.get(q, 0))]
print(m[0] if len(m) == 1 else "?")' "$1" "$2"
}

# flows WHAT NS DST PORT ANSWER PORT_OUT PORT_BACK [MIN_SPLIT]: 16 UDP
# flows, each sent alone from a new socket; for each, the rx queue that
# took the query (on PORT_OUT) and the one that took the answer (on
# PORT_BACK), hence their workers. Every flow must be answered with
# ANSWER; with MIN_SPLIT, at least that many must have been split.
flows() {
	local what=$1 ns=$2 dst=$3 port=$4 want=$5 pa=$6 pb=$7 min=${8:-}
	local split=0 same=0 lost=0 unclear=0 b1 b2 q1 q2 out
	for _ in $(seq 1 16); do
		b1=$(queue_counts "$pa")
		b2=$(queue_counts "$pb")
		out=$(ip netns exec "$ns" python3 -c "$UDP_CLIENT" "$dst" "$port" 2>&1)
		if [ "$out" != "$want" ]; then
			lost=$((lost + 1))
			e2e_log "$what: got '$out'"
			continue
		fi
		q1=$(moved_queue "$b1" "$(queue_counts "$pa")")
		q2=$(moved_queue "$b2" "$(queue_counts "$pb")")
		if [ "$q1" = "?" ] || [ "$q2" = "?" ]; then
			unclear=$((unclear + 1))
		elif [ "$(worker_of "$pa" "$q1")" != "$(worker_of "$pb" "$q2")" ]; then
			split=$((split + 1))
		else
			same=$((same + 1))
		fi
	done
	e2e_log "$what: 16 UDP flows, $split split over the two workers, $same on one, $unclear unclear, $lost unanswered"
	e2e_assert_eq "$what: every flow answered ($want)" 0 "$lost"
	[ -n "$min" ] && e2e_assert_ge "$what: flows whose two directions went to different workers" "$min" "$split"
}
# flows_all [MIN_SPLIT]: the four paths.
flows_all() {
	flows bridged "$(e2e_pod_ns c1)" 10.244.0.3 5353 "s1 10.244.0.2 q from 10.244.0.3:5353" c1 s1 "$@"
	flows routed "$(e2e_pod_ns c1)" 10.244.1.5 5353 "ext 10.244.0.2 q from 10.244.1.5:5353" c1 uplink0 "$@"
	flows ClusterIP "$(e2e_pod_ns c1)" 10.96.0.12 53 "s1 10.244.0.2 q from 10.96.0.12:53" c1 s1 "$@"
	flows NodePort "$EXT" 192.168.60.10 30053 "s2 192.168.60.10 q from 192.168.60.10:30053" uplink0 s2 "$@"
}
rxq_list() {
	api_json /v1/status "' '.join('%s/%d:w%d' % (q['port'], q['queue'], q['worker']) for q in j['workers']['rx_queues'])"
}

# ------------------------------------------------ (a) "queues": 1
# DPDK's af_packet PMD opened one socket per worker (each has its own tx
# queue) and the kernel fanned flows out over all of them: half of the flows
# vanished while only one was polled (test_hotplug "paired-queue vdev" keeps
# that case). podswitch's own af_packet backend opens one receive socket per
# rx queue asked for and transmits on rings that receive nothing: c1 has
# exactly one rx queue, polled, and every flow below is answered.
e2e_log "(a) one rx queue asked for per port"
start 1 1 || e2e_finish
e2e_log "rx queues: $(rxq_list)"
e2e_assert_eq "c1 has one rx queue, polled by a worker" "1" \
	"$(api_json /v1/status "len([q for q in j['workers']['rx_queues'] if q['port'] == 'c1'])")"
paths
flows_all
e2e_stop d
e2e_assert_eq "clean exit" 0 "$(e2e_drc d)"

# ------------------------------------------------ (b) several queues per port
e2e_log "(b) 3 rx queues on c1, 2 on the other ports"
start 3 2 || e2e_finish
e2e_log "rx queues: $(rxq_list)"
flows_all 1
paths
e2e_stop d
e2e_assert_eq "clean exit" 0 "$(e2e_drc d)"
e2e_finish
