#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 600
#
# test_fragments.sh: UDP datagrams larger than the MTU (IP fragments)
# through podswitch: pod to pod on one node and across nodes (flannel
# host-gw, then vxlan), through a ClusterIP and a NodePort.
#
#   c1 .2  e1 .3  (node A, 10.244.0.0/24)     e2 .3  c2 .2 (node B)
#     podswitch A ==uplink== fabric bridge ==uplink== podswitch B
#                                 ext 192.168.60.1
#
# Pods have MTU 1500 (1450 in vxlan mode, as flannel sets them, but c1
# keeps 1500 there: podswitch cuts its 1500-byte fragments again to the
# tunnel MTU, as Linux routing into flannel.1 does); their kernels
# fragment 2,000 and 9,000-byte datagrams. Every eN echoes each datagram
# back whole; the client checks size and content both ways. Services:
# udp 10.96.0.60:7000 -> e2 (node B), NodePort 30700 (Cluster policy:
# DNAT and SNAT to the node IP, the reply translated back). Then a flood
# of non-first fragments that match nothing fills node A's fragment
# table: counted in /v1/stats, and a TCP connection opened before it and
# UDP echo through the ClusterIP keep working.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init fragments
command -v python3 >/dev/null || { e2e_fail "missing tool: python3"; e2e_finish; }
PY=python3

IP_A=192.168.60.10
IP_B=192.168.60.11
EXT_IP=192.168.60.1
NAME_A=pse2e-$E2E_ID-a
NAME_B=pse2e-$E2E_ID-b
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock

# The echo server: every datagram back to its sender, as it came.
ECHO='
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", 7000))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
'
# SEND HOST PORT SIZE COUNT: COUNT datagrams of SIZE random bytes; prints
# how many came back whole ("N/COUNT").
SEND='
import os, socket, sys
host, port, size, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.settimeout(0.5)
good = 0
for i in range(n):
    d = os.urandom(size)
    s.sendto(d, (host, port))
    try:
        while True:
            r = s.recv(65535)
            if r == d:
                good += 1
                break
    except socket.timeout:
        pass
print("%d/%d" % (good, n))
'

e2e_two_node_fabric $EXT_IP || { e2e_fail "namespaces"; e2e_finish; }
{ e2e_fabric_pod c1 10.244.0.2 A && e2e_fabric_pod e1 10.244.0.3 A &&
  e2e_fabric_pod c2 10.244.1.2 B && e2e_fabric_pod e2 10.244.1.3 B; } ||
	{ e2e_fail "pods"; e2e_finish; }
# the outside client reaches the pods through node A (no masquerade)
ip -n "$EXT" route add 10.244.0.0/16 via $IP_A

node_config() { # file name ip mac cidr gw peer_ip peer_cidr mode pods...
	local file=$1 name=$2 ip=$3 mac=$4 cidr=$5 gw=$6 peer_ip=$7 peer_cidr=$8
	local mode=$9 p ports="" route
	shift 9
	for p in "$@"; do
		ports="$ports,
    { \"name\": \"$p\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$p\" } }"
	done
	route="{ \"dst\": \"$peer_cidr\", \"gateway\": \"$peer_ip\", \"dev\": \"uplink0\" }"
	[ "$mode" = vxlan ] && route="{ \"dst\": \"$peer_cidr\", \"encap\": { \"type\": \"vxlan\",
	  \"vni\": 1, \"remote\": \"$peer_ip\" } }"
	cat >"$file" <<EOF
{
  "node": { "name": "$name", "ip": "$ip/24", "mac": "$mac",
            "pod_cidr": "$cidr", "gateway_ip": "$gw",
            "cluster_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12" },
  "overlay": { "mode": "$mode" },
  "ports": [
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } }$ports
  ],
  "routes": [ $route ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 65536 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci", "--file-prefix=$name"] }
}
EOF
}
start_nodes() { # MODE
	node_config "$E2E_TMP/a.json" "$NAME_A" $IP_A 02:00:00:00:00:0a 10.244.0.0/24 \
		10.244.0.1 $IP_B 10.244.1.0/24 "$1" "${E2E_PODS_A[@]}"
	node_config "$E2E_TMP/b.json" "$NAME_B" $IP_B 02:00:00:00:00:0b 10.244.1.0/24 \
		10.244.1.1 $IP_A 10.244.0.0/24 "$1" "${E2E_PODS_B[@]}"
	e2e_start_in "$NSA" A "$E2E_TMP/a.json"
	e2e_start_in "$NSB" B "$E2E_TMP/b.json"
	{ e2e_wait_running A 30 && e2e_wait_running B 30; } || e2e_finish
	e2e_check "$1: node A takes the services" "$CTL" --socket "$SOCK_A" apply -f "$E2E_TMP/svc.json"
	e2e_check "$1: node B takes the services" "$CTL" --socket "$SOCK_B" apply -f "$E2E_TMP/svc.json"
}
cat >"$E2E_TMP/svc.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "echo", "namespace": "default" },
    "spec": { "type": "NodePort", "clusterIP": "10.96.0.60",
              "externalTrafficPolicy": "Cluster",
              "ports": [ { "name": "u", "protocol": "UDP", "port": 7000,
                           "targetPort": 7000, "nodePort": 30700 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4", "metadata": { "name": "echo-x", "namespace": "default",
      "labels": { "kubernetes.io/service-name": "echo" } },
    "ports": [ { "name": "u", "protocol": "UDP", "port": 7000 } ],
    "endpoints": [ { "addresses": [ "10.244.1.3" ], "nodeName": "$NAME_B",
                     "conditions": { "ready": true } } ] } ] }
EOF
for p in c1 e1 e2; do
	e2e_bg ip netns exec "$(e2e_pod_ns $p)" $PY -c "$ECHO"
done

# send NAME CLIENT_NS HOST PORT: 2,000 and 9,000-byte datagrams, 20 each
send() {
	local what=$1 ns=$2 host=$3 port=$4 size out
	ip netns exec "$ns" $PY -c "$SEND" "$host" "$port" 100 3 >/dev/null # ARP, conntrack
	for size in 2000 9000; do
		out=$(ip netns exec "$ns" $PY -c "$SEND" "$host" "$port" $size 20)
		e2e_assert_eq "$what: $size-byte datagrams come back whole" 20/20 "$out"
	done
}
# no_drops NODE MODE: no drop of a fragment in the node's counters
no_drops() {
	e2e_stats "$1" "$E2E_TMP/$1.stats.json" || return
	e2e_check_no_drops "$E2E_TMP/$1.stats.json" "^arp |^eth_input not_for_us "
}
run_mode() { # MODE
	local mode=$1
	start_nodes "$mode"
	# same node: in vxlan mode between two pods at the tunnel MTU (c1
	# at 1500 would send e1 frames over its MTU: pods of a node share
	# one MTU, as under flannel)
	if [ "$mode" = vxlan ]; then
		send "$mode: same node, c2 -> e2" "$(e2e_pod_ns c2)" 10.244.1.3 7000
	else
		send "$mode: same node, c1 -> e1" "$(e2e_pod_ns c1)" 10.244.0.3 7000
	fi
	send "$mode: across nodes, c1 -> e2" "$(e2e_pod_ns c1)" 10.244.1.3 7000
	send "$mode: across nodes, c2 -> e1" "$(e2e_pod_ns c2)" 10.244.0.3 7000
	send "$mode: ClusterIP from node A, c1 -> 10.96.0.60" "$(e2e_pod_ns c1)" 10.96.0.60 7000
	send "$mode: ClusterIP on node B, c2 -> 10.96.0.60" "$(e2e_pod_ns c2)" 10.96.0.60 7000
	send "$mode: NodePort of node A from outside" "$EXT" $IP_A 30700
	no_drops A
	no_drops B
}

run_mode host-gw

# ------------------------------------------------- a flood of stray fragments

# A TCP connection opened before the flood, used after it.
e2e_bg ip netns exec "$(e2e_pod_ns e2)" $PY "$E2E_ECHO" e2 --echo 7001 --udp 0
sleep 0.5
coproc TCPC { ip netns exec "$(e2e_pod_ns c1)" $PY -u -c '
import socket, sys
s = socket.create_connection(("10.244.1.3", 7001), timeout=5)
for line in sys.stdin:
    s.sendall(line.encode())
    print(s.recv(100).decode().strip(), flush=True)
'; }
echo before >&"${TCPC[1]}"
read -r -t 5 line <&"${TCPC[0]}"
e2e_assert_eq "TCP connection c1 -> e2 open before the flood" before "${line:-}"
# 20,000 non-first fragments (offset 1480, no MF) of datagrams whose first
# fragment never comes, each with its own IP id, from c1's address: every
# one is a new entry of the fragment table.
FLOOD='
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
src, dst = socket.inet_aton("10.244.0.2"), socket.inet_aton(sys.argv[1])
for i in range(20000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 64, i & 0xffff, 185, 64, 17, 0, src, dst)
    s.sendto(h + bytes(64), (sys.argv[1], 0))
'
e2e_stats A "$E2E_TMP/A.before.json"
ip netns exec "$(e2e_pod_ns c1)" $PY -c "$FLOOD" 10.96.0.60
e2e_stats A "$E2E_TMP/A.after.json"
full=$($PY -c '
import json, sys
def v(f):
    return json.load(open(f)).get("fragments", {}).get("table_full", 0)
print(v(sys.argv[2]) - v(sys.argv[1]))' "$E2E_TMP/A.before.json" "$E2E_TMP/A.after.json")
e2e_assert_ge "the flood filled the fragment table: table_full counted" 1 "${full:-0}"
echo after >&"${TCPC[1]}"
read -r -t 5 line <&"${TCPC[0]}"
e2e_assert_eq "the TCP connection opened before the flood still works" after "${line:-}"
out=$(ip netns exec "$(e2e_pod_ns c1)" $PY -c "$SEND" 10.96.0.60 7000 100 20)
e2e_assert_eq "small datagrams through the ClusterIP during the table's fill" 20/20 "$out"
sleep 3	# the entries expire
out=$(ip netns exec "$(e2e_pod_ns c1)" $PY -c "$SEND" 10.96.0.60 7000 9000 20)
e2e_assert_eq "9,000-byte datagrams through the ClusterIP once the flood's entries expired" \
	20/20 "$out"
eval "exec ${TCPC[1]}>&-"

for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "host-gw: node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done

# ------------------------------------------------------------------- vxlan

# Overlay mode: pods at 1450, as flannel sets them; c1 keeps 1500 so that
# its 1500-byte fragments exceed the tunnel MTU and are fragmented again.
ip -n "$NSA" link set e1 mtu 1450
ip -n "$NSB" link set e2 mtu 1450
ip -n "$NSB" link set c2 mtu 1450
for p in e1 e2 c2; do
	ip -n "$(e2e_pod_ns $p)" link set eth0 mtu 1450
done
run_mode vxlan
for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "vxlan: node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_finish
