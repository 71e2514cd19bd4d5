#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_vxlan.sh: the flannel vxlan overlay across two podswitch nodes and a
# Linux node whose far end is a kernel `vxlan` device set up the way
# flannel does it. The nodes sit on three different subnets behind a
# router that has no route to any pod subnet: pod traffic can only cross
# inside VXLAN.
#
#   pod a1 10.244.0.2 --+                                      +-- pod b1 10.244.1.2
#   pod a2 10.244.0.3 --+ podswitch A  192.168.60.10   192.168.61.11  podswitch B
#                          uplink --- rA  [ router R ]  rB --- uplink
#                                         rL  (no 10.244/16)
#                                          |
#                         Linux node L 192.168.62.12: flannel.1 (vxlan id 1,
#                         dstport 4789), route 10.244.X.0/24 via 10.244.X.0
#                         onlink, permanent neighbor + FDB per VTEP
#                                          |
#                                   pod l1 10.244.2.2
#
# Checks: ping and curl pod to pod both ways between A and B and between
# A and L (kernel), tshark on R's side of A's uplink decodes VXLAN with the
# VNI, outer checksum 0 and the inner ICMP; the tunnel MTU (1450 passes
# with DF, 1451 gets fragmentation needed with mtu 1450); per-tunnel
# counters in /v1/stats and /metrics; services across the overlay: a
# ClusterIP on A whose endpoints are b1 (podswitch B) and l1 (Linux node)
# answers a1 from both, and one on B whose endpoint is a1 answers b1.
# Then /metrics of node A, with its services, live conntrack and VXLAN,
# read from the read-only listener: promtool check metrics finds
# nothing, the key series are there with plausible values (endpoint
# packets grow with a curl), and the listener refuses every write.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init vxlan
for t in tshark python3 curl bridge; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
PY=/usr/bin/python3
VNI=1

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
VTEP_L=0e:00:00:00:00:0c
R=pse2e$E2E_ID-R
NSA=pse2e$E2E_ID-nA
NSB=pse2e$E2E_ID-nB
NSL=pse2e$E2E_ID-nL

{ e2e_netns "$R" && e2e_netns "$NSA" && e2e_netns "$NSB" && e2e_netns "$NSL"; } ||
	{ e2e_fail "namespaces"; e2e_finish; }
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
# The fabric cannot carry pod IPs: the router drops them.
ip -n "$R" route add blackhole 10.244.0.0/16
# link NODE_NS IFACE R_IF R_ADDR: a node's uplink to the router
link() {
	ip -n "$1" link add "$2" numtxqueues 1 numrxqueues 1 type veth \
		peer name "$3" netns "$R" numtxqueues 1 numrxqueues 1 || return 1
	ip -n "$R" addr add "$4" dev "$3"
	ip -n "$R" link set "$3" up
}
{ link "$NSA" uplink rA 192.168.60.1/24 && link "$NSB" uplink rB 192.168.61.1/24 &&
  link "$NSL" eth0 rL 192.168.62.1/24; } || { e2e_fail "links"; e2e_finish; }
# podswitch owns its uplink: the node kernel stays out of ARP there.
ip -n "$NSA" link set uplink arp off up
ip -n "$NSB" link set uplink arp off up

# pod NAME IP GW NODE_NS [MTU]
pod() {
	local name=$1 ip=$2 gw=$3 node=$4 mtu=${5:-1450} ns="pse2e$E2E_ID-$1"
	e2e_netns "$ns" || return 1
	ip -n "$node" link add "$name" numtxqueues 1 numrxqueues 1 type veth \
		peer name eth0 netns "$ns" numtxqueues 1 numrxqueues 1 || return 1
	ip -n "$ns" link set eth0 address "$(printf '02:00:0a:f4:%02x:%02x' \
		"$(echo "$ip" | cut -d. -f3)" "${ip##*.}")"
	# overlay mode: the pod MTU is the uplink's (1500) less 50
	ip -n "$ns" link set eth0 mtu "$mtu"
	ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$gw"
	ip -n "$node" link set "$name" mtu "$mtu"
	E2E_POD_NS[$name]=$ns
}
# a2 keeps MTU 1500 to meet the tunnel MTU the hard way.
{ pod a1 10.244.0.2 10.244.0.1 "$NSA" && pod a2 10.244.0.3 10.244.0.1 "$NSA" 1500 &&
  pod b1 10.244.1.2 10.244.1.1 "$NSB" && pod l1 10.244.2.2 10.244.2.1 "$NSL"; } ||
	{ e2e_fail "pods"; e2e_finish; }
for p in a1 a2; do ip -n "$NSA" link set "$p" arp off up; done
ip -n "$NSB" link set b1 arp off up

# The Linux node, as flannel's vxlan backend sets it up.
# shellcheck disable=SC2317 # run through e2e_check
linux_node() {
	local n="ip -n $NSL"
	$n addr add 192.168.62.12/24 dev eth0 && $n link set eth0 up &&
	$n route add default via 192.168.62.1 &&
	ip netns exec "$NSL" sysctl -qw net.ipv4.ip_forward=1 &&
	$n addr add 10.244.2.1/24 dev l1 && $n link set l1 up &&
	$n link add flannel.1 type vxlan id "$VNI" local 192.168.62.12 dev eth0 \
		dstport 4789 nolearning &&
	$n link set flannel.1 address "$VTEP_L" mtu 1450 up &&
	$n addr add 10.244.2.0/32 dev flannel.1 &&
	$n route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink &&
	$n neigh add 10.244.0.0 lladdr "$MAC_A" dev flannel.1 nud permanent &&
	ip netns exec "$NSL" bridge fdb append "$MAC_A" dev flannel.1 dst 192.168.60.10 self permanent &&
	$n route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink &&
	$n neigh add 10.244.1.0 lladdr "$MAC_B" dev flannel.1 nud permanent &&
	ip netns exec "$NSL" bridge fdb append "$MAC_B" dev flannel.1 dst 192.168.61.11 self permanent
}
e2e_check "Linux node L: flannel.1 vxlan device, routes, neighbors, FDB" linux_node

# node_config FILE NAME IP/LEN MAC CIDR GW ROUTER ROUTES PORTS
node_config() {
	cat >"$1" <<EOF2
{
  "node": { "name": "$2", "ip": "$3", "mac": "$4",
            "pod_cidr": "$5", "gateway_ip": "$6",
            "cluster_cidr": "10.244.0.0/16" },
  "overlay": { "mode": "vxlan", "vni": $VNI, "udp_port": 4789 },
  "ports": [
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } }$9
  ],
  "routes": [
    { "dst": "192.168.0.0/16", "gateway": "$7" },
    $8
  ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 4096 },
  "api": { "unix_socket": "$E2E_TMP/$2.sock",
           "metrics_listen": "$E2E_TMP/$2-metrics.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci", "--file-prefix=$2"] }
}
EOF2
}
tunnel() { # DST REMOTE MAC
	echo "{ \"dst\": \"$1\", \"encap\": { \"type\": \"vxlan\", \"vni\": $VNI, \"remote\": \"$2\", \"mac\": \"$3\" } }"
}
podport() { echo ", { \"name\": \"$1\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$1\" } }"; }
NAME_A=pse2e-$E2E_ID-a
NAME_B=pse2e-$E2E_ID-b
node_config "$E2E_TMP/a.json" "$NAME_A" 192.168.60.10/24 $MAC_A 10.244.0.0/24 10.244.0.1 \
	192.168.60.1 "$(tunnel 10.244.1.0/24 192.168.61.11 $MAC_B), $(tunnel 10.244.2.0/24 192.168.62.12 $VTEP_L)" \
	"$(podport a1) $(podport a2)"
node_config "$E2E_TMP/b.json" "$NAME_B" 192.168.61.11/24 $MAC_B 10.244.1.0/24 10.244.1.1 \
	192.168.61.1 "$(tunnel 10.244.0.0/24 192.168.60.10 $MAC_A), $(tunnel 10.244.2.0/24 192.168.62.12 $VTEP_L)" \
	"$(podport b1)"

e2e_start_in "$NSA" A "$E2E_TMP/a.json"
e2e_start_in "$NSB" B "$E2E_TMP/b.json"
{ e2e_wait_running A && e2e_wait_running B; } || e2e_finish

e2e_check "the router cannot route pod IPs" \
	bash -c "! ip netns exec $R ping -c 1 -W 1 10.244.1.2"

mkdir -p "$E2E_TMP/www"
echo "hello from b1" >"$E2E_TMP/www/b1.html"
echo "hello from l1" >"$E2E_TMP/www/l1.html"
echo "hello from a1" >"$E2E_TMP/www/a1.html"
e2e_bg ip netns exec "$(e2e_pod_ns b1)" $PY -m http.server 8080 --bind 10.244.1.2 --directory "$E2E_TMP/www"
e2e_bg ip netns exec "$(e2e_pod_ns l1)" $PY -m http.server 8080 --bind 10.244.2.2 --directory "$E2E_TMP/www"
e2e_bg ip netns exec "$(e2e_pod_ns a1)" $PY -m http.server 8080 --bind 10.244.0.2 --directory "$E2E_TMP/www"
e2e_bg ip netns exec "$(e2e_pod_ns l1)" $PY "$E2E_BULK" --bind 10.244.2.2
e2e_bg ip netns exec "$(e2e_pod_ns b1)" $PY "$E2E_BULK" --bind 10.244.1.2
# shellcheck disable=SC2317 # run through e2e_check
listening() { # POD: the pod's server accepts connections (python starts slowly)
	local _i
	for _i in $(seq 1 100); do
		ip netns exec "$(e2e_pod_ns "$1")" ss -ltn | grep -q ':8080 ' && return 0
		sleep 0.1
	done
	return 1
}
for p in a1 b1 l1; do
	e2e_check "$p serves HTTP" listening $p
done

# shellcheck disable=SC2317 # run through e2e_check
ping_ok() {
	"$@" >/dev/null 2>&1 || true	# warm-up: ARP for the router, pods
	local out
	out=$("$@" 2>&1)
	echo "$out" | grep -q ' 0% packet loss'
}
curl_ok() { # POD URL TEXT
	ip netns exec "$(e2e_pod_ns "$1")" curl -s -m 5 "$2" | grep -q "$3"
}
e2e_check "a1 pings b1 (podswitch A -> podswitch B)" ping_ok e2e_in a1 ping -c 3 -i 0.2 -W 1 10.244.1.2
e2e_check "b1 pings a1 (podswitch B -> podswitch A)" ping_ok e2e_in b1 ping -c 3 -i 0.2 -W 1 10.244.0.2
e2e_check "a1 curls b1" curl_ok a1 http://10.244.1.2:8080/b1.html "hello from b1"
e2e_check "b1 curls a1" curl_ok b1 http://10.244.0.2:8080/a1.html "hello from a1"
e2e_check "a1 pings l1 (podswitch -> Linux vxlan)" ping_ok e2e_in a1 ping -c 3 -i 0.2 -W 1 10.244.2.2
e2e_check "l1 pings a1 (Linux vxlan -> podswitch)" ping_ok e2e_in l1 ping -c 3 -i 0.2 -W 1 10.244.0.2
e2e_check "a1 curls l1" curl_ok a1 http://10.244.2.2:8080/l1.html "hello from l1"
e2e_check "l1 curls a1" curl_ok l1 http://10.244.0.2:8080/a1.html "hello from a1"
e2e_check "b1 pings l1 and l1 pings b1" bash -c \
	"ip netns exec $(e2e_pod_ns b1) ping -c 2 -i 0.2 -W 1 10.244.2.2 >/dev/null &&
	 ip netns exec $(e2e_pod_ns l1) ping -c 2 -i 0.2 -W 1 10.244.1.2 >/dev/null"
# A full-size bulk transfer both ways through the kernel's VTEP (TCP
# segments at the pod MTU).
head -c 3000000 /dev/urandom >"$E2E_TMP/www/big.bin"
want=$(sha256sum <"$E2E_TMP/www/big.bin")
e2e_check "a1 downloads 3 MB from l1 intact" bash -c \
	"[ \"\$(ip netns exec $(e2e_pod_ns a1) curl -s -m 20 http://10.244.2.2:8080/big.bin | sha256sum)\" = '$want' ]"
e2e_check "l1 downloads 3 MB from a1 intact" bash -c \
	"[ \"\$(ip netns exec $(e2e_pod_ns l1) curl -s -m 20 http://10.244.0.2:8080/big.bin | sha256sum)\" = '$want' ]"

# Every kernel keeps its default offloads: l1's TCP leaves flannel.1 as
# TSO frames in VXLAN with the inner checksum partial (and the outer UDP
# checksum valid only once it is complete), which A's uplink port
# finishes and cuts; UDP both ways too.
e2e_bulk "VXLAN a1 -> l1 (Linux node)" "$(e2e_pod_ns a1)" 10.244.2.2 8090
e2e_bulk "VXLAN a1 -> b1 (podswitch node)" "$(e2e_pod_ns a1)" 10.244.1.2 8090

# Tunnel MTU: 1450 bytes with DF pass; from a pod with MTU 1500, 1451
# bytes with DF get fragmentation needed quoting mtu 1450.
e2e_check "1450-byte packet with DF crosses to l1" \
	e2e_in a1 ping -c 2 -i 0.2 -W 1 -M "do" -s 1422 10.244.2.2
out=$(e2e_in a2 ping -c 2 -i 0.3 -W 1 -M "do" -s 1423 10.244.2.2 2>&1)
e2e_assert_grep "1451 bytes with DF: fragmentation needed, mtu 1450" \
	'Frag needed and DF set \(mtu = 1450\)|mtu ?= ?1450' <(echo "$out")

# The wire: tshark on the router's end of A's uplink decodes VXLAN.
cap=$E2E_TMP/wire.txt
timeout 20 ip netns exec "$R" tshark -i rA -c 4 -f "udp port 4789" -T fields \
	-E occurrence=a -E aggregator=, \
	-e ip.src -e ip.dst -e udp.dstport -e udp.checksum -e vxlan.flags \
	-e vxlan.vni -e eth.src -e eth.dst -e icmp.type >"$cap" 2>"$cap.err" &
cap_pid=$!
for _i in $(seq 1 100); do	# tshark starts slowly on a busy machine
	grep -q Capturing "$cap.err" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5
e2e_in a1 ping -c 2 -i 0.2 -W 1 10.244.2.2 >/dev/null
wait $cap_pid
e2e_assert_grep "wire: a1->l1 echo request, VXLAN VNI $VNI, outer A->L, udp csum 0, inner MACs VTEP A->VTEP L" \
	"^192\.168\.60\.10,10\.244\.0\.2	192\.168\.62\.12,10\.244\.2\.2	4789	0x0000	0x0800	$VNI	$MAC_A,$MAC_A	[0-9a-f:]+,$VTEP_L	8$" "$cap"
e2e_assert_grep "wire: l1->a1 echo reply from the kernel VTEP, VNI $VNI" \
	"^192\.168\.62\.12,10\.244\.2\.2	192\.168\.60\.10,10\.244\.0\.2	4789	0x[0-9a-f]{4}	0x0800	$VNI	[0-9a-f:]+,$VTEP_L	$MAC_A,$MAC_A	0$" "$cap"

# Services across the overlay: DNAT on the client's node, the endpoint
# reached through the tunnel, its reply un-DNATed on the way back.
svc_list() { # VIP ENDPOINT...
	local eps="" ip
	local vip=$1
	shift
	for ip in "$@"; do
		eps="$eps${eps:+, }{ \"addresses\": [ \"$ip\" ], \"conditions\": { \"ready\": true } }"
	done
	cat <<EOF3
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "over", "namespace": "default" },
    "spec": { "type": "ClusterIP", "clusterIP": "$vip",
              "ports": [ { "name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1", "addressType": "IPv4",
    "metadata": { "name": "over-1", "namespace": "default",
                  "labels": { "kubernetes.io/service-name": "over" } },
    "ports": [ { "name": "http", "protocol": "TCP", "port": 8080 } ],
    "endpoints": [ $eps ] } ] }
EOF3
}
# shellcheck disable=SC2317 # run through e2e_check
apply_on() { # SOCK FILE
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$1" -X POST \
		--data-binary @"$2" http://x/v1/apply)" = 200 ]
}
svc_list 10.96.0.60 10.244.1.2 10.244.2.2 >"$E2E_TMP/svc-a.json"
svc_list 10.96.0.61 10.244.0.2 >"$E2E_TMP/svc-b.json"
e2e_check "A: service 10.96.0.60 -> b1 (node B), l1 (Linux node) applied" \
	apply_on "$E2E_TMP/$NAME_A.sock" "$E2E_TMP/svc-a.json"
e2e_check "B: service 10.96.0.61 -> a1 (node A) applied" \
	apply_on "$E2E_TMP/$NAME_B.sock" "$E2E_TMP/svc-b.json"
ok=0
for _ in 1 2 3 4 5 6; do
	curl_ok a1 http://10.96.0.60/a1.html "hello from a1" && ok=$((ok + 1))
done
e2e_assert_eq "a1 -> ClusterIP 10.96.0.60 over the overlay: 6 of 6 answered" 6 "$ok"
backends=$(curl -s --unix-socket "$E2E_TMP/$NAME_A.sock" "http://x/v1/conntrack?limit=100" |
	$PY -c 'import json,sys; print(" ".join(sorted({e["reply"]["src"] for e in json.load(sys.stdin)["entries"] if e["original"]["dst"] == "10.96.0.60"})))')
e2e_assert_eq "A: connections to 10.96.0.60 went to both endpoints (rr)" "10.244.1.2 10.244.2.2" "$backends"
e2e_check "b1 -> ClusterIP 10.96.0.61 (endpoint a1 on node A)" \
	curl_ok b1 http://10.96.0.61/b1.html "hello from b1"

# Per-tunnel counters.
stats=$(curl -s --unix-socket "$E2E_TMP/$NAME_A.sock" http://x/v1/stats)
tx_l=$(echo "$stats" | $PY -c 'import json,sys; t=[t for t in json.load(sys.stdin)["vxlan"]["tunnels"] if t["remote"]=="192.168.62.12"]; print(t[0]["tx_packets"] if t else -1)')
rx_l=$(echo "$stats" | $PY -c 'import json,sys; t=[t for t in json.load(sys.stdin)["vxlan"]["tunnels"] if t["remote"]=="192.168.62.12"]; print(t[0]["rx_packets"] if t else -1)')
e2e_assert_ge "A: packets encapsulated to L" 10 "$tx_l"
e2e_assert_ge "A: packets decapsulated from L" 10 "$rx_l"
e2e_check "A: /metrics has the tunnel to B" bash -c \
	"curl -s --unix-socket $E2E_TMP/$NAME_A.sock http://x/metrics | grep -qE '^podswitch_vxlan_rx_packets_total\\{remote=\"192.168.61.11\",vni=\"$VNI\",mac=\"[0-9a-f:]+\"\\} [1-9]'"
drops=$(echo "$stats" | $PY -c 'import json,sys; print(sum(d["packets"] for d in json.load(sys.stdin)["drops"] if d["node"].startswith("vxlan_decap")))')
e2e_assert_eq "A: no decap drops" 0 "$drops"
echo "$stats" >"$E2E_TMP/a.stats.json"
e2e_assert_ge "A: uplink cut GSO frames from the tunnels" 1 \
	"$(e2e_port_counter "$E2E_TMP/a.stats.json" uplink0 rx_gso)"
e2e_assert_ge "A: uplink completed partial checksums" 1 \
	"$(e2e_port_counter "$E2E_TMP/a.stats.json" uplink0 rx_csum_completed)"
e2e_assert_eq "A: uplink rx errors" 0 \
	"$(e2e_port_counter "$E2E_TMP/a.stats.json" uplink0 rx_errors)"

# ------------------------------------------------------------- metrics
MSOCK_A=$E2E_TMP/$NAME_A-metrics.sock
scrape() { curl -s --unix-socket "$MSOCK_A" http://x/metrics >"$1"; }
# mval FILE NAME [LABEL=VALUE...]: the first sample with those labels
# (sum: the sum of all of them), "" when none
mval() {
	$PY - "$@" <<'PYEOF'
import re, sys
f, name = sys.argv[1], sys.argv[2]
op = "first"
if name.startswith("sum:"):
    op, name = "sum", name[4:]
want = dict(a.split("=", 1) for a in sys.argv[3:])
total, found = 0, False
for line in open(f):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line.rstrip("\n"))
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    if all(labels.get(k) == v for k, v in want.items()):
        found = True
        total += float(m.group(4))
        if op == "first":
            break
print(int(total) if found else "")
PYEOF
}
# A NetworkPolicy on node A (pod a2, any source let in: nothing changes
# for the traffic) so that its families are in the scrape too.
# shellcheck disable=SC2317 # run through e2e_check
put_a() { # PATH JSON
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$E2E_TMP/$NAME_A.sock" \
		-X PUT --data-binary "$2" "http://x$1")" = 200 ]
}
e2e_check "A: Namespace, Pod a2 and a NetworkPolicy selecting it" bash -c "
	$(declare -f put_a); E2E_TMP='$E2E_TMP' NAME_A='$NAME_A'
	put_a /v1/namespaces/default '{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"default\"}}' &&
	put_a /v1/pods/default/a2 '{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a2\",\"namespace\":\"default\",\"labels\":{\"app\":\"a2\"}},\"spec\":{\"nodeName\":\"$NAME_A\",\"containers\":[{\"name\":\"c\"}]},\"status\":{\"podIP\":\"10.244.0.3\"}}' &&
	put_a /v1/networkpolicies/default/a2-in '{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"a2-in\",\"namespace\":\"default\"},\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"a2\"}},\"ingress\":[{\"from\":[{\"ipBlock\":{\"cidr\":\"0.0.0.0/0\"}}]}]}}'"
scrape "$E2E_TMP/m1.txt"
# shellcheck disable=SC2317 # run through e2e_check
promtool_clean() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || { echo "$out" | head -n 20; return 1; }
	[ -z "$out" ] || { echo "$out" | head -n 20; return 1; }
}
e2e_check "A: promtool check metrics on the read-only listener: no output, exit 0" \
	promtool_clean "$E2E_TMP/m1.txt"
e2e_assert_eq "A: policies loaded" 1 "$(mval "$E2E_TMP/m1.txt" podswitch_policy_policies)"
e2e_assert_eq "A: services programmed" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_services state=programmed)"
e2e_assert_eq "A: endpoint records" 2 "$(mval "$E2E_TMP/m1.txt" podswitch_endpoints)"
e2e_assert_eq "A: conntrack limit (tables.conntrack)" 4096 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_table_size table=conntrack)"
e2e_assert_ge "A: live TCP conntrack entries (by state)" 1 \
	"$(mval "$E2E_TMP/m1.txt" sum:podswitch_conntrack_entries protocol=tcp)"
e2e_assert_ge "A: connections to the service port (ipvsadm Conns)" 6 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_service_port_connections_total namespace=default service=over protocol=tcp service_port=80)"
e2e_assert_ge "A: connections given to endpoint b1" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_endpoint_connections_total service=over endpoint=10.244.1.2:8080)"
e2e_assert_ge "A: packets encapsulated to B" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_vxlan_tx_packets_total remote=192.168.61.11)"
e2e_assert_eq "A: the apply counted by its route" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_api_requests_total method=POST route=/v1/apply status=200)"
e2e_assert_eq "A: the apply in the duration histogram (+Inf bucket)" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_api_request_duration_seconds_bucket method=POST route=/v1/apply le=+Inf)"
e2e_assert_ge "A: worker 0 busy cycles" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_worker_busy_cycles_total worker=0)"
e2e_assert_ge "A: ip4_lookup packets, labelled graph_node" 1 \
	"$(mval "$E2E_TMP/m1.txt" podswitch_graph_node_packets_total graph_node=ip4_lookup)"
# af_packet ports hold no mbufs between bursts: in use may be 0
e2e_assert_eq "A: mbufs in use + available = the pool" \
	"$(mval "$E2E_TMP/m1.txt" podswitch_mbuf_pool_size)" \
	"$(($(mval "$E2E_TMP/m1.txt" podswitch_mbuf_pool_in_use) + $(mval "$E2E_TMP/m1.txt" podswitch_mbuf_pool_available)))"
e2e_assert_ge "A: mbufs available" 1 "$(mval "$E2E_TMP/m1.txt" podswitch_mbuf_pool_available)"
# shellcheck disable=SC2016 # the script reads its file as $1
e2e_check "A: no graph node labelled node" bash -c '! grep -E "^podswitch_(graph_node|drops)_[a-z_]*\{node=" "$1"' _ "$E2E_TMP/m1.txt"
ep_in1=$(mval "$E2E_TMP/m1.txt" sum:podswitch_endpoint_packets_total service=over direction=in)
sp_in1=$(mval "$E2E_TMP/m1.txt" podswitch_service_port_packets_total service=over direction=in)
for _ in 1 2; do curl_ok a1 http://10.96.0.60/a1.html "hello from a1"; done
scrape "$E2E_TMP/m2.txt"
e2e_assert_ge "A: endpoint packets (in) grew with two curls" $((${ep_in1:-0} + 4)) \
	"$(mval "$E2E_TMP/m2.txt" sum:podswitch_endpoint_packets_total service=over direction=in)"
e2e_assert_ge "A: service port packets (in) grew with two curls" $((${sp_in1:-0} + 4)) \
	"$(mval "$E2E_TMP/m2.txt" podswitch_service_port_packets_total service=over direction=in)"
e2e_check "A: promtool check metrics again, after the traffic" \
	promtool_clean "$E2E_TMP/m2.txt"
# The read-only listener: no write gets through, nothing changes.
svcs_before=$(curl -s --unix-socket "$E2E_TMP/$NAME_A.sock" http://x/v1/services)
log_before=$(curl -s --unix-socket "$E2E_TMP/$NAME_A.sock" http://x/v1/log)
codes=""
for m in POST PUT DELETE; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$MSOCK_A" -X "$m" \
		--data-binary '{}' http://x/metrics)"
done
e2e_assert_eq "A: metrics listener: POST, PUT, DELETE /metrics -> 405" " 405 405 405" "$codes"
codes=""
for req in "POST /v1/apply" "DELETE /v1/services/default/over" "PUT /v1/log" "DELETE /v1/conntrack"; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$MSOCK_A" -X "${req% *}" \
		--data-binary @"$E2E_TMP/svc-a.json" "http://x${req#* }")"
done
e2e_assert_eq "A: metrics listener: writes to the API's paths -> 404" " 404 404 404 404" "$codes"
e2e_assert_eq "A: ... and the services did not change" "$svcs_before" \
	"$(curl -s --unix-socket "$E2E_TMP/$NAME_A.sock" http://x/v1/services)"
e2e_assert_eq "A: ... nor the log level" "$log_before" \
	"$(curl -s --unix-socket "$E2E_TMP/$NAME_A.sock" http://x/v1/log)"
scrape "$E2E_TMP/m3.txt"
e2e_assert_ge "A: conntrack still holds the connections (no flush got through)" 1 \
	"$(mval "$E2E_TMP/m3.txt" sum:podswitch_conntrack_entries protocol=tcp)"
e2e_assert_eq "A: still one apply counted" 1 \
	"$(mval "$E2E_TMP/m3.txt" podswitch_api_requests_total method=POST route=/v1/apply status=200)"

for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_finish
