#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_service.sh: the service load balancer with real kernels at both ends.
#
#   p1 10.244.0.2 (client)          \
#   b1..b3 10.244.0.3..5 (servers)   > podswitch (af_packet) == uplink == ext 192.168.60.50
#                                   /                                     (8.8.8.8 on lo)
#
# The servers answer HTTP on 8080 with "<name> <client address>" and UDP on
# 5353 with their name. Services come from a kubectl-shaped List applied
# with "podswitchctl apply -f":
#   web   10.96.0.10:80 NodePort 30080 (policy Cluster) -> b1,b2,b3:8080, rr
#   local 10.96.0.14:80 NodePort 30081 (policy Local)   -> b2:8080
#   self  10.96.0.11:80 -> b1:8080 (b1 reaching it is hairpin)
#   dns   10.96.0.12:53/UDP -> b1,b2,b3:5353
#   none  10.96.0.13:80, no endpoint (rejects)
#   bulk  10.96.0.15:80 TCP and UDP, NodePort 30082 -> b2:8090
# Every kernel keeps its default offloads (partial checksums, TSO).
# Checked: 30 curls to the ClusterIP reach b1/b2/b3 10/10/10 with the pod's
# address kept; NodePort from ext answers with the node IP as client
# (SNAT), the Local one with ext's own address; hairpin; UDP; a service
# without endpoint refuses at once; a pod reaches 8.8.8.8 (masquerade: ext
# has no route back to pods); podswitchctl service list / conntrack
# list|flush; 1 MiB both ways over TCP and a 1400-byte UDP echo
# bridged, through the ClusterIP, the NodePort from ext and masqueraded
# to 8.8.8.8 (bulk_server.py on b2 and ext), with the ports showing
# the partial checksums completed and the GSO frames cut; clean exit.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init service
EXT="pse2e$E2E_ID-ext"
UP="pse2e${E2E_ID}up"

UDP_CLIENT='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"q", (sys.argv[1], int(sys.argv[2])))
print(s.recvfrom(2048)[0].decode())
'

e2e_pods p1:2 b1:3 b2:4 b3:5 || { e2e_fail "pods"; e2e_finish; }
e2e_uplink_peer "$EXT" "$UP" || { e2e_fail "ext namespace"; e2e_finish; }
ip -n "$EXT" addr add 8.8.8.8/32 dev lo

for b in b1 b2 b3; do
	e2e_bg ip netns exec "$(e2e_pod_ns $b)" python3 "$E2E_ECHO" "$b"
done
e2e_bg ip netns exec "$EXT" python3 "$E2E_ECHO" ext --bind 8.8.8.8
e2e_bg ip netns exec "$(e2e_pod_ns b2)" python3 "$E2E_BULK"
e2e_bg ip netns exec "$EXT" python3 "$E2E_BULK" --bind 8.8.8.8

name="pse2e-svc-$E2E_ID"
ports="[ $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)"),
    $(e2e_port_json b1 pod af_packet "$(e2e_pod_if b1)" 10.244.0.3 "$(e2e_pod_mac b1)"),
    $(e2e_port_json b2 pod af_packet "$(e2e_pod_if b2)" 10.244.0.4 "$(e2e_pod_mac b2)"),
    $(e2e_port_json b3 pod af_packet "$(e2e_pod_if b3)" 10.244.0.5 "$(e2e_pod_mac b3)"),
    $(e2e_port_json uplink0 uplink af_packet "$UP") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" \
	'"routes": [ { "dst": "0.0.0.0/0", "gateway": "192.168.60.50" } ]'
sock="$E2E_TMP/$name.sock"

svc() { # name vip type port nodeport etp proto
	local np=""
	[ -n "$5" ] && np=", \"nodePort\": $5"
	echo "{ \"kind\": \"Service\", \"apiVersion\": \"v1\",
	  \"metadata\": { \"name\": \"$1\", \"namespace\": \"default\" },
	  \"spec\": { \"type\": \"$3\", \"clusterIP\": \"$2\",
	    \"externalTrafficPolicy\": \"$6\",
	    \"ports\": [ { \"name\": \"p\", \"protocol\": \"$7\", \"port\": $4$np,
	                   \"targetPort\": \"p\" } ] } }"
}
slice() { # service proto port ip...
	local s=$1 proto=$2 port=$3 eps="" ip
	shift 3
	for ip in "$@"; do
		eps="$eps${eps:+, }{ \"addresses\": [ \"$ip\" ], \"nodeName\": \"$name\",
		  \"conditions\": { \"ready\": true } }"
	done
	echo "{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"$s-x\",
	  \"namespace\": \"default\", \"labels\": { \"kubernetes.io/service-name\": \"$s\" } },
	  \"ports\": [ { \"name\": \"p\", \"protocol\": \"$proto\", \"port\": $port } ],
	  \"endpoints\": [ $eps ] }"
}
cat >"$E2E_TMP/services.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  $(svc web 10.96.0.10 NodePort 80 30080 Cluster TCP),
  $(slice web TCP 8080 10.244.0.3 10.244.0.4 10.244.0.5),
  $(svc local 10.96.0.14 NodePort 80 30081 Local TCP),
  $(slice local TCP 8080 10.244.0.4),
  $(svc self 10.96.0.11 ClusterIP 80 "" Cluster TCP),
  $(slice self TCP 8080 10.244.0.3),
  $(svc dns 10.96.0.12 ClusterIP 53 "" Cluster UDP),
  $(slice dns UDP 5353 10.244.0.3 10.244.0.4 10.244.0.5),
  $(svc none 10.96.0.13 ClusterIP 80 "" Cluster TCP),
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "bulk", "namespace": "default" },
    "spec": { "type": "NodePort", "clusterIP": "10.96.0.15",
      "ports": [ { "name": "t", "protocol": "TCP", "port": 80, "nodePort": 30082,
                   "targetPort": 8090 },
                 { "name": "u", "protocol": "UDP", "port": 80, "nodePort": 30082,
                   "targetPort": 8090 } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4", "metadata": { "name": "bulk-x", "namespace": "default",
    "labels": { "kubernetes.io/service-name": "bulk" } },
    "ports": [ { "name": "t", "protocol": "TCP", "port": 8090 },
               { "name": "u", "protocol": "UDP", "port": 8090 } ],
    "endpoints": [ { "addresses": [ "10.244.0.4" ], "nodeName": "$name",
                     "conditions": { "ready": true } } ] }
] }
EOF

e2e_start d "$cfg"
if ! e2e_wait_running d 20; then
	e2e_stop d
	e2e_finish
fi
e2e_check "podswitchctl apply -f services.json" \
	"$CTL" --socket "$sock" apply -f "$E2E_TMP/services.json"
list=$("$CTL" --socket "$sock" service list 2>&1)
e2e_assert_eq "service list shows the 6 services" 6 \
	"$(printf '%s\n' "$list" | grep -c '^default ')"
[ "$E2E_VERBOSE" = 1 ] && printf '%s\n' "$list"

# Servers up (python takes a moment).
for _i in $(seq 1 50); do
	e2e_in p1 curl -s --max-time 1 http://10.244.0.5:8080/ >/dev/null && break
	sleep 0.2
done

# rr: 30 connections, 10 each, client address kept.
declare -A seen=()
kept=0
for _ in $(seq 1 30); do
	out=$(e2e_in p1 curl -s --max-time 3 http://10.96.0.10/)
	seen[${out%% *}]=$((${seen[${out%% *}]:-0} + 1))
	[ "${out#* }" = 10.244.0.2 ] && kept=$((kept + 1))
done
e2e_assert_eq "ClusterIP rr: b1 answered 10 of 30" 10 "${seen[b1]:-0}"
e2e_assert_eq "ClusterIP rr: b2 answered 10 of 30" 10 "${seen[b2]:-0}"
e2e_assert_eq "ClusterIP rr: b3 answered 10 of 30" 10 "${seen[b3]:-0}"
e2e_assert_eq "ClusterIP: the server saw the pod's own address" 30 "$kept"

out=$(ip netns exec "$EXT" curl -s --max-time 3 http://192.168.60.10:30080/)
e2e_assert_eq "NodePort (Cluster) from outside: SNAT to the node IP" \
	192.168.60.10 "${out#* }"
out=$(ip netns exec "$EXT" curl -s --max-time 3 http://192.168.60.10:30081/)
e2e_assert_eq "NodePort (Local) from outside: b2 saw the client's address" \
	"b2 192.168.60.50" "$out"
out=$(e2e_in b1 curl -s --max-time 3 http://10.96.0.11/)
e2e_assert_eq "hairpin: b1 reaches itself through its service (as the node IP)" \
	"b1 192.168.60.10" "$out"
out=$(e2e_in p1 python3 -c "$UDP_CLIENT" 10.96.0.12 53 2>&1)
case $out in
b1 | b2 | b3) e2e_ok "UDP service answered ($out)" ;;
*) e2e_fail "UDP service: $out" ;;
esac
t0=$(date +%s%N)
e2e_in p1 curl -s --max-time 3 http://10.96.0.13/ >/dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
e2e_assert_eq "no endpoint: connection refused (curl exit 7, in $ms ms)" 7 "$rc"
out=$(e2e_in p1 curl -s --max-time 3 http://8.8.8.8:8080/)
e2e_assert_eq "masquerade: a pod reaches 8.8.8.8 as the node IP" \
	"ext 192.168.60.10" "$out"
e2e_ping p1 8.8.8.8

# Bulk both ways, default offloads everywhere.
e2e_bulk "bridged p1 -> b2" "$(e2e_pod_ns p1)" 10.244.0.4 8090
e2e_bulk "ClusterIP p1 -> b2" "$(e2e_pod_ns p1)" 10.96.0.15 80
e2e_bulk "NodePort ext -> b2" "$EXT" 192.168.60.10 30082
e2e_bulk "masquerade p1 -> 8.8.8.8" "$(e2e_pod_ns p1)" 8.8.8.8 8090
st=$E2E_TMP/stats.json
e2e_stats d "$st"
for p in p1 b2 uplink0; do
	e2e_assert_ge "port $p: GSO frames cut into segments" 1 \
		"$(e2e_port_counter "$st" "$p" rx_gso)"
	e2e_assert_ge "port $p: partial checksums completed" 1 \
		"$(e2e_port_counter "$st" "$p" rx_csum_completed)"
	e2e_assert_eq "port $p: no rx errors" 0 \
		"$(e2e_port_counter "$st" "$p" rx_errors)"
done

ct=$("$CTL" --socket "$sock" conntrack list 2>&1)
n=$(printf '%s\n' "$ct" | sed -n 's/^\([0-9]*\) connections.*/\1/p')
e2e_assert_ge "conntrack list shows the connections" 30 "${n:-0}"
e2e_check "conntrack flush" "$CTL" --socket "$sock" conntrack flush
ct=$("$CTL" --socket "$sock" conntrack list 2>&1)
e2e_assert_grep "conntrack empty after flush" '^0 connections' <(printf '%s\n' "$ct")

show=$("$CTL" --socket "$sock" service show default/web 2>&1)
e2e_assert_eq "service show lists the 3 endpoints of web" 3 \
	"$(printf '%s\n' "$show" | grep -cE '^ +10\.244\.0\.[345] +8080 +yes')"
e2e_check "service del default/none" "$CTL" --socket "$sock" service del default/none
e2e_assert_eq "service list shows 5 services after del" 5 \
	"$("$CTL" --socket "$sock" service list 2>&1 | grep -c '^default ')"
"$CTL" --socket "$sock" service del default/none 2>/dev/null
e2e_assert_eq "service del of a missing service: exit 1" 1 "$?"

e2e_stop d TERM
e2e_assert_eq "daemon exits 0 on SIGTERM" 0 "$(e2e_drc d)"
e2e_finish
