#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 300
#
# test_trace.sh: podswitchctl trace on two podswitch nodes (flannel
# host-gw), as test_services_two_nodes.sh sets them up:
#
#   c1 10.244.0.2 (node A)                s6 10.244.1.3 (node B)
#     podswitch A ==uplink== fabric bridge ==uplink== podswitch B
#
#   web 10.96.0.10:80/TCP -> s6:8080 (an endpoint on the other node)
#
# Checked: a trace of a TCP SYN from c1 to web's ClusterIP on node A shows
# every node it crossed in order, with the connection and its state, the
# service, the endpoint chosen and why, the DNAT rewrite, the route, the
# neighbor and the port it left on (trace show's text and its --json
# fields); on node B a trace of the uplink shows the same SYN arriving
# and going to s6's port; a dropped packet's trace ends at the drop node
# that names the reason, and an expired TTL's at icmp_error; -c N marks N
# packets and no more while everything else passes untouched (100
# requests through the service while armed all answered); stop keeps the
# records, clear forgets them; -f marks only what its BPF expression
# matches; bad arguments are refused.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init trace
command -v python3 >/dev/null || { e2e_fail "missing tool: python3"; e2e_finish; }
e2e_snapshot_ctl || e2e_finish

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
IP_A=192.168.60.10
IP_B=192.168.60.11
NAME_A=pse2e-$E2E_ID-ta
NAME_B=pse2e-$E2E_ID-tb
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock

# GET HOST PORT COUNT: COUNT HTTP requests, one answer line each.
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
        print(data.partition(b"\r\n\r\n")[2].decode().strip())
    except Exception as e:
        print("ERR " + type(e).__name__)
    finally:
        s.close()
'
# SYN HOST PORT: one connection (its SYN first), closed at once.
SYN='
import socket, sys
s = socket.socket()
s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except Exception as e:
    print("ERR " + type(e).__name__)
s.close()
'

# ---------------------------------------------------------------- topology

e2e_two_node_fabric 192.168.60.1 || { e2e_fail "namespaces"; e2e_finish; }
{ e2e_fabric_pod c1 10.244.0.2 A && e2e_fabric_pod s1 10.244.0.3 A &&
  e2e_fabric_pod s6 10.244.1.3 B; } || { e2e_fail "pods"; e2e_finish; }

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
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } }$ports
  ],
  "routes": [ { "dst": "$peer_cidr", "gateway": "$peer_ip", "dev": "uplink0" } ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
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

e2e_bg ip netns exec "$(e2e_pod_ns s6)" python3 "$E2E_ECHO" s6
e2e_bg ip netns exec "$(e2e_pod_ns s1)" python3 "$E2E_ECHO" s1

cat >"$E2E_TMP/services.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
  { "kind": "Service", "apiVersion": "v1",
    "metadata": { "name": "web", "namespace": "default" },
    "spec": { "type": "ClusterIP", "clusterIP": "10.96.0.10",
      "ports": [ { "name": "p", "protocol": "TCP", "port": 80,
                   "targetPort": "p" } ] } },
  { "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "addressType": "IPv4", "metadata": { "name": "web-x",
      "namespace": "default",
      "labels": { "kubernetes.io/service-name": "web" } },
    "ports": [ { "name": "p", "protocol": "TCP", "port": 8080 } ],
    "endpoints": [ { "addresses": [ "10.244.1.3" ], "nodeName": "$NAME_B",
                     "conditions": { "ready": true } } ] }
] }
EOF
e2e_check "node A: apply web" "$CTL" --socket "$SOCK_A" apply -f "$E2E_TMP/services.json"
e2e_check "node B: apply web" "$CTL" --socket "$SOCK_B" apply -f "$E2E_TMP/services.json"

# Routes, ARP and the server settled: c1 reaches s6 through the service.
up=0
for _i in $(seq 1 100); do
	out=$(e2e_in c1 python3 -c "$GET" 10.96.0.10 80 1 2>&1)
	[ "${out%% *}" = s6 ] && { up=1; break; }
	sleep 0.2
done
e2e_assert_eq "c1 reaches web (s6) through the ClusterIP" 1 $up

ctla() { "$CTL" --socket "$SOCK_A" "$@"; }
ctlb() { "$CTL" --socket "$SOCK_B" "$@"; }

# pkt_of JSON_FILE PY_CONDITION: the index of the first traced packet whose
# nodes satisfy the condition (p: the packet, f(name): the fields of its
# node whose name starts with name, {} if none), or "none".
pkt_of() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for i, p in enumerate(doc["packets"]):
    def f(name, p=p):
        for n in p["nodes"]:
            if n["node"].startswith(name):
                return n["fields"]
        return {}
    if eval(sys.argv[2]):
        print(i)
        break
else:
    print("none")
EOF
}
# path_of JSON_FILE INDEX: the node names of that packet, space-separated,
# port clones as port_rx / port_tx.
path_of() {
	python3 - "$1" "$2" <<'EOF'
import json, re, sys
p = json.load(open(sys.argv[1]))["packets"][int(sys.argv[2])]
print(" ".join(re.sub(r"^(port_rx|port_tx)-.*", r"\1", n["node"]) for n in p["nodes"]))
EOF
}

# ------------------------------------------------------ a SYN to a service

# c1's first packets on its port: a few, in case its kernel re-checks the
# gateway's MAC first.
e2e_check "A: trace start -c 3 -p c1" ctla trace start -c 3 -p c1
e2e_check "B: trace start -c 3 -p uplink0" ctlb trace start -c 3 -p uplink0
out=$(e2e_in c1 python3 -c "$SYN" 10.96.0.10 80 2>&1)
e2e_assert_eq "the connection to web opens" connected "$out"
sleep 0.5
ctla trace show >"$E2E_TMP/a.txt" 2>&1
ctla trace show --json >"$E2E_TMP/a.json.out" 2>&1
ctlb trace show --json >"$E2E_TMP/b.json.out" 2>&1
[ "$E2E_VERBOSE" = 1 ] && sed 's/^/       | /' "$E2E_TMP/a.txt"

i=$(pkt_of "$E2E_TMP/a.json.out" 'f("service_lb").get("action") == "new"')
if [ "$i" = none ]; then
	e2e_fail "node A: no traced packet opened a connection"
	sed 's/^/       | /' "$E2E_TMP/a.txt"
else
	e2e_assert_eq "node A: the SYN's path" \
		"port_rx eth_input ip4_input service_lb policy ip4_lookup ip4_rewrite port_tx" \
		"$(path_of "$E2E_TMP/a.json.out" "$i")"
	fields=$(python3 - "$E2E_TMP/a.json.out" "$i" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))["packets"][int(sys.argv[2])]
f = {n["node"].split("-")[0]: n["fields"] for n in p["nodes"]}
nx = {n["node"].split("-")[0]: n.get("next") for n in p["nodes"]}
lb, lk, rw = f["service_lb"], f["ip4_lookup"], f["ip4_rewrite"]
print(p["port"], f["port_rx"]["port"], lb["svc"], lb["endpoint"], lb["why"],
      lb["state"], lb["before"].split(">")[1], lb["after"].split(">")[1],
      lk["route"], lk["next_hop"], lk["out_port"], rw["mac"], rw["ttl"],
      f["port_tx"]["port"], nx["service_lb"], nx["port_tx"])
EOF
)
	e2e_assert_eq "node A: --json fields of the SYN" \
		"c1 c1 default/web:p 10.244.1.3:8080 new SYN_SENT 10.96.0.10:80 10.244.1.3:8080 10.244.1.0/24 192.168.60.11 uplink0 $MAC_B 63 uplink0 policy None" \
		"$fields"
	e2e_assert_grep "node A: trace show prints the packet's header" \
		'^Packet [0-9]+: worker 0 seq [0-9]+ port c1 at [0-9:.]+$' "$E2E_TMP/a.txt"
	e2e_assert_grep "node A: trace show, service_lb: connection, endpoint, rewrite" \
		'service_lb +action=new ct=6/10\.244\.0\.2:[0-9]+>10\.96\.0\.10:80 dir=orig state=SYN_SENT svc=default/web:p endpoint=10\.244\.1\.3:8080 why=new before=10\.244\.0\.2:[0-9]+>10\.96\.0\.10:80 after=10\.244\.0\.2:[0-9]+>10\.244\.1\.3:8080 -> policy' \
		"$E2E_TMP/a.txt"
	e2e_assert_grep "node A: trace show, ip4_lookup: route and next hop" \
		'ip4_lookup +dst=10\.244\.1\.3 nh_type=gateway next_hop=192\.168\.60\.11 out_port=uplink0 route=10\.244\.1\.0/24 -> ip4_rewrite' \
		"$E2E_TMP/a.txt"
	e2e_assert_grep "node A: trace show, port_tx: the uplink" \
		'port_tx-p[0-9]+ +port=uplink0 queue=0$' "$E2E_TMP/a.txt"
fi

i=$(pkt_of "$E2E_TMP/b.json.out" 'f("ip4_input").get("dst") == "10.244.1.3" and f("ip4_input").get("proto") == "6"')
if [ "$i" = none ]; then
	e2e_fail "node B: the SYN was not traced on the uplink"
	sed 's/^/       | /' "$E2E_TMP/b.json.out"
else
	e2e_assert_eq "node B: the SYN's path to s6" \
		"port_rx eth_input ip4_input service_lb policy ip4_lookup ip4_rewrite port_tx" \
		"$(path_of "$E2E_TMP/b.json.out" "$i")"
	fields=$(python3 - "$E2E_TMP/b.json.out" "$i" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))["packets"][int(sys.argv[2])]
f = {n["node"].split("-")[0]: n["fields"] for n in p["nodes"]}
print(p["port"], f["ip4_input"]["src"], f["service_lb"]["action"],
      f["ip4_lookup"]["nh_type"], f["ip4_rewrite"]["out_port"],
      f["ip4_rewrite"]["mac"], f["port_tx"]["port"])
EOF
)
	e2e_assert_eq "node B: arrived on the uplink, left on s6's port" \
		"uplink0 10.244.0.2 pass connected s6 02:00:0a:f4:01:03 s6" "$fields"
fi

# ------------------------------------------------------------ drops

e2e_check "A: trace start -c 1 -p c1 (drop)" ctla trace start -c 1 -p c1
# UDP to the gateway on a port podswitch does not serve
e2e_in c1 python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("10.244.0.1", 9))'
sleep 0.5
ctla trace show --json >"$E2E_TMP/drop.json" 2>&1
ctla trace show >"$E2E_TMP/drop.txt" 2>&1
e2e_assert_grep "a dropped packet: its last node names the reason" \
	'^ .* ip4_local\.drop\.[a-z_]+ +drop=ip4_local\.drop\.[a-z_]+$' "$E2E_TMP/drop.txt"
i=$(pkt_of "$E2E_TMP/drop.json" '"drop" in p["nodes"][-1]["fields"] and p["nodes"][-1]["next"] is None')
e2e_assert_eq "--json: the drop is the packet's last record" 0 "$i"

e2e_check "A: trace start -c 1 -p c1 (TTL 1)" ctla trace start -c 1 -p c1
e2e_in c1 ping -c 1 -t 1 -W 1 10.244.1.3 >/dev/null 2>&1
sleep 0.5
ctla trace show >"$E2E_TMP/ttl.txt" 2>&1
e2e_assert_grep "TTL 1: the error node says time exceeded" \
	'icmp_error +type=11 code=0 error=sent' "$E2E_TMP/ttl.txt"

# ---------------------------------------------- -c N, unmarked traffic

e2e_check "A: trace start -c 2 -p c1" ctla trace start -c 2 -p c1
e2e_in c1 python3 -c "$GET" 10.96.0.10 80 100 >"$E2E_TMP/many.txt" 2>&1
e2e_assert_eq "100 requests through web while a trace is armed" 100 \
	"$(grep -c '^s6 10\.244\.0\.2$' "$E2E_TMP/many.txt")"
ctla --json trace show >"$E2E_TMP/many.json" 2>&1
e2e_assert_eq "-c 2: two packets marked, two traced" "2 2 True" \
	"$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
print(d["marked"], len(d["packets"]), d["armed"])' "$E2E_TMP/many.json")"
e2e_check "trace stop" ctla trace stop
e2e_assert_eq "stopped: the records stay" "2 False" \
	"$(ctla --json trace show | python3 -c 'import json, sys; d = json.load(sys.stdin)
print(len(d["packets"]), d["armed"])')"
e2e_check "trace clear" ctla trace clear
e2e_assert_grep "cleared: nothing to show" '^no packet traced$' \
	<(ctla trace show)
e2e_in c1 python3 -c "$GET" 10.96.0.10 80 3 >/dev/null 2>&1
e2e_assert_grep "stopped: nothing more is traced" '^no packet traced$' \
	<(ctla trace show)

# ---------------------------------------------------------- refusals

# -f: only what matches is marked (a ping first, then the request)
e2e_check "A: trace start -c 1 -p c1 -f 'tcp dst port 80'" \
	ctla trace start -c 1 -p c1 -f 'tcp dst port 80'
e2e_in c1 ping -c 1 -W 1 10.244.1.3 >/dev/null 2>&1
e2e_in c1 python3 -c "$GET" 10.96.0.10 80 1 >/dev/null 2>&1
ctla --json trace show >"$E2E_TMP/filter.json" 2>&1
e2e_assert_eq "-f: the one packet traced is the TCP one to port 80" \
	"1 tcp dst port 80 6 10.96.0.10" \
	"$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
f = [n["fields"] for n in d["packets"][0]["nodes"] if n["node"] == "ip4_input"][0]
print(len(d["packets"]), d["filter"], f["proto"], f["dst"])' "$E2E_TMP/filter.json" 2>&1)"
ctla trace start -f 'tcp port' >"$E2E_TMP/f.out" 2>"$E2E_TMP/f.err"
e2e_assert_eq "-f: a bad expression is refused with libpcap's reason" \
	"1 1" "$? $(grep -c "400 .*filter 'tcp port'" "$E2E_TMP/f.err")"
ctla trace start -c 0 >/dev/null 2>&1
e2e_assert_eq "-c 0: usage error" 2 $?
ctla trace start -c 5000 >/dev/null 2>"$E2E_TMP/c.err"
e2e_assert_eq "-c 5000: refused by the daemon" "1 1" \
	"$? $(grep -c 'count' "$E2E_TMP/c.err")"
ctla trace start -p nope >/dev/null 2>"$E2E_TMP/p.err"
e2e_assert_eq "-p nope: no such port" "1 1" "$? $(grep -c 'nope' "$E2E_TMP/p.err")"

e2e_check "node A still forwards" e2e_in c1 python3 -c "$GET" 10.96.0.10 80 1
e2e_finish
