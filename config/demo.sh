#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: two Kubernetes-style nodes in flannel host-gw mode, each a
# network namespace running its own podswitch, joined by a fabric bridge.
#
#   pod a1 10.244.0.2, a2 .3 --[podswitch node-a]--uplink--+--uplink--[podswitch node-b]-- pod b1 10.244.1.2, b2 .3
#   node-a kernel 192.168.60.10 (host port)                |          node-b kernel 192.168.60.11 (host port)
#                                                client 192.168.60.1
#
# Pods ping their gateway, each other and the pods of the other node, curl
# a page served in b1; the outside client pings and curls the node IP (the
# node's kernel, through the host port). Then the counters of both nodes.
# Needs root; installs what is missing and builds first.
#
# usage: config/demo.sh [host-gw|vxlan]   (or DEMO_MODE=vxlan)
#   host-gw (default): pod packets cross the fabric as they are, routed
#            via the other node's IP (config/demo-node-?.json).
#   vxlan:   flannel vxlan overlay (config/demo-node-?-vxlan.json): the
#            nodes' only routes to each other's pods are VXLAN tunnels
#            (VNI 1, UDP 4789, the peer's VTEP MAC from the neighbor
#            table); pod MTU 1450; tshark, when installed, shows a packet
#            on the wire. (test/e2e/test_vxlan.sh puts the nodes behind a
#            router that cannot route pod IPs, with a Linux VTEP too.)
set -euo pipefail
MODE=${1:-${DEMO_MODE:-host-gw}}
case $MODE in
host-gw) SFX= ;;
vxlan) SFX=-vxlan ;;
*) echo "usage: $0 [host-gw|vxlan]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash test/setup-deps.sh
bash test/build.sh >/dev/null
PS=$top/build/app/podswitch
WORK=$(mktemp -d /tmp/psdemo.XXXXXX)
NS=(psdemo-fab psdemo-ext psdemo-node-a psdemo-node-b psdemo-a1 psdemo-a2 psdemo-b1 psdemo-b2)
declare -A PID=()

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local n
	for n in "${!PID[@]}"; do
		kill -TERM "${PID[$n]}" 2>/dev/null && wait "${PID[$n]}" 2>/dev/null
	done
	pkill -f "http.server 80[0-9]* --bind .* --directory $WORK" 2>/dev/null || true
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT
for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
for n in "${NS[@]}"; do
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

# Fabric: a bridge with both node uplinks and the outside client.
ip -n psdemo-fab link add br0 type bridge
ip -n psdemo-fab link set br0 up
for node in a b; do
	ip -n "psdemo-node-$node" link add uplink type veth peer name "up-$node" netns psdemo-fab
	# podswitch owns the uplink: the node kernel must not answer ARP on it
	ip -n "psdemo-node-$node" link set uplink arp off up
	ip -n psdemo-fab link set "up-$node" master br0 up
done
ip -n psdemo-ext link add eth0 type veth peer name up-ext netns psdemo-fab
ip -n psdemo-fab link set up-ext master br0 up
ip -n psdemo-ext addr add 192.168.60.1/24 dev eth0
ip -n psdemo-ext link set eth0 up
ip -n psdemo-ext route add 10.244.0.0/16 via 192.168.60.10
POD_MTU=1500
[ "$MODE" = vxlan ] && POD_MTU=1450	# the uplink's 1500 less VXLAN's 50

# Pods: eth0 in the pod, the peer named after the pod in its node.
pod() {
	local name=$1 node=$2 ip=$3 gw=$4 mac=$5
	ip -n "psdemo-node-$node" link add "$name" type veth peer name eth0 netns "psdemo-$name"
	ip -n "psdemo-node-$node" link set "$name" arp off up
	ip -n "psdemo-$name" link set eth0 address "$mac" mtu "$POD_MTU"
	ip -n "psdemo-node-$node" link set "$name" mtu "$POD_MTU"
	ip -n "psdemo-$name" addr add "$ip/24" dev eth0
	ip -n "psdemo-$name" link set eth0 up
	ip -n "psdemo-$name" route add default via "$gw"
}
pod a1 a 10.244.0.2 10.244.0.1 02:00:0a:f4:00:02
pod a2 a 10.244.0.3 10.244.0.1 02:00:0a:f4:00:03
pod b1 b 10.244.1.2 10.244.1.1 02:00:0a:f4:01:02
pod b2 b 10.244.1.3 10.244.1.1 02:00:0a:f4:01:03

for node in a b; do
	log=$WORK/node-$node.log
	echo "== node-$node ($MODE): podswitch --config config/demo-node-$node$SFX.json"
	ip netns exec "psdemo-node-$node" "$PS" --config "$top/config/demo-node-$node$SFX.json" >"$log" 2>&1 &
	PID[$node]=$!
	for _ in $(seq 100); do
		grep -q '^podswitch: node .* running' "$log" && break
		kill -0 "${PID[$node]}" 2>/dev/null || { cat "$log"; exit 1; }
		sleep 0.1
	done
	grep -E '^(port|dataplane|podswitch):' "$log" | sed 's/^/   /'
	# the node's own kernel: its IP on the host port, podswitch as its router
	ip -n "psdemo-node-$node" addr add "192.168.60.1$([ $node = a ] && echo 0 || echo 1)/24" dev pshost
	ip -n "psdemo-node-$node" link set pshost up
	ip -n "psdemo-node-$node" route add 10.244.0.0/16 dev pshost
done

mkdir -p "$WORK/www"
echo "hello from pod b1" >"$WORK/www/index.html"
echo "hello from node-a's kernel" >"$WORK/www/node.html"
ip netns exec psdemo-b1 python3 -m http.server 8080 --bind 10.244.1.2 --directory "$WORK/www" >/dev/null 2>&1 &
ip netns exec psdemo-node-a python3 -m http.server 8081 --bind 192.168.60.10 --directory "$WORK/www" >/dev/null 2>&1 &
sleep 1

fail=0
try() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1 || "$@" >/dev/null 2>&1; then
		echo "ok    $what"
	else
		echo "FAIL  $what"
		fail=1
	fi
}
echo "== traffic"
try "a1 -> gateway 10.244.0.1" ip netns exec psdemo-a1 ping -c 2 -i 0.2 -W 1 10.244.0.1
try "a1 -> a2 10.244.0.3 (same node, bridged)" ip netns exec psdemo-a1 ping -c 2 -i 0.2 -W 1 10.244.0.3
via="routed"
[ "$MODE" = vxlan ] && via="routed over VXLAN"
try "a1 -> b1 10.244.1.2 (other node, $via)" ip netns exec psdemo-a1 ping -c 2 -i 0.2 -W 1 10.244.1.2
try "b2 -> a2 10.244.0.3 (other node, $via)" ip netns exec psdemo-b2 ping -c 2 -i 0.2 -W 1 10.244.0.3
try "b1 -> a1 10.244.0.2 (other node, $via)" ip netns exec psdemo-b1 ping -c 2 -i 0.2 -W 1 10.244.0.2
try "client -> node-a IP (kernel via host port)" ip netns exec psdemo-ext ping -c 2 -i 0.2 -W 1 192.168.60.10
echo "   a1 curls b1:      $(ip netns exec psdemo-a1 curl -s -m 5 http://10.244.1.2:8080/index.html)"
echo "   client curls node-a: $(ip netns exec psdemo-ext curl -s -m 5 http://192.168.60.10:8081/node.html)"
echo "   traceroute a1 -> b1 (one routed hop per node):"
for ttl in 1 2 3; do
	echo "     ttl $ttl: $(ip netns exec psdemo-a1 ping -n -c 1 -W 1 -t $ttl 10.244.1.2 | grep -E '^From|bytes from' | head -n1)"
done

# A service (config/k8s/demo-services.json, the shape kubectl prints): web,
# ClusterIP 10.96.0.10:80 and NodePort 30080, rr over a2 (node-a), b1 and
# b2 (node-b), each serving a page with its own name. Both nodes get it.
echo "== service web: ClusterIP 10.96.0.10:80, NodePort 30080 -> a2, b1, b2 :8080"
for p in a2:10.244.0.3 b2:10.244.1.3; do
	mkdir -p "$WORK/www-${p%%:*}"
	echo "hello from pod ${p%%:*}" >"$WORK/www-${p%%:*}/index.html"
	ip netns exec "psdemo-${p%%:*}" python3 -m http.server 8080 --bind "${p#*:}" \
		--directory "$WORK/www-${p%%:*}" >/dev/null 2>&1 &
done
for node in a b; do
	"$top/build/app/podswitchctl" --socket "/run/podswitch/node-$node.sock" \
		apply -f "$top/config/k8s/demo-services.json" | sed "s/^/   node-$node: /"
done
"$top/build/app/podswitchctl" --socket /run/podswitch/node-a.sock service list | sed 's/^/   /'
for _ in $(seq 50); do
	ip netns exec psdemo-a1 curl -s -m 1 -o /dev/null http://10.244.1.3:8080/ &&
		ip netns exec psdemo-a1 curl -s -m 1 -o /dev/null http://10.244.0.3:8080/ && break
	sleep 0.1
done
# backends NS URL N: the pages N connections got, one line
backends() {
	for _ in $(seq "$3"); do
		ip netns exec "$1" curl -s -m 3 "$2" || echo "(no answer)"
	done | sed 's/^hello from //' | sort | uniq -c | tr -s ' ' | tr '\n' ',' | sed 's/,$//'
}
svc_try() { # what ns url n
	local out
	out=$(backends "$2" "$3" "$4")
	echo "   $1:$out"
	if [ "$(echo "$out" | grep -o 'pod [ab][12]' | sort -u | wc -l)" -ge 2 ] &&
	   ! echo "$out" | grep -q 'no answer'; then
		echo "ok    $1: several backends"
	else
		echo "FAIL  $1: several backends"
		fail=1
	fi
}
svc_try "a1 curls the ClusterIP 10.96.0.10 6 times" psdemo-a1 http://10.96.0.10/ 6
svc_try "b2 curls the ClusterIP 10.96.0.10 6 times" psdemo-b2 http://10.96.0.10/ 6
svc_try "client curls node-a:30080 6 times" psdemo-ext http://192.168.60.10:30080/ 6
svc_try "client curls node-b:30080 6 times" psdemo-ext http://192.168.60.11:30080/ 6
echo "   podswitchctl conntrack list --limit 4 (node-a):"
"$top/build/app/podswitchctl" --socket /run/podswitch/node-a.sock conntrack list --limit 4 | sed 's/^/     /'

echo "== REST API of node-a (/run/podswitch/node-a.sock)"
api() { curl -s -m 5 --unix-socket /run/podswitch/node-a.sock "$@"; echo; }
echo "   GET /v1/routes:"
api http://localhost/v1/routes | sed 's/},/},\n     /g; s/^/     /'
if [ "$MODE" = vxlan ]; then
	echo "   POST /v1/routes 10.244.2.0/24 over VXLAN to 192.168.60.12:"
	api -X POST -d '{"dst": "10.244.2.0/24", "encap": {"type": "vxlan", "vni": 1, "remote": "192.168.60.12", "mac": "0e:00:00:00:00:0c"}}' \
		http://localhost/v1/routes | sed 's/^/     /'
else
	echo "   POST /v1/routes 10.244.2.0/24 via 192.168.60.12:"
	api -X POST -d '{"dst": "10.244.2.0/24", "gateway": "192.168.60.12"}' http://localhost/v1/routes | sed 's/^/     /'
fi
echo "   DELETE /v1/routes/10.244.2.0_24: HTTP $(curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket /run/podswitch/node-a.sock -X DELETE http://localhost/v1/routes/10.244.2.0_24)"
echo "   GET /v1/neighbors:"
api http://localhost/v1/neighbors | sed 's/},/},\n     /g; s/^/     /'

if [ "$MODE" = vxlan ]; then
	echo "   GET /v1/stats, the tunnels:"
	api http://localhost/v1/stats | python3 -c 'import json, sys
v = json.load(sys.stdin)["vxlan"]
print("     mode %s vni %s udp_port %s tunnel_mtu %s" % (v["mode"], v["vni"], v["udp_port"], v["tunnel_mtu"]))
for t in v["tunnels"]:
    print("     remote %(remote)s vni %(vni)s: tx %(tx_packets)s pkts, rx %(rx_packets)s pkts" % t)'
	if command -v tshark >/dev/null; then
		echo "== the wire (tshark on the fabric side of node-a's uplink), a1 -> b1:"
		timeout 10 ip netns exec psdemo-fab tshark -i up-a -c 1 -f "udp port 4789" -V \
			2>/dev/null | grep -E '^(Ethernet|Internet|User Datagram|Virtual eXtensible)|VXLAN Network Identifier|Checksum: 0x0000' |
			sed 's/^/   /' &
		tpid=$!
		sleep 3
		ip netns exec psdemo-a1 ping -c 3 -i 0.3 -W 1 10.244.1.2 >/dev/null 2>&1 || true
		wait "$tpid" || true
	fi
fi
for node in a b; do
	echo "== counters of node-$node (SIGUSR1)"
	log=$WORK/node-$node.log
	before=$(wc -l <"$log")
	kill -USR1 "${PID[$node]}"
	sleep 0.5
	tail -n +"$((before + 1))" "$log"
done
for node in a b; do
	kill -TERM "${PID[$node]}"
	wait "${PID[$node]}"
	echo "node-$node podswitch exited with status $?"
	unset "PID[$node]"
done
exit $fail
