#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_two_nodes.sh: the flannel host-gw packet life across two podswitch
# nodes, with real kernels as pods, node hosts and an external client.
#
#   pod a1 10.244.0.2 --\                               /-- pod b1 10.244.1.2
#   pod a2 10.244.0.3 --- podswitch A ==uplink== fabric bridge == uplink== podswitch B
#                         | host port (tap)      |                    | host port
#                      ns nodeA 192.168.60.10    ext 192.168.60.1   ns nodeB 192.168.60.11
#
# Node A routes 10.244.1.0/24 via 192.168.60.11, node B 10.244.0.0/24 via
# 192.168.60.10. Checks: pod-to-pod ping both ways, curl of a page served
# in b1, TTL probing shows exactly one routed hop per node, a capture on
# A's uplink shows the node MACs and untouched pod IPs, and the node IP
# answers ping and TCP through the host port while pod traffic flows.
. "$(dirname "$0")/lib.sh"

e2e_init two-nodes
for t in tshark python3 curl; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
PY=/usr/bin/python3

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
FAB=pse2e$E2E_ID-fab
EXT=pse2e$E2E_ID-ext
NSA=pse2e$E2E_ID-nA
NSB=pse2e$E2E_ID-nB

# Each node is a namespace (its kernel, its interfaces, its podswitch),
# as on a real host; the fabric is a bridge namespace joining both uplinks
# and the outside client. (It also keeps the two daemons' AF_PACKET fanout
# groups apart: DPDK derives their ids from pid ^ ifindex.)
e2e_netns "$FAB" && e2e_netns "$EXT" && e2e_netns "$NSA" && e2e_netns "$NSB" ||
	{ e2e_fail "namespaces"; e2e_finish; }
ip -n "$FAB" link add br0 type bridge
ip -n "$FAB" link set br0 up
for n in A:$NSA B:$NSB; do
	up="pse2e${E2E_ID}u${n%%:*}"
	ip -n "${n#*:}" link add uplink numtxqueues 1 numrxqueues 1 type veth \
		peer name "$up" netns "$FAB" numtxqueues 1 numrxqueues 1
	# podswitch owns it: the node kernel must not answer ARP there (its
	# address lives on the host port).
	ip -n "${n#*:}" link set uplink arp off up
	ip -n "$FAB" link set "$up" master br0 up
done
ip -n "$EXT" link add eth0 type veth peer name "pse2e${E2E_ID}x" netns "$FAB"
ip -n "$FAB" link set "pse2e${E2E_ID}x" master br0 up
ip -n "$EXT" addr add 192.168.60.1/24 dev eth0
ip -n "$EXT" link set eth0 up
ip netns exec "$EXT" ethtool -K eth0 tx off >/dev/null
ip -n "$EXT" route add 10.244.0.0/16 via 192.168.60.10

# pod NAME IP GW NODE_NS: a pod namespace with eth0, its peer "NAME" in the
# node's namespace.
pod() {
	local name=$1 ip=$2 gw=$3 node=$4 ns="pse2e$E2E_ID-$1"
	e2e_netns "$ns" || return 1
	ip -n "$node" link add "$name" numtxqueues 1 numrxqueues 1 type veth \
		peer name eth0 netns "$ns" numtxqueues 1 numrxqueues 1 || return 1
	ip -n "$ns" link set eth0 address "$(printf '02:00:0a:f4:%02x:%02x' \
		"$(echo "$ip" | cut -d. -f3)" "${ip##*.}")"
	ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$gw"
	# A veth leaves TCP/UDP checksums to "hardware" (CHECKSUM_PARTIAL);
	# over AF_PACKET they reach podswitch unfinished, and a router must not
	# fix other people's L4 checksums. The CNI side of a pod disables it.
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
	ip -n "$node" link set "$name" arp off up
	E2E_POD_NS[$name]=$ns
}
pod a1 10.244.0.2 10.244.0.1 "$NSA" && pod a2 10.244.0.3 10.244.0.1 "$NSA" &&
pod b1 10.244.1.2 10.244.1.1 "$NSB" && pod b2 10.244.1.3 10.244.1.1 "$NSB" ||
	{ e2e_fail "pods"; e2e_finish; }

node_config() {
	local file=$1 name=$2 ip=$3 mac=$4 cidr=$5 gw=$6 peer_ip=$7 peer_cidr=$8
	local p1=$9 p2=${10}
	cat >"$file" <<EOF2
{
  "node": { "name": "$name", "ip": "$ip/24", "mac": "$mac",
            "pod_cidr": "$cidr", "gateway_ip": "$gw",
            "cluster_cidr": "10.244.0.0/16" },
  "ports": [
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } },
    { "name": "host0", "role": "host", "driver": "tap", "args": { "iface": "pshost" } },
    { "name": "$p1", "role": "pod", "driver": "af_packet", "args": { "iface": "$p1" } },
    { "name": "$p2", "role": "pod", "driver": "af_packet", "args": { "iface": "$p2" } }
  ],
  "routes": [ { "dst": "$peer_cidr", "gateway": "$peer_ip", "dev": "uplink0" } ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci", "--file-prefix=$name"] }
}
EOF2
}
node_config "$E2E_TMP/a.json" "pse2e-$E2E_ID-a" 192.168.60.10 $MAC_A 10.244.0.0/24 \
	10.244.0.1 192.168.60.11 10.244.1.0/24 a1 a2
node_config "$E2E_TMP/b.json" "pse2e-$E2E_ID-b" 192.168.60.11 $MAC_B 10.244.1.0/24 \
	10.244.1.1 192.168.60.10 10.244.0.0/24 b1 b2

# Each daemon runs in its node's namespace ("ip netns exec" execs it, so
# the pid the helpers track is the daemon's).
PODSWITCH_REAL=$PODSWITCH
for n in A:$NSA B:$NSB; do
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "${n#*:}" "$PODSWITCH_REAL" \
		>"$E2E_TMP/bin/podswitch-${n%%:*}"
	chmod +x "$E2E_TMP/bin/podswitch-${n%%:*}"
done
PODSWITCH=$E2E_TMP/bin/podswitch-A
e2e_start A "$E2E_TMP/a.json"
PODSWITCH=$E2E_TMP/bin/podswitch-B
e2e_start B "$E2E_TMP/b.json"
PODSWITCH=$PODSWITCH_REAL
e2e_wait_running A && e2e_wait_running B || e2e_finish

# Each node's kernel gets its host port: the node IP, and podswitch as its
# router for everything else (it answers ARP for any address there).
host_setup() {
	local ns=$1 ip=$2
	ip -n "$ns" addr add "$ip/24" dev pshost &&
	ip -n "$ns" link set pshost up &&
	ip -n "$ns" route add 10.244.0.0/16 dev pshost
}
e2e_check "node A's kernel on its host port" host_setup "$NSA" 192.168.60.10
e2e_check "node B's kernel on its host port" host_setup "$NSB" 192.168.60.11

# b1 serves a page naming itself.
mkdir -p "$E2E_TMP/www"
echo "hello from b1" >"$E2E_TMP/www/index.html"
e2e_bg ip netns exec "$(e2e_pod_ns b1)" $PY -m http.server 8080 --bind 10.244.1.2 --directory "$E2E_TMP/www"
# node A's kernel serves TCP on the node IP.
echo "node A kernel" >"$E2E_TMP/www/node.html"
e2e_bg ip netns exec "$NSA" $PY -m http.server 8081 --bind 192.168.60.10 --directory "$E2E_TMP/www"
sleep 1

ping_ok() { # ns-runner... target
	"$@" >/dev/null 2>&1 || true	# warm-up: ARP on both nodes
	local out
	out=$("$@" 2>&1)
	echo "$out" | grep -q ' 0% packet loss'
}
e2e_check "a1 pings its gateway" ping_ok e2e_in a1 ping -c 3 -i 0.2 -W 1 10.244.0.1
e2e_check "a1 pings a2 (same node)" ping_ok e2e_in a1 ping -c 3 -i 0.2 -W 1 10.244.0.3
e2e_check "a1 pings b1 (other node)" ping_ok e2e_in a1 ping -c 3 -i 0.2 -W 1 10.244.1.2
e2e_check "b2 pings a2 (other node)" ping_ok e2e_in b2 ping -c 3 -i 0.2 -W 1 10.244.0.3
e2e_check "a1 curls a page served in b1" \
	bash -c "ip netns exec $(e2e_pod_ns a1) curl -s -m 5 http://10.244.1.2:8080/index.html | grep -q 'hello from b1'"

# One routed hop per node: TTL 1 dies at A (its gateway address answers),
# TTL 2 at B (its node IP, the address on the side it came from), TTL 3
# reaches b1.
hop() {
	e2e_in a1 ping -n -c 1 -W 1 -t "$1" 10.244.1.2 2>&1 |
		sed -n 's/^From \([0-9.]*\).*Time to live exceeded.*/\1/p; s/^[0-9]* bytes from \([0-9.]*\):.*/\1/p' | head -n1
}
e2e_assert_eq "TTL 1 expires at node A's gateway" 10.244.0.1 "$(hop 1)"
e2e_assert_eq "TTL 2 expires at node B" 192.168.60.11 "$(hop 2)"
e2e_assert_eq "TTL 3 reaches b1" 10.244.1.2 "$(hop 3)"
ttl=$(e2e_in a1 ping -n -c 1 -W 1 10.244.1.2 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
e2e_assert_eq "b1's reply arrives with TTL 64 - 2 routed hops" 62 "$ttl"

# The wire between the nodes: node MACs outside, pod IPs untouched. The
# capture is on the fabric's end of A's uplink (podswitch sends with
# PACKET_QDISC_BYPASS, which local packet taps do not see).
cap=$E2E_TMP/uplink.txt
timeout 8 ip netns exec "$FAB" tshark -i "pse2e${E2E_ID}uA" -c 4 -f "icmp and host 10.244.0.2" -T fields \
	-e eth.src -e eth.dst -e ip.src -e ip.dst -e icmp.type >"$cap" 2>/dev/null &
cap_pid=$!
sleep 2
e2e_in a1 ping -c 2 -i 0.2 -W 1 10.244.1.2 >/dev/null
wait $cap_pid
e2e_assert_grep "uplink: a1->b1 request from A's MAC to B's MAC, pod IPs as sent" \
	"^$MAC_A	$MAC_B	10.244.0.2	10.244.1.2	8$" "$cap"
e2e_assert_grep "uplink: b1->a1 reply from B's MAC to A's MAC, pod IPs as sent" \
	"^$MAC_B	$MAC_A	10.244.1.2	10.244.0.2	0$" "$cap"

# The node IP belongs to the node's kernel, reached through the host port,
# while pod traffic flows.
e2e_bg ip netns exec "$(e2e_pod_ns a1)" ping -q -i 0.01 -W 1 10.244.1.2
flood=$E2E_LAST_BG
sleep 0.5
e2e_check "outside client pings node A's IP (kernel answers via the host port)" \
	ping_ok ip netns exec "$EXT" ping -c 3 -i 0.2 -W 1 192.168.60.10
e2e_check "outside client opens a TCP connection to node A's kernel" \
	bash -c "ip netns exec $EXT curl -s -m 5 http://192.168.60.10:8081/node.html | grep -q 'node A kernel'"
e2e_check "outside client reaches pod a1 through node A" \
	ping_ok ip netns exec "$EXT" ping -c 3 -i 0.2 -W 1 10.244.0.2
e2e_check "node A's kernel pings a pod of node B" \
	ping_ok ip netns exec "$NSA" ping -c 3 -i 0.2 -W 1 10.244.1.2
kill "$flood" 2>/dev/null

for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_assert_grep "node A forwarded on its uplink" '^uplink0 +uplink +[1-9]' "$(e2e_dlog A)"
e2e_finish
