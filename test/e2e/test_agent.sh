#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck disable=SC2317 # the helpers run through until_ok, both and e2e_check
#
# test_agent.sh: podswitch-agent between a Kubernetes API server and two
# podswitch nodes (flannel host-gw), with real servers in pod namespaces.
#
#   c1 .2  s1 .3  s2 .4                 c2 .2  s3 .3  s4 .4
#   (node A, 10.244.0.0/24)             (node B, 10.244.1.0/24)
#     podswitch A ==uplink== fabric bridge ==uplink== podswitch B
#         |                     |                          |
#      agent A -- HTTPS --  API server (test/k8s)  -- HTTPS -- agent B
#      (token, CA inline)   127.0.0.1, TLS          (client certificate)
#                         ext 192.168.60.1
#
# The daemons start with no route to the other node and no service: the
# agents make them from the Nodes, Services and EndpointSlices held by the
# test API server, and follow changes:
#  - routes from Nodes (spec.podCIDR via InternalIP): pods reach each other
#    across nodes; our Node annotated flannel's way;
#  - a ClusterIP/NodePort service across nodes; endpoints changed, a port
#    changed, a service created and deleted: traffic follows;
#  - faults: the watch cut (resumed from its version), the version expired
#    (410, relist), a service deleted while the agents are cut off (gone
#    after the relist), the API server not answering for longer than the
#    sync period (/healthz 503, then 200);
#  - the agent restarted under traffic: no request fails, nothing changes;
#  - a service deleted in the daemon behind the agent's back comes back;
#  - flannel vxlan: both nodes restarted in vxlan mode, with a Linux node
#    L whose flannel.1 is set up from the podswitch Nodes' annotations
#    (as flanneld would) and whose Node carries flannel's: pods of all
#    three reach each other; a Node deleted takes its route along;
#  - 10,000 services listed at the start of an agent.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init agent
for t in python3 curl openssl; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
AGENT=${PODSWITCH_AGENT:-$E2E_TOP/build/app/podswitch-agent}
[ -x "$AGENT" ] || { e2e_fail "no agent binary at $AGENT"; e2e_finish; }
cp "$AGENT" "$E2E_TMP/bin/podswitch-agent" && AGENT=$E2E_TMP/bin/podswitch-agent
APISERVER=$E2E_TOP/test/k8s/apiserver.py
PY=python3
SYNC=3s

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
IP_A=192.168.60.10
IP_B=192.168.60.11
EXT_IP=192.168.60.1
NAME_A=ag$E2E_ID-a
NAME_B=ag$E2E_ID-b
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock
# ports of this run: the API server and each agent's healthz and metrics
BASE=$((20000 + (16#$E2E_ID % 4000) * 8))
API_PORT=$BASE
HZ_A=$((BASE + 1)) MX_A=$((BASE + 2)) HZ_B=$((BASE + 3)) MX_B=$((BASE + 4))
API=https://127.0.0.1:$API_PORT

# GET HOST PORT COUNT [INTERVAL_S]: one body line per connection, "ERR
# <why>" when it failed.
GET='
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0
for i in range(n):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        print(data.partition(b"\r\n\r\n")[2].decode().strip() or "ERR empty")
    except Exception as e:
        print("ERR " + type(e).__name__)
    finally:
        s.close()
    sys.stdout.flush()
    time.sleep(gap)
'

# ------------------------------------------------------------------ topology

e2e_two_node_fabric $EXT_IP || { e2e_fail "namespaces"; e2e_finish; }

ok=1
for p in c1:0.2:A s1:0.3:A s2:0.4:A c2:1.2:B s3:1.3:B s4:1.4:B; do
	IFS=: read -r pname pip pnode <<<"$p"
	e2e_fabric_pod "$pname" "10.244.$pip" "$pnode" || ok=0
done
[ $ok = 1 ] || { e2e_fail "pods"; e2e_finish; }

# A node with no route to the other one and no service: the agent's job.
OVERLAY=host-gw
node_config() { # file name ip mac cidr gw pods... ($OVERLAY)
	local file=$1 name=$2 ip=$3 mac=$4 cidr=$5 gw=$6 p ports=""
	shift 6
	for p in "$@"; do
		ports="$ports,
    { \"name\": \"$p\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$p\" } }"
	done
	cat >"$file" <<EOF
{
  "node": { "name": "$name", "ip": "$ip/24", "mac": "$mac",
            "pod_cidr": "$cidr", "gateway_ip": "$gw",
            "cluster_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12" },
  "overlay": { "mode": "$OVERLAY", "vni": 1, "udp_port": 4789 },
  "ports": [
    { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } }$ports
  ],
  "routes": [ { "dst": "0.0.0.0/0", "gateway": "$EXT_IP", "dev": "uplink0" } ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 65536,
              "services": 16384, "endpoints": 65536 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock", "max_body_bytes": 67108864 },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci", "--file-prefix=$name"] }
}
EOF
}
# Both daemons from their configurations, each in its node's namespace.
start_nodes() {
	node_config "$E2E_TMP/a.json" "$NAME_A" $IP_A $MAC_A 10.244.0.0/24 10.244.0.1 "${E2E_PODS_A[@]}"
	node_config "$E2E_TMP/b.json" "$NAME_B" $IP_B $MAC_B 10.244.1.0/24 10.244.1.1 "${E2E_PODS_B[@]}"
	e2e_start_in "$NSA" A "$E2E_TMP/a.json"
	e2e_start_in "$NSB" B "$E2E_TMP/b.json"
	e2e_wait_running A 30 && e2e_wait_running B 30
}
start_nodes || e2e_finish

for i in 1 2 3 4; do
	e2e_bg ip netns exec "$(e2e_pod_ns "s$i")" $PY "$E2E_ECHO" "s$i" --name-only --udp 0
done

# ------------------------------------------------------------- API server

PKI=$E2E_TMP/pki
APISERVER_PORT=$API_PORT bash "$E2E_TOP/test/k8s/certs.sh" "$PKI" 127.0.0.1 ||
	{ e2e_fail "certificates"; e2e_finish; }
TOKEN=$(cat "$PKI/token")
e2e_bg $PY "$APISERVER" --listen "127.0.0.1:$API_PORT" --cert "$PKI/server.pem" \
	--key "$PKI/server-key.pem" --client-ca "$PKI/ca.pem" --token "$TOKEN" \
	--bookmark-interval 1 2>"$E2E_TMP/apiserver.log"
# k METHOD PATH [BODY]: the API server as the test's controller.
k() {
	curl -sS -m 30 --cacert "$PKI/ca.pem" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -X "$1" "$API$2" ${3:+--data-binary "$3"}
}
for _ in $(seq 1 50); do
	k GET /version >/dev/null 2>&1 && break
	sleep 0.1
done
e2e_check "the test API server answers (TLS, token)" k GET /version

node_obj() { # NAME IP CIDR
	echo "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$1\",
	  \"labels\":{\"kubernetes.io/hostname\":\"$1\",\"kubernetes.io/os\":\"linux\"}},
	  \"spec\":{\"podCIDR\":\"$3\",\"podCIDRs\":[\"$3\"]},
	  \"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"$2\"},
	  {\"type\":\"Hostname\",\"address\":\"$1\"}],
	  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
}
node_of() { [ "${1#10.244.0.}" != "$1" ] && echo "$NAME_A" || echo "$NAME_B"; }
svc() { # NAME VIP PORT [NODEPORT]
	local type=ClusterIP np=""
	[ -n "${4:-}" ] && type=NodePort np=",\"nodePort\":$4"
	echo "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$1\",
	  \"namespace\":\"default\"},\"spec\":{\"type\":\"$type\",\"clusterIP\":\"$2\",
	  \"clusterIPs\":[\"$2\"],\"externalTrafficPolicy\":\"Cluster\",
	  \"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":$3,
	  \"targetPort\":8080$np}]}}"
}
slice() { # SERVICE POD...
	local s=$1 eps="" p
	shift
	for p in "$@"; do
		eps="$eps${eps:+,}{\"addresses\":[\"${E2E_POD_IP[$p]}\"],\"nodeName\":\"$(node_of "${E2E_POD_IP[$p]}")\",
		  \"conditions\":{\"ready\":true,\"serving\":true,\"terminating\":false}}"
	done
	echo "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\",
	  \"addressType\":\"IPv4\",\"metadata\":{\"name\":\"$s-abc\",\"namespace\":\"default\",
	  \"labels\":{\"kubernetes.io/service-name\":\"$s\"}},
	  \"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}],
	  \"endpoints\":[$eps]}"
}
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[$(node_obj "$NAME_A" $IP_A 10.244.0.0/24),
	$(node_obj "$NAME_B" $IP_B 10.244.1.0/24),
	$(svc web 10.96.0.10 80 30080), $(slice web s1 s3)]}" >/dev/null ||
	e2e_fail "objects into the API server"

# ------------------------------------------------------------------ agents

declare -A AG_PID=() AG_LOG=()
agent_start() { # NODE(A|B)
	local n=$1 name sock hz mx kc
	if [ "$n" = A ]; then
		name=$NAME_A sock=$SOCK_A hz=$HZ_A mx=$MX_A kc=$PKI/kubeconfig-token
	else
		name=$NAME_B sock=$SOCK_B hz=$HZ_B mx=$MX_B kc=$PKI/kubeconfig-cert
	fi
	AG_LOG[$n]=$E2E_TMP/agent-$n.log
	"$AGENT" --kubeconfig "$kc" --node-name "$name" --podswitch-socket "$sock" \
		--healthz-bind-address "127.0.0.1:$hz" --metrics-bind-address "127.0.0.1:$mx" \
		--overlay $OVERLAY --sync-period $SYNC --batch-window 5ms \
		>>"${AG_LOG[$n]}" 2>&1 </dev/null &
	AG_PID[$n]=$!
	E2E_BG+=("$!")
}
agent_stop() { # NODE: SIGTERM, exit status in AG_RC
	local pid=${AG_PID[$1]}
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		e2e_alive "$pid" || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	AG_RC=$?
}
ps_get() { # SOCK PATH
	curl -sf -m 10 --unix-socket "$1" "http://localhost$2"
}
# until_ok TIMEOUT_S CMD...: poll CMD every 0.1 s for TIMEOUT_S seconds.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}
has_route() { # SOCK DST GATEWAY
	ps_get "$1" /v1/routes | $PY -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x.get("dst") == sys.argv[1]]
sys.exit(0 if r and r[0].get("gateway") == sys.argv[2] else 1)' "$2" "$3"
}
no_route() { ! ps_get "$1" /v1/routes | grep -q "\"$2\""; }
svc_port() { # SOCK NAME: "port endpoint-ips..." as the daemon serves it
	ps_get "$1" "/v1/services/default/$2" | $PY -c '
import json, sys
p = json.load(sys.stdin)["endpoints"][0]
print(p["port"], " ".join(sorted(e["ip"] for e in p["endpoints"])))'
}
svc_is() { [ "$(svc_port "$1" "$2")" = "$3" ]; }
svc_gone() { ! ps_get "$1" "/v1/services/$2" >/dev/null; }
hz() { curl -s -o /dev/null -w '%{http_code}' -m 3 "http://127.0.0.1:$1/healthz"; }
both() { "$1" "$SOCK_A" "${@:2}" && "$1" "$SOCK_B" "${@:2}"; }
backends() { # POD VIP PORT N: the distinct answers
	e2e_in "$1" $PY -c "$GET" "$2" "$3" "$4" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

e2e_check "before the agents: no route to the other node's pods" \
	bash -c "$(declare -f ps_get no_route); no_route $SOCK_A 10.244.1.0/24 && no_route $SOCK_B 10.244.0.0/24"
e2e_check "before the agents: c1 cannot reach s3 (other node)" \
	bash -c "! ip netns exec $(e2e_pod_ns c1) ping -c 1 -W 1 10.244.1.3"

agent_start A
agent_start B
e2e_check "agent A: route to node B's pod CIDR via its InternalIP" \
	until_ok 15 has_route "$SOCK_A" 10.244.1.0/24 $IP_B
e2e_check "agent B: route to node A's pod CIDR via its InternalIP" \
	until_ok 15 has_route "$SOCK_B" 10.244.0.0/24 $IP_A
e2e_check "pods reach each other across nodes (c1 -> s3, c2 -> s1)" \
	bash -c "ip netns exec $(e2e_pod_ns c1) ping -c 2 -i 0.2 -W 1 10.244.1.3 &&
		 ip netns exec $(e2e_pod_ns c2) ping -c 2 -i 0.2 -W 1 10.244.0.3"
annotated() { k GET "/api/v1/nodes/$1" | grep -q "\"flannel.alpha.coreos.com/public-ip\":\"$2\""; }
e2e_check "agent A annotated its Node flannel's way (backend-type, public-ip)" \
	until_ok 10 annotated "$NAME_A" $IP_A
e2e_check "service web programmed on both nodes (s1, s3)" \
	until_ok 15 both svc_is web "80 10.244.0.3 10.244.1.3"
e2e_assert_eq "ClusterIP from c1 reaches both endpoints, across nodes" \
	"s1 s3" "$(backends c1 10.96.0.10 80 8)"
e2e_assert_eq "NodePort 30080 of node B from outside" \
	"s1 s3" "$(ip netns exec "$EXT" $PY -c "$GET" $IP_B 30080 8 | sort -u | tr '\n' ' ' | sed 's/ $//')"
e2e_check "/healthz 200 on both agents once synced" \
	until_ok 10 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HZ_A/healthz) = 200 ] &&
			     [ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HZ_B/healthz) = 200 ]"
out=$(curl -s -m 3 "http://127.0.0.1:$HZ_A/healthz")
e2e_check "/healthz has kube-proxy's JSON (lastUpdated, currentTime)" \
	$PY -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["lastUpdated"] and d["currentTime"]' "$out"
e2e_assert_eq "/proxyMode says podswitch" podswitch "$(curl -s -m 3 "http://127.0.0.1:$MX_A/proxyMode")"
command -v promtool >/dev/null &&
	e2e_check "/metrics passes promtool check metrics" \
		bash -c "curl -s -m 3 http://127.0.0.1:$MX_A/metrics | promtool check metrics"
e2e_check "/metrics has the sync histogram and per-resource objects" \
	bash -c "curl -s -m 3 http://127.0.0.1:$MX_A/metrics | grep -q '^podswitch_agent_sync_duration_seconds_count [1-9]' &&
		 curl -s -m 3 http://127.0.0.1:$MX_A/metrics | grep -q 'podswitch_agent_objects{resource=\"nodes\"} 2'"

# -------------------------------------------------------- traffic follows

k PUT /_test/objects "$(slice web s2 s4)" >/dev/null
e2e_check "endpoints changed (s2, s4): both nodes follow" \
	until_ok 10 both svc_is web "80 10.244.0.4 10.244.1.4"
e2e_assert_eq "ClusterIP now reaches s2 and s4 only" "s2 s4" "$(backends c2 10.96.0.10 80 8)"
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[$(svc api 10.96.0.11 80), $(slice api s4)]}" >/dev/null
e2e_check "service api created: programmed on both nodes" \
	until_ok 10 both svc_is api "80 10.244.1.4"
e2e_assert_eq "c1 reaches api (s4)" "s4" "$(backends c1 10.96.0.11 80 3)"
k PUT /_test/objects "$(svc api 10.96.0.11 81)" >/dev/null
e2e_check "service api's port changed to 81 on both nodes" \
	until_ok 10 both svc_is api "81 10.244.1.4"
e2e_assert_eq "c1 reaches api on 81" "s4" "$(backends c1 10.96.0.11 81 3)"
k DELETE /_test/objects/services/default/api >/dev/null
e2e_check "service api deleted: gone from both nodes" until_ok 10 both svc_gone default/api
e2e_assert_eq "c1 no longer reaches 10.96.0.11:81" "ERR" \
	"$(backends c1 10.96.0.11 81 2 | cut -d' ' -f1)"

# another proxy's service (service-proxy-name label) is left alone, as
# kube-proxy without a name leaves it; without the label it is ours
labelled() {
	svc other 10.96.0.14 80 | $PY -c 'import json, sys; s = json.load(sys.stdin)
s["metadata"]["labels"] = {"service.kubernetes.io/service-proxy-name": "other-proxy"}
print(json.dumps(s))'
}
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[$(labelled), $(svc marker 10.96.0.15 80)]}" >/dev/null
until_ok 10 both svc_is marker "80 " || e2e_fail "service marker not programmed"
e2e_check "a service labelled for another proxy is not programmed" both svc_gone default/other
k PUT /_test/objects "$(svc other 10.96.0.14 80)" >/dev/null
e2e_check "the label removed: the service is programmed" until_ok 10 both svc_is other "80 "
k PUT /_test/objects "$(labelled)" >/dev/null
e2e_check "the label back: the service leaves both nodes" until_ok 10 both svc_gone default/other

# ------------------------------------------------------------------ faults

k POST /_test/drop >/dev/null
k PUT /_test/objects "$(svc after-drop 10.96.0.12 80)" >/dev/null
e2e_check "watch cut: a service created after it arrives (resumed)" \
	until_ok 15 both svc_is after-drop "80 "
e2e_assert_grep "agent A logged the dropped watch" "services: watch dropped" "${AG_LOG[A]}"

k PUT /_test/objects "$(svc doomed 10.96.0.13 80)" >/dev/null
until_ok 10 both svc_is doomed "80 " || e2e_fail "service doomed not programmed"
lists_before=$(grep -c 'services: listed' "${AG_LOG[A]}")
k POST /_test/pause >/dev/null
k DELETE /_test/objects/services/default/doomed >/dev/null
k POST /_test/expire >/dev/null
e2e_check "API server not answering beyond the sync period: /healthz 503" \
	until_ok 12 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HZ_A/healthz) = 503 ]"
e2e_check "while cut off, the deleted service is still programmed" both svc_is doomed "80 "
e2e_assert_eq "traffic keeps flowing while the API server is away" "s2 s4" \
	"$(backends c1 10.96.0.10 80 6)"
k POST /_test/resume >/dev/null
e2e_check "API server back: the version is too old (410), the agents list again" \
	until_ok 40 bash -c "grep -q 'too old' '${AG_LOG[A]}' && grep -q 'too old' '${AG_LOG[B]}'"
e2e_check "after the relist, the service deleted meanwhile is gone from both nodes" \
	until_ok 20 both svc_gone default/doomed
e2e_assert_ge "agent A listed services again" $((lists_before + 1)) \
	"$(grep -c 'services: listed' "${AG_LOG[A]}")"
e2e_check "/healthz 200 again on both agents" \
	until_ok 20 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HZ_A/healthz) = 200 ] &&
			     [ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HZ_B/healthz) = 200 ]"

# ------------------------------------------------------------------ restart

e2e_bg bash -c "ip netns exec $(e2e_pod_ns c1) $PY -c '$GET' 10.96.0.10 80 60 0.05 >'$E2E_TMP/restart.txt'"
traffic=$E2E_LAST_BG
sleep 0.5
agent_stop A
e2e_assert_eq "agent A exits 0 on SIGTERM" 0 "$AG_RC"
agent_start A
wait "$traffic" 2>/dev/null
e2e_assert_eq "agent A restarted under traffic: every request answered" 0 \
	"$(grep -c ERR "$E2E_TMP/restart.txt")"
# the log of the agent's last run
last_run() { awk '/podswitch-agent [0-9.]+: node/ { b = "" } { b = b $0 "\n" } END { printf "%s", b }' "$1"; }
synced_nothing() { last_run "${AG_LOG[A]}" | grep -qE 'full sync: .*services \+0 ~0 -0, slices \+0 ~0 -0'; }
e2e_check "agent A's full sync after the restart changed nothing" until_ok 15 synced_nothing

# ------------------------------------------------------------------ drift

curl -sf -m 5 --unix-socket "$SOCK_A" -X DELETE http://localhost/v1/services/default/web >/dev/null
e2e_check "web deleted behind the agent's back on node A: put back within the sync period" \
	until_ok 10 svc_is "$SOCK_A" web "80 10.244.0.4 10.244.1.4"

# ------------------------------------------------------------------ vxlan
# Both nodes again in flannel's vxlan mode, with a Linux node L run the
# way flanneld sets a node up from the podswitch Nodes' annotations.
#   L 192.168.60.12: flannel.1 (vxlan 1, 4789), pod l1 10.244.2.2 behind it
VTEP_L=0e:00:00:00:00:0c
NSL=pse2e$E2E_ID-L
for n in A B; do agent_stop "$n"; done
for d in A B; do e2e_stop "$d"; done
OVERLAY=vxlan
start_nodes || e2e_finish
linux_node() {
	local n="ip -n $NSL"
	e2e_netns "$NSL" && e2e_netns "pse2e$E2E_ID-l1" &&
	ip -n "$NSL" link add eth0 type veth peer name "pse2e${E2E_ID}L" netns "$FAB" &&
	ip -n "$FAB" link set "pse2e${E2E_ID}L" master br0 up &&
	$n addr add 192.168.60.12/24 dev eth0 && $n link set eth0 up &&
	ip netns exec "$NSL" sysctl -qw net.ipv4.ip_forward=1 &&
	$n link add flannel.1 address "$VTEP_L" type vxlan id 1 local 192.168.60.12 dev eth0 \
		dstport 4789 nolearning &&
	$n addr add 10.244.2.0/32 dev flannel.1 && $n link set flannel.1 up &&
	ip -n "$NSL" link add cni0 type veth peer name eth0 netns "pse2e$E2E_ID-l1" &&
	$n addr add 10.244.2.1/24 dev cni0 && $n link set cni0 up &&
	ip -n "pse2e$E2E_ID-l1" addr add 10.244.2.2/24 dev eth0 &&
	ip -n "pse2e$E2E_ID-l1" link set eth0 up &&
	ip -n "pse2e$E2E_ID-l1" route add default via 10.244.2.1
}
e2e_check "Linux node L: flannel.1, pod l1" linux_node
E2E_POD_NS[l1]=pse2e$E2E_ID-l1
k PUT /_test/objects "$(node_obj "ag$E2E_ID-l" 192.168.60.12 10.244.2.0/24 |
	$PY -c 'import json, sys; n = json.load(sys.stdin); n["metadata"]["annotations"] = {
	"flannel.alpha.coreos.com/backend-type": "vxlan",
	"flannel.alpha.coreos.com/backend-data": json.dumps({"VNI": 1, "VtepMAC": sys.argv[1]}),
	"flannel.alpha.coreos.com/public-ip": "192.168.60.12",
	"flannel.alpha.coreos.com/kube-subnet-manager": "true"}; print(json.dumps(n))' $VTEP_L)" >/dev/null
agent_start A
agent_start B
has_vxlan() { # SOCK DST REMOTE MAC
	ps_get "$1" /v1/routes | $PY -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x.get("dst") == sys.argv[1]]
e = r[0].get("encap", {}) if r else {}
sys.exit(0 if e.get("remote") == sys.argv[2] and e.get("mac", "").lower() == sys.argv[3] else 1)' "$2" "$3" "$4"
}
e2e_check "vxlan: A routes L's pod CIDR to L's VTEP (flannel annotations)" \
	until_ok 15 has_vxlan "$SOCK_A" 10.244.2.0/24 192.168.60.12 $VTEP_L
e2e_check "vxlan: A routes B's pod CIDR to B's VTEP (the agent's annotations)" \
	until_ok 15 has_vxlan "$SOCK_A" 10.244.1.0/24 $IP_B $MAC_B
vtep_of() { # NODE: "public-ip VtepMAC" from its annotations
	k GET "/api/v1/nodes/$1" | $PY -c '
import json, sys
a = json.load(sys.stdin)["metadata"].get("annotations", {})
assert a["flannel.alpha.coreos.com/backend-type"] == "vxlan"
print(a["flannel.alpha.coreos.com/public-ip"], json.loads(a["flannel.alpha.coreos.com/backend-data"])["VtepMAC"])'
}
# flanneld on L: a route, a neighbor and an FDB entry per podswitch node
flannel_l() {
	local name cidr pub mac
	for name in "$NAME_A:10.244.0" "$NAME_B:10.244.1"; do
		cidr=${name#*:}
		read -r pub mac < <(vtep_of "${name%%:*}") || return 1
		[ -n "$mac" ] || return 1
		ip -n "$NSL" route replace "$cidr.0/24" via "$cidr.0" dev flannel.1 onlink &&
		ip -n "$NSL" neigh replace "$cidr.0" lladdr "$mac" dev flannel.1 nud permanent &&
		ip netns exec "$NSL" bridge fdb append "$mac" dev flannel.1 dst "$pub" self permanent ||
			return 1
	done
}
e2e_check "the podswitch Nodes carry flannel's vxlan annotations; L set up from them" \
	until_ok 10 flannel_l
e2e_check "vxlan: c1 (podswitch A) pings l1 (Linux node)" \
	until_ok 10 e2e_in c1 ping -c 2 -i 0.2 -W 1 10.244.2.2
e2e_check "vxlan: l1 pings c2 (podswitch B)" until_ok 10 e2e_in l1 ping -c 2 -i 0.2 -W 1 10.244.1.2
e2e_check "vxlan: c1 pings s3 (podswitch A -> B)" e2e_in c1 ping -c 2 -i 0.2 -W 1 10.244.1.3
e2e_check "services after the restart of both nodes: web on both" \
	until_ok 15 both svc_is web "80 10.244.0.4 10.244.1.4"
e2e_assert_eq "ClusterIP across the vxlan overlay (c1 -> s2, s4)" "s2 s4" "$(backends c1 10.96.0.10 80 8)"
k DELETE "/_test/objects/nodes/-/ag$E2E_ID-l" >/dev/null
e2e_check "Node L deleted: its route leaves both nodes" \
	until_ok 10 both no_route 10.244.2.0/24

# ------------------------------------------------------------- 10,000 services

$PY "$E2E_TOP/test/k8s/gen_services.py" 10000 1 --node "$NAME_A" --node "$NAME_B" \
	>"$E2E_TMP/bulk.json"
k PUT /_test/objects @"$E2E_TMP/bulk.json" >/dev/null || e2e_fail "10,000 services into the API server"
agent_stop B
t0=$(date +%s%N)
agent_start B
e2e_check "agent B started against 10,000 services: all programmed" \
	until_ok 120 bash -c "[ \$(curl -sf --unix-socket $SOCK_B http://localhost/v1/status | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"tables\"][\"services\"][\"entries\"])') -ge 10002 ]"
e2e_log "10,000 services: agent start to all programmed on node B in $((($(date +%s%N) - t0) / 1000000)) ms"
e2e_check "node A took the 10,000 too (watch events)" \
	until_ok 60 bash -c "[ \$(curl -sf --unix-socket $SOCK_A http://localhost/v1/status | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"tables\"][\"services\"][\"entries\"])') -ge 10002 ]"
e2e_assert_eq "web still served on node B" "s2 s4" "$(backends c2 10.96.0.10 80 6)"

for n in A B; do
	agent_stop "$n"
	e2e_assert_eq "agent $n exits 0 on SIGTERM" 0 "$AG_RC"
done
for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_finish
