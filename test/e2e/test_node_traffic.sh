#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 300
#
# test_node_traffic.sh: the node's own traffic and its services (issue 18,
# cases 1-3), on two podswitch nodes (flannel host-gw) whose kernels sit
# on host ports.
#
#   c1 .2  s1 .3  (node A, 10.244.0.0/24)    c2 .2  s2 .3  (node B)
#   kernel A 192.168.60.10 on pshost: "hnA", a hostNetwork server on
#   192.168.60.10:10180 (HTTP) and :10153 (UDP)
#
# Services (both nodes):
#   hn     10.96.0.40:80  NodePort 30090 Cluster, itp Cluster -> hnA
#   hnl    10.96.0.41:80  itp Local                           -> hnA
#   empty  10.96.0.50:80/TCP, emptyu 10.96.0.51:53/UDP: no endpoint
#   npc    10.96.0.60:80  NodePort 30100/TCP Cluster -> s2 (node B)
#   npcu   10.96.0.61:53  NodePort 30101/UDP Cluster -> s2
#   npl    10.96.0.62:80  NodePort 30102/TCP Local   -> s1 (node A)
#   nplu   10.96.0.63:53  NodePort 30103/UDP Local   -> s1
# Checked: kernel A reaches its own hostNetwork endpoint through a
# ClusterIP (itp Cluster and Local), seen from the gateway address (its
# own would be a martian); pods of both nodes reach it through node A's
# NodePort, their source kept; services without endpoints refuse the
# node within 1 s (TCP and UDP); the node reaches its own
# nodeIP:nodePort, TCP and UDP, Cluster and Local (a node without a local
# endpoint goes cluster-wide, as kube-proxy sends locally originated
# traffic); a NodePort added or removed live is in the table or out of it;
# a stale table of a crash is replaced at start; the table is gone after
# podswitch stops.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init node-traffic
for t in python3 curl nft; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
PY=python3

IP_A=192.168.60.10
IP_B=192.168.60.11
NAME_A=pse2e-$E2E_ID-a
NAME_B=pse2e-$E2E_ID-b
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock

# GET HOST PORT COUNT: COUNT connections, one body line each ("ERR <why>"
# on failure).
GET='
import socket, sys
for i in range(int(sys.argv[3])):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((sys.argv[1], int(sys.argv[2])))
        s.sendall(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        print(data.partition(b"\r\n\r\n")[2].decode().strip())
    except Exception as e:
        print("ERR " + type(e).__name__)
    finally:
        s.close()
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
# REFUSED HOST PORT tcp|udp: "refused MS" when the service refuses (a TCP
# connect, a connected UDP socket's answer), else what happened.
REFUSED='
import socket, sys, time
udp = sys.argv[3] == "udp"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
s.settimeout(5)
t0 = time.monotonic()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    if udp:
        s.send(b"q")
        s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused %d" % ((time.monotonic() - t0) * 1000))
except Exception as e:
    print("ERR " + type(e).__name__)
'

# ------------------------------------------------------------------ topology

e2e_two_node_fabric 192.168.60.1 || { e2e_fail "namespaces"; e2e_finish; }
ok=1
{ e2e_fabric_pod c1 10.244.0.2 A && e2e_fabric_pod s1 10.244.0.3 A &&
  e2e_fabric_pod c2 10.244.1.2 B && e2e_fabric_pod s2 10.244.1.3 B; } || ok=0
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
  "routes": [ { "dst": "$peer_cidr", "gateway": "$peer_ip", "dev": "uplink0" } ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 16384 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "512", "--no-pci", "--file-prefix=$name"] }
}
EOF
}
node_config "$E2E_TMP/a.json" "$NAME_A" $IP_A 02:00:00:00:00:0a 10.244.0.0/24 \
	10.244.0.1 $IP_B 10.244.1.0/24 "${E2E_PODS_A[@]}"
node_config "$E2E_TMP/b.json" "$NAME_B" $IP_B 02:00:00:00:00:0b 10.244.1.0/24 \
	10.244.1.1 $IP_A 10.244.0.0/24 "${E2E_PODS_B[@]}"

# A table a crashed podswitch left behind on node A: replaced at start.
ip netns exec "$NSA" nft -f - <<'EOF'
table ip podswitch {
	chain stale { type nat hook output priority -100; policy accept; tcp dport 30100 drop; }
}
EOF

e2e_start_in "$NSA" A "$E2E_TMP/a.json"
e2e_start_in "$NSB" B "$E2E_TMP/b.json"
{ e2e_wait_running A 30 && e2e_wait_running B 30; } || e2e_finish
# The node kernels: pods and services through podswitch, as a node's
# default route through the host port would have it.
for n in "$NSA:$IP_A" "$NSB:$IP_B"; do
	{ e2e_host_port "${n%%:*}" "${n#*:}" &&
	  ip -n "${n%%:*}" route add 10.96.0.0/12 dev pshost; } ||
		e2e_log "host port of ${n%%:*}: not all set up"
done
out=$(ip netns exec "$NSA" nft list table ip podswitch 2>&1)
case "$out" in
*stale*|*"dport 30100 drop"*) e2e_fail "node A: the stale table is still there: $out" ;;
*"map nodeports"*) e2e_ok "node A: the stale table of a crash was replaced by podswitch's" ;;
*) e2e_fail "node A: no podswitch table: $out" ;;
esac

# ------------------------------------------------------------------ servers

for s in s1 s2; do
	e2e_bg ip netns exec "$(e2e_pod_ns $s)" $PY "$E2E_ECHO" $s
done
e2e_bg ip netns exec "$NSA" $PY "$E2E_ECHO" hnA --bind $IP_A --http 10180 --udp 10153

# ----------------------------------------------------------------- services

# svc NAME VIP TYPE PROTO PORT NODEPORT ETP ITP
svc() {
	local np="" etp=""
	[ -n "$6" ] && np=", \"nodePort\": $6"
	[ "$3" != ClusterIP ] && etp="\"externalTrafficPolicy\": \"$7\","
	echo "{ \"kind\": \"Service\", \"apiVersion\": \"v1\",
	  \"metadata\": { \"name\": \"$1\", \"namespace\": \"default\" },
	  \"spec\": { \"type\": \"$3\", \"clusterIP\": \"$2\", $etp
	    \"internalTrafficPolicy\": \"$8\",
	    \"ports\": [ { \"name\": \"p\", \"protocol\": \"$4\", \"port\": $5$np,
	                   \"targetPort\": \"p\" } ] } }"
}
# slice SERVICE PROTO PORT [IP NODE]...
slice() {
	local s=$1 proto=$2 port=$3 eps=""
	shift 3
	while [ $# -ge 2 ]; do
		eps="$eps${eps:+, }{ \"addresses\": [ \"$1\" ], \"nodeName\": \"$2\",
		  \"conditions\": { \"ready\": true } }"
		shift 2
	done
	echo "{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"$s-x\",
	  \"namespace\": \"default\", \"labels\": { \"kubernetes.io/service-name\": \"$s\" } },
	  \"ports\": [ { \"name\": \"p\", \"protocol\": \"$proto\", \"port\": $port } ],
	  \"endpoints\": [ $eps ] }"
}
S1=10.244.0.3
S2=10.244.1.3
cat >"$E2E_TMP/services.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  $(svc hn 10.96.0.40 NodePort TCP 80 30090 Cluster Cluster),
  $(slice hn TCP 10180 $IP_A "$NAME_A"),
  $(svc hnl 10.96.0.41 ClusterIP TCP 80 "" "" Local),
  $(slice hnl TCP 10180 $IP_A "$NAME_A"),
  $(svc empty 10.96.0.50 ClusterIP TCP 80 "" "" Cluster),
  $(svc emptyu 10.96.0.51 ClusterIP UDP 53 "" "" Cluster),
  $(svc npc 10.96.0.60 NodePort TCP 80 30100 Cluster Cluster),
  $(slice npc TCP 8080 $S2 "$NAME_B"),
  $(svc npcu 10.96.0.61 NodePort UDP 53 30101 Cluster Cluster),
  $(slice npcu UDP 5353 $S2 "$NAME_B"),
  $(svc npl 10.96.0.62 NodePort TCP 80 30102 Local Cluster),
  $(slice npl TCP 8080 $S1 "$NAME_A"),
  $(svc nplu 10.96.0.63 NodePort UDP 53 30103 Local Cluster),
  $(slice nplu UDP 5353 $S1 "$NAME_A")
] }
EOF
e2e_check "node A: podswitchctl apply -f services.json" \
	"$CTL" --socket "$SOCK_A" apply -f "$E2E_TMP/services.json"
e2e_check "node B: podswitchctl apply -f services.json" \
	"$CTL" --socket "$SOCK_B" apply -f "$E2E_TMP/services.json"

# Every server answers directly first (ARP, routes, python start-up).
wait_up() { # NS HOST PORT NAME
	local out
	for _ in $(seq 1 100); do
		out=$(ip netns exec "$1" $PY -c "$GET" "$2" "$3" 1 2>&1)
		[ "${out%% *}" = "$4" ] && return 0
		sleep 0.2
	done
	e2e_log "$2:$3 answered '$out', not $4"
	return 1
}
if wait_up "$(e2e_pod_ns c1)" $S2 8080 s2 && wait_up "$(e2e_pod_ns c2)" $S1 8080 s1 &&
	wait_up "$(e2e_pod_ns c2)" $IP_A 10180 hnA; then
	e2e_ok "servers answer across nodes, hnA on node A's kernel"
else
	e2e_fail "servers not all reachable"
fi
# The table follows the service set (at most 100 ms after a change).
# shellcheck disable=SC2317 # called through e2e_check
table_has() { # NS TEXT
	for _ in $(seq 1 30); do
		ip netns exec "$1" nft list table ip podswitch 2>/dev/null | grep -qF "$2" && return 0
		sleep 0.1
	done
	return 1
}
e2e_check "node A's table maps tcp . 30100 to npc's cluster IP" \
	table_has "$NSA" "tcp . 30100 : 10.96.0.60 . 80"
e2e_check "node A's table maps udp . 30103 to nplu's cluster IP" \
	table_has "$NSA" "udp . 30103 : 10.96.0.63 . 53"

on_a() { ip netns exec "$NSA" $PY -c "$@"; }
on_b() { ip netns exec "$NSB" $PY -c "$@"; }

# ------------------------------------ case 1: a hostNetwork endpoint on A

out=$(on_a "$GET" 10.96.0.40 80 3 | sort | uniq -c | awk '{ print $1, $2, $3 }')
e2e_assert_eq "node A -> ClusterIP (itp Cluster) -> its own hostNetwork endpoint, from the gateway address" \
	"3 hnA 10.244.0.1" "$out"
out=$(on_a "$GET" 10.96.0.41 80 3 | sort | uniq -c | awk '{ print $1, $2, $3 }')
e2e_assert_eq "node A -> ClusterIP (itp Local) -> its own hostNetwork endpoint" \
	"3 hnA 10.244.0.1" "$out"
out=$(e2e_in c1 $PY -c "$GET" $IP_A 30090 2 | sort -u)
e2e_assert_eq "pod c1 (node A) -> node A's NodePort (Cluster) -> hnA, source kept" \
	"hnA 10.244.0.2" "$out"
out=$(e2e_in c2 $PY -c "$GET" $IP_A 30090 2 | sort -u)
e2e_assert_eq "pod c2 (node B) -> node A's NodePort (Cluster) -> hnA, source kept" \
	"hnA 10.244.1.2" "$out"
out=$(e2e_in c2 $PY -c "$GET" 10.96.0.40 80 2 | sort -u)
e2e_assert_eq "pod c2 (node B) -> ClusterIP -> hnA on node A" "hnA 10.244.1.2" "$out"
out=$(on_a "$GET" $IP_A 30090 2 | sort -u)
e2e_assert_eq "node A -> its own NodePort 30090 -> its own hostNetwork endpoint" \
	"hnA 10.244.0.1" "$out"

# ------------------------------------------- case 2: refused, not dropped

for p in "10.96.0.50 80 tcp" "10.96.0.51 53 udp"; do
	read -r vip port proto <<<"$p"
	out=$(on_a "$REFUSED" "$vip" "$port" "$proto")
	ms=${out#refused }
	if [ "${out%% *}" = refused ] && [ "$ms" -lt 1000 ]; then
		e2e_ok "node A -> $vip:$port/$proto without endpoints: refused in $ms ms"
	else
		e2e_fail "node A -> $vip:$port/$proto without endpoints: $out (want refused within 1 s)"
	fi
done

# ------------------------------------- case 3: the node's own NodePorts

out=$(on_a "$GET" $IP_A 30100 3 | sort -u)
e2e_assert_eq "node A -> $IP_A:30100/TCP (Cluster) -> s2 on node B" "s2 $IP_A" "$out"
out=$(on_a "$UDP_GET" $IP_A 30101 3 | sort | uniq -c | awk '{ print $1, $2 }')
e2e_assert_eq "node A -> $IP_A:30101/UDP (Cluster) -> s2" "3 s2" "$out"
out=$(on_a "$GET" $IP_A 30102 3 | sort -u)
e2e_assert_eq "node A -> $IP_A:30102/TCP (Local, endpoint on A) -> s1" "s1 $IP_A" "$out"
out=$(on_a "$UDP_GET" $IP_A 30103 3 | sort | uniq -c | awk '{ print $1, $2 }')
e2e_assert_eq "node A -> $IP_A:30103/UDP (Local, endpoint on A) -> s1" "3 s1" "$out"
out=$(on_b "$GET" $IP_B 30102 3 | sort -u)
e2e_assert_eq "node B -> $IP_B:30102/TCP (Local, no endpoint on B) -> s1, cluster-wide" \
	"s1 $IP_B" "$out"
out=$(on_b "$UDP_GET" $IP_B 30103 3 | sort | uniq -c | awk '{ print $1, $2 }')
e2e_assert_eq "node B -> $IP_B:30103/UDP (Local, no endpoint on B) -> s1" "3 s1" "$out"

# A NodePort added live, then removed.
cat >"$E2E_TMP/late.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  $(svc late 10.96.0.70 NodePort TCP 80 30110 Cluster Cluster),
  $(slice late TCP 8080 $S2 "$NAME_B") ] }
EOF
"$CTL" --socket "$SOCK_A" apply -f "$E2E_TMP/late.json" >/dev/null
e2e_check "a NodePort applied live reaches node A's table" \
	table_has "$NSA" "tcp . 30110 : 10.96.0.70 . 80"
out=$(on_a "$GET" $IP_A 30110 1)
e2e_assert_eq "node A -> its new NodePort 30110 -> s2" "s2 $IP_A" "$out"
e2e_check "podswitchctl service del default/late" \
	"$CTL" --socket "$SOCK_A" service del default/late
gone=0
for _ in $(seq 1 30); do
	ip netns exec "$NSA" nft list table ip podswitch | grep -q 30110 || { gone=1; break; }
	sleep 0.1
done
e2e_assert_eq "the deleted NodePort left node A's table" 1 $gone
out=$(on_a "$REFUSED" $IP_A 30110 tcp)
e2e_assert_eq "node A -> the deleted NodePort: refused by its own kernel" refused "${out%% *}"

# ------------------------------------------------------------- the end

for d in A B; do
	e2e_stats "$d" "$E2E_TMP/$d.stats.json" || e2e_log "GET /v1/stats of node $d failed"
done
e2e_assert_grep "node A reports its nft table in /v1/stats" '"kernel_nft"' "$E2E_TMP/A.stats.json"
for d in A:$NSA B:$NSB; do
	e2e_stop "${d%%:*}"
	e2e_assert_eq "node ${d%%:*} exits 0 on SIGTERM" 0 "${E2E_DRC[${d%%:*}]}"
	if ip netns exec "${d#*:}" nft list table ip podswitch >/dev/null 2>&1; then
		e2e_fail "node ${d%%:*}: the nft table is still there after podswitch stopped"
	else
		e2e_ok "node ${d%%:*}: the nft table is gone after podswitch stopped"
	fi
done
e2e_finish
