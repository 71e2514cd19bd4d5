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
# Every kernel keeps its default offloads: 1 MiB both ways and UDP, pod
# to pod across the nodes and within node A (bulk_server.py).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init two-nodes
for t in tshark python3 curl; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
PY=/usr/bin/python3

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b

# Each node is a namespace (its kernel, its interfaces, its podswitch),
# as on a real host; the fabric is a bridge namespace joining both uplinks
# and the outside client.
e2e_two_node_fabric 192.168.60.1 || { e2e_fail "namespaces"; e2e_finish; }
ip -n "$EXT" route add 10.244.0.0/16 via 192.168.60.10

{ e2e_fabric_pod a1 10.244.0.2 A && e2e_fabric_pod a2 10.244.0.3 A &&
  e2e_fabric_pod b1 10.244.1.2 B && e2e_fabric_pod b2 10.244.1.3 B; } ||
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

# Each daemon runs in its node's namespace.
e2e_start_in "$NSA" A "$E2E_TMP/a.json"
e2e_start_in "$NSB" B "$E2E_TMP/b.json"
{ e2e_wait_running A && e2e_wait_running B; } || e2e_finish

# Each node's kernel gets its host port: the node IP, and podswitch as its
# router for everything else (it answers ARP for any address there).
e2e_check "node A's kernel on its host port" e2e_host_port "$NSA" 192.168.60.10
e2e_check "node B's kernel on its host port" e2e_host_port "$NSB" 192.168.60.11

# b1 serves a page naming itself.
mkdir -p "$E2E_TMP/www"
echo "hello from b1" >"$E2E_TMP/www/index.html"
e2e_bg ip netns exec "$(e2e_pod_ns b1)" $PY -m http.server 8080 --bind 10.244.1.2 --directory "$E2E_TMP/www"
# node A's kernel serves TCP on the node IP.
echo "node A kernel" >"$E2E_TMP/www/node.html"
e2e_bg ip netns exec "$NSA" $PY -m http.server 8081 --bind 192.168.60.10 --directory "$E2E_TMP/www"
e2e_bg ip netns exec "$(e2e_pod_ns b1)" $PY "$E2E_BULK" --bind 10.244.1.2
e2e_bg ip netns exec "$(e2e_pod_ns a2)" $PY "$E2E_BULK" --bind 10.244.0.3
sleep 1

# shellcheck disable=SC2317 # run through e2e_check
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
e2e_bulk "routed a1 -> b1" "$(e2e_pod_ns a1)" 10.244.1.2 8090
e2e_bulk "same node a1 -> a2" "$(e2e_pod_ns a1)" 10.244.0.3 8090

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
timeout 8 ip netns exec "$FAB" tshark -i "$E2E_PREFIX${E2E_ID}uA" -c 4 -f "icmp and host 10.244.0.2" -T fields \
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

e2e_stats A "$E2E_TMP/a.stats.json" || e2e_log "GET /v1/stats of node A failed"
for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_assert_ge "node A forwarded on its uplink" 1 \
	"$(e2e_port_counter "$E2E_TMP/a.stats.json" uplink0 rx_packets)"
e2e_finish
