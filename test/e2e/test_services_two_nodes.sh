#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_services_two_nodes.sh: services across two podswitch nodes (flannel
# host-gw), with real servers in pod namespaces and an outside client.
#
#   c1 .2  s1..s5 .3-.7  ing .8          c2 .2  s6..s10 .3-.7
#   (node A, 10.244.0.0/24)              (node B, 10.244.1.0/24)
#     podswitch A ==uplink== fabric bridge ==uplink== podswitch B
#     host port 192.168.60.10      |           host port 192.168.60.11
#                         ext 192.168.60.1 (8.8.8.8 on lo, no route to pods)
#
# Every sN answers HTTP on 8080 with "sN <client address>" and UDP on 5353
# with "sN". Both nodes get the same services (a kubectl-shaped List, the
# endpoints' nodeName telling each node which are its own):
#   web     10.96.0.10:80  NodePort 30080 Cluster, rr    -> s1, s6, s7
#   mag     10.96.0.20:80  maglev                        -> s1..s10
#   sticky  10.96.0.21:80  rr, ClientIP affinity 3 s     -> s2, s3, s8
#   local1  10.96.0.22:80  NodePort 30081 Local          -> s1, s6
#   local2  10.96.0.23:80  NodePort 30082 Local          -> s7
#   self    10.96.0.11:80                                -> s8 (hairpin)
#   dns     10.96.0.12:53/UDP                            -> s6, s7
#   drain   10.96.0.24:80  rr                            -> s3, s9 (s3 turns
#           not ready)
#   backend 10.96.0.30:80  rr                            -> s4, s9, s10
#   ingress 10.96.0.31:80  NodePort 23456 Cluster        -> ing:80 (nginx,
#           proxy_pass http://10.96.0.30: the course's closing scenario)
#   slb     nginx in ext, 127.0.0.1:8000 -> port 23456 of both nodes (the
#           course's cloud load balancer)
# Checked: 300 connections to web's ClusterIP split 100/100/100; maglev
# moves at most 15% of 500 client flows when one of 10 endpoints goes;
# affinity keeps a client on one backend until its timeout, then it moves;
# NodePort Cluster through either node (the backend sees that node's IP),
# Local (only the node with a local endpoint answers, the backend sees the
# client); the outside client reaches all 3 backends through nginx on port
# 23456 of either node, and through the load balancer in front of both;
# a not-ready endpoint gets no new connection (not even from a client port
# whose finished connection to it is in TIME_WAIT); UDP across nodes, and
# a UDP flow moving when its endpoint goes; hairpin; masquerade; no
# unexpected drops. The conntrack table filling up: test_conntrack_full.sh.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init services-two-nodes
for t in python3 curl nginx; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
PY=python3

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
IP_A=192.168.60.10
IP_B=192.168.60.11
EXT_IP=192.168.60.1
NAME_A=pse2e-$E2E_ID-a
NAME_B=pse2e-$E2E_ID-b
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock

# GET HOST PORT COUNT [SRC_IP FIRST_SRC_PORT]: COUNT connections, one body
# line each ("ERR <why>" on failure); with a source port, each line starts
# with it (connection i binds FIRST_SRC_PORT + i).
GET='
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 else ""
p0 = int(sys.argv[5]) if len(sys.argv) > 5 else 0
for i in range(n):
    tag = "%d " % (p0 + i) if p0 else ""
    s = socket.socket()
    s.settimeout(10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        if src:
            s.bind((src, p0 + i if p0 else 0))
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        head, _, body = data.partition(b"\r\n\r\n")
        print(tag + (body.decode().strip() if head.startswith(b"HTTP/1") and b" 200 " in head.split(b"\r\n")[0] else "ERR " + head.split(b"\r\n")[0].decode()))
    except Exception as e:
        print(tag + "ERR " + type(e).__name__)
    finally:
        s.close()
    sys.stdout.flush()
'
# UDP_STREAM HOST PORT SECONDS: one socket (one flow), a datagram every
# 0.1 s; each answer, or "-" when none came within 0.5 s, on its own line.
UDP_STREAM='
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
end = time.time() + float(sys.argv[3])
while time.time() < end:
    s.sendto(b"q", (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recvfrom(2048)[0].decode(), flush=True)
        time.sleep(0.1)
    except socket.timeout:
        print("-", flush=True)
'
UDP_GET='
import socket, sys
for i in range(int(sys.argv[3])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(b"q", (sys.argv[1], int(sys.argv[2])))
        print(s.recvfrom(2048)[0].decode())
    except Exception as e:
        print("ERR " + type(e).__name__)
    s.close()
'

# ------------------------------------------------------------------ topology

# The outside client has no route to the pods: NodePorts and masquerade
# must work without one.
e2e_two_node_fabric $EXT_IP || { e2e_fail "namespaces"; e2e_finish; }
ip -n "$EXT" addr add 8.8.8.8/32 dev lo

ok=1
{ e2e_fabric_pod c1 10.244.0.2 A && e2e_fabric_pod ing 10.244.0.8 A &&
  e2e_fabric_pod c2 10.244.1.2 B; } || ok=0
for i in 1 2 3 4 5; do
	e2e_fabric_pod "s$i" "10.244.0.$((i + 2))" A || ok=0
	e2e_fabric_pod "s$((i + 5))" "10.244.1.$((i + 2))" B || ok=0
done
[ $ok = 1 ] || { e2e_fail "pods"; e2e_finish; }

node_config() { # file name ip mac cidr gw peer_ip peer_cidr pods...
	local file=$1 name=$2 ip=$3 mac=$4 cidr=$5 gw=$6 peer_ip=$7 peer_cidr=$8 p ports=""
	shift 8
	for p in "$@"; do
		ports="$ports,
    { \"name\": \"$p\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$p\" } }"
	done
	cat >"$file" <<EOF
{
  "node": { "name": "$name", "ip": "$ip/24", "mac": "$mac",
            "pod_cidr": "$cidr", "gateway_ip": "$gw",
            "cluster_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12" },
  "ports": [
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } },
    { "name": "host0", "role": "host", "driver": "tap", "args": { "iface": "pshost" } }$ports
  ],
  "routes": [ { "dst": "$peer_cidr", "gateway": "$peer_ip", "dev": "uplink0" },
              { "dst": "0.0.0.0/0", "gateway": "$EXT_IP", "dev": "uplink0" } ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 65536 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "512", "--no-pci", "--file-prefix=$name"] }
}
EOF
}
node_config "$E2E_TMP/a.json" "$NAME_A" $IP_A $MAC_A 10.244.0.0/24 10.244.0.1 \
	$IP_B 10.244.1.0/24 "${E2E_PODS_A[@]}"
node_config "$E2E_TMP/b.json" "$NAME_B" $IP_B $MAC_B 10.244.1.0/24 10.244.1.1 \
	$IP_A 10.244.0.0/24 "${E2E_PODS_B[@]}"

e2e_start_in "$NSA" A "$E2E_TMP/a.json"
e2e_start_in "$NSB" B "$E2E_TMP/b.json"
{ e2e_wait_running A 30 && e2e_wait_running B 30; } || e2e_finish
{ e2e_host_port "$NSA" $IP_A && e2e_host_port "$NSB" $IP_B; } ||
	e2e_log "host ports: not all set up"

# ------------------------------------------------------------------ servers

for i in $(seq 1 10); do
	e2e_bg ip netns exec "$(e2e_pod_ns "s$i")" $PY "$E2E_ECHO" "s$i"
done
e2e_bg ip netns exec "$EXT" $PY "$E2E_ECHO" ext --bind 8.8.8.8

# nginx: one process (no master/worker pair to leave behind when the test
# is killed), everything in the test's directory. nginx_run NS NAME BODY:
# BODY is the http block's content.
nginx_run() {
	local d=$E2E_TMP/$2
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<EOF
master_process off;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
$3
}
EOF
	e2e_bg ip netns exec "$1" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
		-g 'daemon off;'
}
# The ingress pod: to the backend service by its ClusterIP; the header
# says where the request came from (the node it entered through, SNAT).
# shellcheck disable=SC2016 # $remote_addr is nginx's
nginx_run "$(e2e_pod_ns ing)" ingress '
    server {
        listen 80;
        add_header X-Ingress-Client $remote_addr;
        location / { proxy_pass http://10.96.0.30:80; }
    }'
# The cloud load balancer of the course, outside: port 23456 of every node.
nginx_run "$EXT" slb "
    upstream nodes { server $IP_A:23456; server $IP_B:23456; }
    server {
        listen 127.0.0.1:8000;
        location / { proxy_pass http://nodes; }
    }"

# ----------------------------------------------------------------- services

node_of() { [ "${1#10.244.0.}" != "$1" ] && echo "$NAME_A" || echo "$NAME_B"; }
# svc NAME VIP TYPE PORT NODEPORT POLICY PROTO [SCHED] [AFFINITY_S]
svc() {
	local np="" ann="" aff=""
	[ -n "$5" ] && np=", \"nodePort\": $5"
	[ -n "${8:-}" ] && ann=", \"annotations\": { \"podswitch.io/scheduler\": \"$8\" }"
	[ -n "${9:-}" ] && aff=", \"sessionAffinity\": \"ClientIP\",
	    \"sessionAffinityConfig\": { \"clientIP\": { \"timeoutSeconds\": $9 } }"
	local etp=""
	[ "$3" != ClusterIP ] && etp="\"externalTrafficPolicy\": \"$6\","
	[ -n "${10:-}" ] && etp="$etp \"healthCheckNodePort\": ${10},"
	echo "{ \"kind\": \"Service\", \"apiVersion\": \"v1\",
	  \"metadata\": { \"name\": \"$1\", \"namespace\": \"default\"$ann },
	  \"spec\": { \"type\": \"$3\", \"clusterIP\": \"$2\", $etp
	    \"ports\": [ { \"name\": \"p\", \"protocol\": \"$7\", \"port\": $4$np,
	                   \"targetPort\": \"p\" } ]$aff } }"
}
# slice SERVICE PROTO PORT POD... (!POD: not ready)
slice() {
	local s=$1 proto=$2 port=$3 eps="" p ip ready
	shift 3
	for p in "$@"; do
		ready=true
		[ "${p#!}" != "$p" ] && ready=false
		ip=${E2E_POD_IP[${p#!}]}
		eps="$eps${eps:+, }{ \"addresses\": [ \"$ip\" ], \"nodeName\": \"$(node_of "$ip")\",
		  \"conditions\": { \"ready\": $ready } }"
	done
	echo "{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"$s-x\",
	  \"namespace\": \"default\", \"labels\": { \"kubernetes.io/service-name\": \"$s\" } },
	  \"ports\": [ { \"name\": \"p\", \"protocol\": \"$proto\", \"port\": $port } ],
	  \"endpoints\": [ $eps ] }"
}
ALL10="s1 s2 s3 s4 s5 s6 s7 s8 s9 s10"
# shellcheck disable=SC2086
cat >"$E2E_TMP/services.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  $(svc web 10.96.0.10 NodePort 80 30080 Cluster TCP), $(slice web TCP 8080 s1 s6 s7),
  $(svc mag 10.96.0.20 ClusterIP 80 "" "" TCP maglev), $(slice mag TCP 8080 $ALL10),
  $(svc sticky 10.96.0.21 ClusterIP 80 "" "" TCP rr 3), $(slice sticky TCP 8080 s2 s3 s8),
  $(svc local1 10.96.0.22 NodePort 80 30081 Local TCP), $(slice local1 TCP 8080 s1 s6),
  $(svc local2 10.96.0.23 NodePort 80 30082 Local TCP "" "" 32001), $(slice local2 TCP 8080 s7),
  $(svc self 10.96.0.11 ClusterIP 80 "" "" TCP), $(slice self TCP 8080 s8),
  $(svc dns 10.96.0.12 ClusterIP 53 "" "" UDP), $(slice dns UDP 5353 s6 s7),
  $(svc backend 10.96.0.30 ClusterIP 80 "" "" TCP), $(slice backend TCP 8080 s4 s9 s10),
  $(svc ingress 10.96.0.31 NodePort 80 23456 Cluster TCP), $(slice ingress TCP 80 ing),
  $(svc drain 10.96.0.24 ClusterIP 80 "" "" TCP), $(slice drain TCP 8080 s3 s9)
] }
EOF
e2e_check "node A: podswitchctl apply -f services.json" \
	"$CTL" --socket "$SOCK_A" apply -f "$E2E_TMP/services.json"
e2e_check "node B: podswitchctl apply -f services.json" \
	"$CTL" --socket "$SOCK_B" apply -f "$E2E_TMP/services.json"

# All servers answer directly, from the other node: routes, ARP and the
# python start-up settled before anything is counted.
wait_up() {
	local i out
	for i in $(seq 1 100); do
		out=$(ip netns exec "$1" $PY -c "$GET" "$2" "$3" 1 2>&1)
		[ "${out%% *}" = "$4" ] && return 0
		sleep 0.2
	done
	echo "$2:$3 answered '$out', not $4"
	return 1
}
up=1
for i in $(seq 1 10); do
	cl=$([ "$i" -le 5 ] && echo c2 || echo c1)
	wait_up "$(e2e_pod_ns "$cl")" "${E2E_POD_IP[s$i]}" 8080 "s$i" || up=0
done
if [ $up = 1 ]; then
	e2e_ok "the 10 servers answer across nodes"
else
	e2e_fail "servers not all reachable"
fi

# count FILE: "name count" lines, by name.
count() { awk '{ n[$1]++ } END { for (k in n) print k, n[k] }' "$1" | sort; }
nof() { awk -v k="$2" '$1 == k { print $2 }' <(count "$1"); }

# ------------------------------------------------------------- rr 100/100/100

t0=$(date +%s%N)
e2e_in c1 $PY -c "$GET" 10.96.0.10 80 300 >"$E2E_TMP/rr.txt"
ms=$((($(date +%s%N) - t0) / 1000000))
e2e_log "300 connections to 10.96.0.10 in $ms ms: $(count "$E2E_TMP/rr.txt" | tr '\n' ' ')"
e2e_assert_eq "rr: s1 (node A) answered 100 of 300" 100 "$(nof "$E2E_TMP/rr.txt" s1)"
e2e_assert_eq "rr: s6 (node B) answered 100 of 300" 100 "$(nof "$E2E_TMP/rr.txt" s6)"
e2e_assert_eq "rr: s7 (node B) answered 100 of 300" 100 "$(nof "$E2E_TMP/rr.txt" s7)"
e2e_assert_eq "rr: every backend saw c1's own address" 300 \
	"$(grep -c ' 10\.244\.0\.2$' "$E2E_TMP/rr.txt")"

# ------------------------------------------------------------------- maglev

# 500 flows from fixed source ports, 250 from a client on each node; the
# mapping is measured again after s10 leaves. Conntrack is flushed first so
# that the scheduler decides again (a reused tuple would otherwise reopen
# its old connection, and keep its old backend, whatever Maglev says).
maglev_map() { # OUT
	e2e_in c1 $PY -c "$GET" 10.96.0.20 80 250 10.244.0.2 21000 | sed 's/^/c1:/' >"$1"
	e2e_in c2 $PY -c "$GET" 10.96.0.20 80 250 10.244.1.2 21000 | sed 's/^/c2:/' >>"$1"
}
maglev_map "$E2E_TMP/mag1.txt"
used=$(awk '$2 ~ /^s[0-9]+$/ { print $2 }' "$E2E_TMP/mag1.txt" | sort -u | wc -l)
e2e_log "maglev before: $(awk '{ print $2 }' "$E2E_TMP/mag1.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
e2e_assert_eq "maglev: 500 flows answered, by all 10 endpoints" "500 10" \
	"$(grep -c ' s[0-9]* ' "$E2E_TMP/mag1.txt") $used"
# shellcheck disable=SC2086
slice mag TCP 8080 s1 s2 s3 s4 s5 s6 s7 s8 s9 >"$E2E_TMP/mag9.json"
for s in "$SOCK_A" "$SOCK_B"; do
	e2e_check "PUT mag endpoints without s10 ($(basename "$s" .sock))" \
		curl -sf -m 5 --unix-socket "$s" -X PUT --data-binary @"$E2E_TMP/mag9.json" \
		http://localhost/v1/services/default/mag/endpoints
	curl -sf -m 5 --unix-socket "$s" -X DELETE http://localhost/v1/conntrack >/dev/null
done
maglev_map "$E2E_TMP/mag2.txt"
moved=$(join <(awk '{ print $1, $2 }' "$E2E_TMP/mag1.txt" | sort) \
	<(awk '{ print $1, $2 }' "$E2E_TMP/mag2.txt" | sort) | awk '$2 != $3' | wc -l)
had10=$(awk '$2 == "s10"' "$E2E_TMP/mag1.txt" | wc -l)
e2e_log "maglev: $moved of 500 flows moved ($((moved * 1000 / 500)) permille); s10 had $had10"
e2e_assert_eq "maglev after: 500 flows answered, none by s10" "500 0" \
	"$(grep -c ' s[0-9]* ' "$E2E_TMP/mag2.txt") $(grep -c ' s10 ' "$E2E_TMP/mag2.txt")"
e2e_assert_lt "maglev: removing 1 of 10 endpoints moved at most 15% of 500 flows (moved $moved)" \
	76 "$moved"

# ------------------------------------------------------------ affinity

# rr with ClientIP affinity (3 s): c1 keeps its backend over 6 connections
# 0.5 s apart (3 s in all, each refreshing the entry); c2, another client,
# is scheduled on its own; after 5 s of silence c1 is scheduled again and
# rr gives it the next backend.
: >"$E2E_TMP/aff1.txt"
for i in 1 2 3 4 5 6; do
	e2e_in c1 $PY -c "$GET" 10.96.0.21 80 1 >>"$E2E_TMP/aff1.txt"
	sleep 0.5
done
first=$(head -n1 "$E2E_TMP/aff1.txt" | cut -d' ' -f1)
e2e_log "affinity: c1 got $(cut -d' ' -f1 "$E2E_TMP/aff1.txt" | tr '\n' ' ')"
e2e_assert_eq "affinity: c1 kept $first for 6 connections over 3 s" "6 $first" \
	"$(cut -d' ' -f1 "$E2E_TMP/aff1.txt" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ' | sed 's/ $//')"
sleep 5
after=$(e2e_in c1 $PY -c "$GET" 10.96.0.21 80 2 | cut -d' ' -f1 | tr '\n' ' ')
e2e_log "affinity: after 5 s idle c1 got $after"
case "$after" in
"$first "*) e2e_fail "affinity: c1 still on $first after the timeout" ;;
s[0-9]*" "s[0-9]*) e2e_assert_eq "affinity: after the timeout c1 moved, and sticks to its new backend" \
	"${after%% *}" "$(echo "$after" | cut -d' ' -f2)" ;;
*) e2e_fail "affinity: after the timeout: '$after'" ;;
esac

# ------------------------------------------------------ not ready endpoint

# s3 turns not ready: no new connection reaches it, neither from a new
# client port nor from a port whose earlier connection to s3 has finished
# (its conntrack entry in TIME_WAIT must not be reopened).
e2e_in c1 $PY -c "$GET" 10.96.0.24 80 4 10.244.0.2 43001 >"$E2E_TMP/drain1.txt"
e2e_assert_eq "drain: 4 connections from ports 43001-43004 alternate s3, s9" \
	"s3 s9 s3 s9" "$(awk '{ print $2 }' "$E2E_TMP/drain1.txt" | tr '\n' ' ' | sed 's/ $//')"
slice drain TCP 8080 '!s3' s9 >"$E2E_TMP/drain.json"
for sk in "$SOCK_A" "$SOCK_B"; do
	curl -sf -m 5 --unix-socket "$sk" -X PUT --data-binary @"$E2E_TMP/drain.json" \
		http://localhost/v1/services/default/drain/endpoints >/dev/null ||
		e2e_fail "PUT drain endpoints ($sk)"
done
out=$(curl -s -m 5 --unix-socket "$SOCK_A" http://localhost/v1/services/default/drain |
	$PY -c 'import json, sys
for p in json.load(sys.stdin)["endpoints"]:
    for e in p["endpoints"]:
        print(e["ip"], e["ready"])' | tr '\n' ' ')
e2e_assert_eq "drain: node A has s3 not ready, s9 ready" \
	"10.244.0.5 False 10.244.1.6 True " "$out"
e2e_in c1 $PY -c "$GET" 10.96.0.24 80 4 10.244.0.2 43001 >"$E2E_TMP/drain2.txt"
e2e_in c1 $PY -c "$GET" 10.96.0.24 80 4 >>"$E2E_TMP/drain2.txt"
e2e_assert_eq "drain: the same 4 ports and 4 new ones all reach s9" \
	"8 s9" "$(awk '{ print $NF == "10.244.0.2" ? $(NF - 1) : "?" }' "$E2E_TMP/drain2.txt" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ' | sed 's/ $//')"

# ----------------------------------------------------- NodePort from outside

ext_get() { ip netns exec "$EXT" $PY -c "$GET" "$@"; }
for n in A:$IP_A B:$IP_B; do
	ip=${n#*:}
	ext_get "$ip" 30080 3 >"$E2E_TMP/np$ip.txt"
	e2e_log "NodePort Cluster via node ${n%%:*}: $(tr '\n' ',' <"$E2E_TMP/np$ip.txt")"
	e2e_assert_eq "NodePort Cluster via node ${n%%:*} ($ip:30080): s1, s6, s7 each saw $ip" \
		"s1 $ip,s6 $ip,s7 $ip" "$(sort "$E2E_TMP/np$ip.txt" | tr '\n' ',' | sed 's/,$//')"
done
out=$(ext_get $IP_A 30081 4 | sort | uniq -c | awk '{ print $1, $2, $3 }')
e2e_assert_eq "NodePort Local via node A: only s1 (local), client address kept" \
	"4 s1 $EXT_IP" "$out"
out=$(ext_get $IP_B 30081 4 | sort | uniq -c | awk '{ print $1, $2, $3 }')
e2e_assert_eq "NodePort Local via node B: only s6 (local), client address kept" \
	"4 s6 $EXT_IP" "$out"
out=$(ext_get $IP_B 30082 1)
e2e_assert_eq "NodePort Local via node B (s7's node): answers, client address kept" \
	"s7 $EXT_IP" "$out"
out=$(ext_get $IP_A 30082 1)
case "$out" in
ERR*) e2e_ok "NodePort Local via node A (no local endpoint): no answer ($out)" ;;
*) e2e_fail "NodePort Local via node A (no local endpoint) answered: $out" ;;
esac

# healthCheckNodePort of a Local service, answered by each node's podswitch
# through its kernel (host port): 200 where an endpoint is local, 503 where not.
hc() { ip netns exec "$EXT" curl -s -m 5 -o "$E2E_TMP/hc.body" -w '%{http_code}' "http://$1:32001/healthz"; }
e2e_assert_eq "healthCheckNodePort 32001 on node B (s7 local): 200" 200 "$(hc $IP_B)"
e2e_assert_grep "node B's health check counts 1 local endpoint of default/local2" \
	'"localEndpoints":1' "$E2E_TMP/hc.body"
e2e_assert_eq "healthCheckNodePort 32001 on node A (no local endpoint): 503" 503 "$(hc $IP_A)"
e2e_assert_grep "node A's health check counts 0" '"localEndpoints":0' "$E2E_TMP/hc.body"

# ------------------------------------------------ the course: nginx on 23456

for n in A:$IP_A B:$IP_B; do
	ip=${n#*:}
	ext_get "$ip" 23456 30 >"$E2E_TMP/ing$ip.txt"
	e2e_log "ingress via node ${n%%:*}: $(count "$E2E_TMP/ing$ip.txt" | tr '\n' ' ')"
	e2e_assert_eq "ingress nginx via node ${n%%:*} ($ip:23456): s4, s9, s10 all answer nginx's pod" \
		"10 s4 10.244.0.8,10 s9 10.244.0.8,10 s10 10.244.0.8" \
		"$(sort "$E2E_TMP/ing$ip.txt" | uniq -c | awk '{ print $1, $2, $3 }' | sort -k2,2V | tr '\n' ',' | sed 's/,$//')"
done

# The whole stack: client -> load balancer -> port 23456 of both nodes ->
# ingress nginx (node A) -> ClusterIP -> s4/s9/s10.
for i in $(seq 1 30); do
	ip netns exec "$EXT" curl -s -i -m 5 http://127.0.0.1:8000/ |
		tr -d '\r' | awk '/^X-Ingress-Client:/ { c = $2 } /^s[0-9]+ / { print $1, c }'
done >"$E2E_TMP/slb.txt"
e2e_log "load balancer -> nodes: $(awk '{ print $2 }' "$E2E_TMP/slb.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ',')" \
	"backends: $(awk '{ print $1 }' "$E2E_TMP/slb.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
e2e_assert_eq "the course's stack: 30 requests to the load balancer, through both nodes" \
	"15 $IP_A,15 $IP_B" \
	"$(awk '{ print $2 }' "$E2E_TMP/slb.txt" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ',' | sed 's/,$//')"
e2e_assert_eq "the course's stack: s4, s9, s10 answered 10 each" "10 s4,10 s9,10 s10" \
	"$(awk '{ print $1 }' "$E2E_TMP/slb.txt" | sort | uniq -c | awk '{ print $1, $2 }' | sort -k2,2V | tr '\n' ',' | sed 's/,$//')"

# ---------------------------------------------- UDP, hairpin, masquerade

out=$(e2e_in c1 $PY -c "$UDP_GET" 10.96.0.12 53 4 | sort | tr '\n' ' ')
e2e_assert_eq "UDP service from node A's c1 to s6, s7 on node B (rr)" "s6 s6 s7 s7 " "$out"
# One UDP flow whose endpoint goes away: its stale entry is removed and
# the flow's next datagrams reach the other endpoint (kube-proxy's
# conntrack cleanup), across nodes.
e2e_bg ip netns exec "$(e2e_pod_ns c1)" $PY -c "$UDP_STREAM" 10.96.0.12 53 4 >"$E2E_TMP/udp.txt"
udp_pid=$E2E_LAST_BG
sleep 1.5
first=$(head -n 1 "$E2E_TMP/udp.txt" 2>/dev/null)
other=$([ "$first" = s6 ] && echo s7 || echo s6)
slice dns UDP 5353 "$other" >"$E2E_TMP/dns1.json"
for sk in "$SOCK_A" "$SOCK_B"; do
	curl -sf -m 5 --unix-socket "$sk" -X PUT --data-binary @"$E2E_TMP/dns1.json" \
		http://localhost/v1/services/default/dns/endpoints >/dev/null ||
		e2e_fail "PUT dns endpoints ($sk)"
done
wait "$udp_pid" 2>/dev/null
seq_=$(uniq -c <"$E2E_TMP/udp.txt" | awk '{ printf "%s%s*%s", sep, $2, $1; sep = " " }')
e2e_log "UDP flow while its endpoint $first goes: $seq_"
e2e_assert_eq "UDP flow: answered by $first, then by $other once $first is gone" \
	"$first $other" "$(grep -v '^-$' "$E2E_TMP/udp.txt" | uniq | tr '\n' ' ' | sed 's/ $//')"
e2e_assert_lt "UDP flow: datagrams lost at the switch" 3 "$(grep -c '^-$' "$E2E_TMP/udp.txt")"
out=$(e2e_in s8 $PY -c "$GET" 10.96.0.11 80 3 | sort -u)
e2e_assert_eq "hairpin: s8 reaches itself through its service (as its node's IP)" \
	"s8 $IP_B" "$out"
e2e_check "the outside host has no route to the pods" \
	bash -c "! ip -n $EXT route get 10.244.1.2 2>/dev/null | grep -q via"
out=$(e2e_in c2 $PY -c "$GET" 8.8.8.8 8080 2 | sort -u)
e2e_assert_eq "masquerade: c2 (node B) reaches 8.8.8.8 as node B's IP" "ext $IP_B" "$out"
out=$(e2e_in c1 $PY -c "$GET" 8.8.8.8 8080 2 | sort -u)
e2e_assert_eq "masquerade: c1 (node A) reaches 8.8.8.8 as node A's IP" "ext $IP_A" "$out"
e2e_check "masquerade: c2 pings 8.8.8.8" e2e_in c2 ping -c 3 -i 0.2 -W 1 8.8.8.8

for d in A B; do
	e2e_stats "$d" "$E2E_TMP/$d.stats.json" ||
		e2e_log "GET /v1/stats of node $d failed"
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
	# invalid: the last ACKs of connections closed when the maglev
	# check flushed conntrack
	e2e_check_no_drops "$E2E_TMP/$d.stats.json" \
		'^(eth_input +not_for_us|arp +reply_consumed|service_lb +invalid) '
done
e2e_finish
