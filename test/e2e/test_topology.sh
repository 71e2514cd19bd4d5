#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 300
#
# test_topology.sh: topology-aware routing (EndpointSlice hints.forZones,
# Service trafficDistribution PreferClose) across two podswitch nodes in
# two zones, and a third zone with no endpoint.
#
#   c1 .2  s1 .3  s2 .4   (node A, zone-a)   c2 .2  s3 .3  s4 .4 (node B, zone-b)
#     podswitch A ==uplink== fabric bridge ==uplink== podswitch B
#
# The Service has trafficDistribution PreferClose and its EndpointSlice
# the hints the EndpointSlice controller writes for it (s1, s2: zone-a;
# s3, s4: zone-b). Checked, as kube-proxy behaves: a client of zone-a
# reaches only s1 and s2, one of zone-b only s3 and s4; node A moved to
# zone-c (PUT /v1/node/zone, what podswitch-agent does when its Node's
# label changes), whose zone no endpoint is hinted for, reaches all four;
# an endpoint without hints makes every node ignore hints; back in
# zone-a, only s1 and s2 again. The zone of a node starts from node.zone
# of its config.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init topology
command -v python3 >/dev/null || { e2e_fail "missing tool: python3"; e2e_finish; }
PY=python3

IP_A=192.168.60.10
IP_B=192.168.60.11
NAME_A=pse2e-$E2E_ID-a
NAME_B=pse2e-$E2E_ID-b
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock

# GET HOST PORT COUNT: COUNT connections, the first word of each answer
# (the server's name) on its own line, "ERR" on failure.
GET='
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        print(data.partition(b"\r\n\r\n")[2].decode().split()[0])
    except Exception as e:
        print("ERR " + type(e).__name__)
    finally:
        s.close()
'

e2e_two_node_fabric 192.168.60.1 || { e2e_fail "namespaces"; e2e_finish; }
{ e2e_fabric_pod c1 10.244.0.2 A && e2e_fabric_pod s1 10.244.0.3 A &&
  e2e_fabric_pod s2 10.244.0.4 A && e2e_fabric_pod c2 10.244.1.2 B &&
  e2e_fabric_pod s3 10.244.1.3 B && e2e_fabric_pod s4 10.244.1.4 B; } ||
	{ e2e_fail "pods"; e2e_finish; }

node_config() { # file name ip mac cidr gw peer_ip peer_cidr zone pods...
	local file=$1 name=$2 ip=$3 mac=$4 cidr=$5 gw=$6 peer_ip=$7 peer_cidr=$8
	local zone=$9 p ports=""
	shift 9
	for p in "$@"; do
		ports="$ports,
    { \"name\": \"$p\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$p\" } }"
	done
	cat >"$file" <<EOF
{
  "node": { "name": "$name", "ip": "$ip/24", "mac": "$mac",
            "pod_cidr": "$cidr", "gateway_ip": "$gw", "zone": "$zone",
            "cluster_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12" },
  "ports": [
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } }$ports
  ],
  "routes": [ { "dst": "$peer_cidr", "gateway": "$peer_ip", "dev": "uplink0" } ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 65536 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "512", "--no-pci", "--file-prefix=$name"] }
}
EOF
}
node_config "$E2E_TMP/a.json" "$NAME_A" $IP_A 02:00:00:00:00:0a 10.244.0.0/24 \
	10.244.0.1 $IP_B 10.244.1.0/24 zone-a "${E2E_PODS_A[@]}"
node_config "$E2E_TMP/b.json" "$NAME_B" $IP_B 02:00:00:00:00:0b 10.244.1.0/24 \
	10.244.1.1 $IP_A 10.244.0.0/24 zone-b "${E2E_PODS_B[@]}"
e2e_start_in "$NSA" A "$E2E_TMP/a.json"
e2e_start_in "$NSB" B "$E2E_TMP/b.json"
{ e2e_wait_running A 30 && e2e_wait_running B 30; } || e2e_finish
for i in 1 2 3 4; do
	e2e_bg ip netns exec "$(e2e_pod_ns "s$i")" $PY "$E2E_ECHO" "s$i"
done

# slice HINTS...: the EndpointSlice of web, "POD:ZONE" per endpoint
# ("POD:" = no hints).
slice() {
	local e eps="" pod zone ip node hints
	for e in "$@"; do
		pod=${e%%:*} zone=${e#*:}
		ip=${E2E_POD_IP[$pod]}
		node=$NAME_A
		[ "${ip#10.244.1.}" != "$ip" ] && node=$NAME_B
		hints=""
		[ -n "$zone" ] && hints=", \"hints\": { \"forZones\": [ { \"name\": \"$zone\" } ] }"
		eps="$eps${eps:+, }{ \"addresses\": [ \"$ip\" ], \"nodeName\": \"$node\",
		  \"zone\": \"${zone:-zone-x}\", \"conditions\": { \"ready\": true }$hints }"
	done
	echo "{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"web-x\",
	  \"namespace\": \"default\", \"labels\": { \"kubernetes.io/service-name\": \"web\" } },
	  \"ports\": [ { \"name\": \"http\", \"protocol\": \"TCP\", \"port\": 8080 } ],
	  \"endpoints\": [ $eps ] }"
}
cat >"$E2E_TMP/web.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "web", "namespace": "default" },
    "spec": { "type": "ClusterIP", "clusterIP": "10.96.0.50",
              "trafficDistribution": "PreferClose",
              "ports": [ { "name": "http", "protocol": "TCP", "port": 80,
                           "targetPort": 8080 } ] } },
  $(slice s1:zone-a s2:zone-a s3:zone-b s4:zone-b) ] }
EOF
slice s1:zone-a s2:zone-a s3:zone-b s4: >"$E2E_TMP/unhinted.json"
slice s1:zone-a s2:zone-a s3:zone-b s4:zone-b >"$E2E_TMP/hinted.json"
apply() { # FILE: on both nodes
	e2e_check "node A: apply $(basename "$1")" "$CTL" --socket "$SOCK_A" apply -f "$1"
	e2e_check "node B: apply $(basename "$1")" "$CTL" --socket "$SOCK_B" apply -f "$1"
}
apply "$E2E_TMP/web.json"

# who CLIENT N: the servers that answered N connections, sorted, unique
# (ERR lines included).
who() { e2e_in "$1" $PY -c "$GET" 10.96.0.50 80 "$2" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# Wait for the servers and ARP: every answer of 8 from an endpoint.
settle() {
	local i
	for i in $(seq 1 50); do
		case "$(who "$1" 8)" in *ERR*|"") sleep 0.2 ;; *) return 0 ;; esac
	done
}
settle c1
settle c2
e2e_api "$SOCK_A" GET /v1/node/zone
e2e_assert_eq "node A's zone comes from node.zone" '{"zone":"zone-a"}' "$BODY"
e2e_assert_eq "zone-a client: only its zone's endpoints (s1 s2)" "s1 s2" "$(who c1 40)"
e2e_assert_eq "zone-b client: only its zone's endpoints (s3 s4)" "s3 s4" "$(who c2 40)"
e2e_api "$SOCK_A" GET /v1/services/default/web
e2e_assert_eq "GET shows the endpoints hinted for node A's zone" "10.244.0.3 10.244.0.4" \
	"$(echo "$BODY" | $PY -c 'import json,sys; print(" ".join(e["ip"] for p in json.load(sys.stdin)["endpoints"] for e in p["endpoints"] if e["zoneHint"]))')"

# A third zone with no endpoint hinted for it: all endpoints.
e2e_api "$SOCK_A" PUT /v1/node/zone '{"zone": "zone-c"}'
e2e_assert_eq "PUT /v1/node/zone zone-c" 200 "$CODE"
e2e_assert_eq "zone-c client (no endpoint in its zone): all four" "s1 s2 s3 s4" "$(who c1 40)"
e2e_assert_eq "zone-b client unchanged" "s3 s4" "$(who c2 40)"
e2e_api "$SOCK_A" PUT /v1/node/zone '{"zone": 3}'
e2e_assert_eq "a zone that is not a string: 400" 400 "$CODE"
e2e_api "$SOCK_A" PUT /v1/node/zone '{"zone": "zone-a"}'
e2e_assert_eq "zone-a again: s1 s2" "s1 s2" "$(who c1 40)"

# An endpoint without hints: kube-proxy ignores the hints as a whole.
apply "$E2E_TMP/unhinted.json"
e2e_assert_eq "one endpoint without hints: zone-a client reaches all four" \
	"s1 s2 s3 s4" "$(who c1 40)"
e2e_assert_eq "one endpoint without hints: zone-b client reaches all four" \
	"s1 s2 s3 s4" "$(who c2 40)"
apply "$E2E_TMP/hinted.json"
e2e_assert_eq "hints back: zone-b client stays in zone-b" "s3 s4" "$(who c2 40)"

for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_finish
