#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_agent_daemon.sh PODSWITCH AGENT: the agent against a real daemon
# (one ring port, --no-huge: no namespaces needed) and the test API
# server, for what the e2e does not reach:
#  - malformed objects are left out with a WARN naming them, the others
#    are programmed (one bad Service must not hold back the cluster);
#  - without a cluster_cidr in the daemon, an operator's route is kept and
#    the route to a Node's pod CIDR leaves with the Node;
#  - the daemon's zone follows our Node's topology.kubernetes.io/zone;
#  - Namespaces, Pods and NetworkPolicies: a policy created in the API
#    server reaches the daemon (GET /v1/policies), a Pod's label change
#    changes what it selects, a host-network pod is not sent; a policy
#    deleted while the agent is down is gone from the daemon once it is
#    back, and one created meanwhile is there;
#  - the daemon restarted under the agent: its services and policies come
#    back (drift).
set -uo pipefail
PODSWITCH=${1:?usage: test_agent_daemon.sh PODSWITCH AGENT}
AGENT=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/agdaemon.XXXXXX)
tag=agd$$
port=$((40000 + $$ % 10000))
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "/var/run/dpdk/$tag"
	[ $fail -eq 0 ] && rm -rf "$tmp" || echo "logs kept in $tmp"
}
trap cleanup EXIT
until_ok() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	"$@" >/dev/null 2>&1
}
cat >"$tmp/node.json" <<EOF
{
  "node": { "name": "$tag", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1" },
  "ports": [ { "name": "up0", "role": "uplink", "driver": "ring",
               "args": { "rx_ring": "${tag}rx", "tx_ring": "${tag}tx" } },
             { "name": "pa", "role": "pod", "driver": "ring",
               "args": { "rx_ring": "${tag}prx", "tx_ring": "${tag}ptx" },
               "pod": { "ip": "10.244.0.5", "mac": "02:00:0a:f4:00:05" } } ],
  "workers": { "lcores": "1" },
  "tables": { "routes": 1024 },
  "api": { "unix_socket": "$tmp/api.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "1024", "--no-pci", "--file-prefix=$tag",
                         "--log-level=lib.eal:warning"] }
}
EOF
daemon() {
	"$PODSWITCH" --config "$tmp/node.json" >>"$tmp/daemon.log" 2>&1 &
	DPID=$!
	pids+=("$DPID")
	until_ok 30 curl -sf --unix-socket "$tmp/api.sock" http://localhost/v1/status
}
psget() { curl -sf -m 5 --unix-socket "$tmp/api.sock" "http://localhost$1"; }
daemon || { bad "daemon did not start"; exit 1; }
APISERVER_PORT=$port bash "$here/certs.sh" "$tmp/pki" 127.0.0.1 >/dev/null
python3 "$here/apiserver.py" --listen 127.0.0.1:$port --cert "$tmp/pki/server.pem" \
	--key "$tmp/pki/server-key.pem" --token "$(cat "$tmp/pki/token")" 2>"$tmp/apiserver.log" &
pids+=("$!")
k() {
	curl -sS -m 10 --cacert "$tmp/pki/ca.pem" -H "Authorization: Bearer $(cat "$tmp/pki/token")" \
		-X "$1" "https://127.0.0.1:$port$2" ${3:+--data-binary "$3"}
}
until_ok 10 k GET /version
svc() { # NAME VIP PORT PROTO
	echo "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"default\"},
	  \"spec\":{\"clusterIP\":\"$2\",\"ports\":[{\"port\":$3,\"protocol\":\"$4\"}]}}"
}
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[$(svc good 10.96.0.10 80 TCP),
  $(svc bad 10.96.0.11 70000 TCP),
  {\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"other\"},
   \"spec\":{\"podCIDR\":\"10.244.5.0/24\"},
   \"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.168.60.20\"}]}}]}" >/dev/null
curl -sf -o /dev/null --unix-socket "$tmp/api.sock" -X POST \
	-d '{"dst":"10.1.0.0/16","gateway":"192.168.60.1"}' http://localhost/v1/routes ||
	bad "operator route"
agent() {
	"$AGENT" --kubeconfig "$tmp/pki/kubeconfig-token" --node-name "$tag" \
		--podswitch-socket "$tmp/api.sock" --healthz-bind-address 127.0.0.1:$((port + 1)) \
		--metrics-bind-address 127.0.0.1:$((port + 2)) --sync-period 2s >>"$tmp/agent.log" 2>&1 &
	APID=$!
	pids+=("$APID")
}
agent
names() { psget /v1/services | python3 -c 'import json,sys; print(" ".join(sorted(s["name"] for s in json.load(sys.stdin))))'; }
has() { [ "$(names)" = "$1" ]; }
routes() { psget /v1/routes | python3 -c 'import json,sys; print(" ".join(sorted(r["dst"] for r in json.load(sys.stdin) if r["protocol"] != "kernel")))'; }
routes_are() { [ "$(routes)" = "$1" ]; }
if until_ok 10 has good; then
	ok "a malformed Service is left out, the good one programmed"
else
	bad "services: $(names)"
fi
if grep -q 'Service default/bad left out' "$tmp/agent.log"; then
	ok "the agent names the object it left out"
else
	bad "no WARN naming default/bad"
fi
k PUT /_test/objects "$(svc bad2 10.96.0.13 80 FOO)" >/dev/null
k PUT /_test/objects "$(svc later 10.96.0.12 80 TCP)" >/dev/null
if until_ok 10 has "good later"; then
	ok "after another malformed one, a good change still goes through"
else
	bad "services: $(names)"
fi
if until_ok 10 routes_are "10.1.0.0/16 10.244.5.0/24"; then
	ok "route to the Node's pod CIDR set, the operator's kept"
else
	bad "routes: $(routes)"
fi
k DELETE /_test/objects/nodes/-/other >/dev/null
if until_ok 10 routes_are "10.1.0.0/16"; then
	ok "Node deleted: its route leaves, the operator's stays (no cluster_cidr)"
else
	bad "routes: $(routes)"
fi
selfnode() { # ZONE
	k PUT /_test/objects "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$tag\",
	  \"labels\":{\"topology.kubernetes.io/zone\":\"$1\"}},\"spec\":{\"podCIDR\":\"10.244.0.0/24\"}}" >/dev/null
}
zone_is() { [ "$(psget /v1/node/zone)" = "{\"zone\":\"$1\"}" ]; }
zone_is "" || bad "zone before the agent set it: $(psget /v1/node/zone)"
selfnode zone-x
if until_ok 10 zone_is zone-x; then
	ok "the daemon takes its Node's zone label"
else
	bad "zone: $(psget /v1/node/zone)"
fi
selfnode zone-y
if until_ok 10 zone_is zone-y; then
	ok "a changed zone label follows"
else
	bad "zone: $(psget /v1/node/zone)"
fi
# ------------------------------------------------ namespaces, pods, policies
pod() { # NS NAME IP LABELS [HOSTNETWORK]
	echo "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$2\",\"namespace\":\"$1\",
	  \"labels\":$4},\"spec\":{\"nodeName\":\"$tag\",\"hostNetwork\":${5:-false},
	  \"containers\":[{\"name\":\"c\",\"image\":\"i\",\"ports\":[{\"name\":\"http\",\"containerPort\":80,\"protocol\":\"TCP\"}]}]},
	  \"status\":{\"phase\":\"Running\",\"podIP\":\"$3\",\"podIPs\":[{\"ip\":\"$3\"}],
	  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
}
netpol() { # NS NAME
	echo "{\"kind\":\"NetworkPolicy\",\"apiVersion\":\"networking.k8s.io/v1\",
	  \"metadata\":{\"name\":\"$2\",\"namespace\":\"$1\"},
	  \"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"web\",\"tier\":\"front\"}},
	    \"policyTypes\":[\"Ingress\"],\"ingress\":[{\"from\":[{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"a\"}}}],
	      \"ports\":[{\"port\":\"http\"}]}]}}"
}
# "ns/name:selectedPods" of every policy the daemon has
pols() {
	psget /v1/policies | python3 -c 'import json, sys
print(" ".join(sorted("%s/%s:%s" % (p["namespace"], p["name"], p.get("selectedPods"))
                      for p in json.load(sys.stdin))))'
}
pols_are() { [ "$(pols)" = "$1" ]; }
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[
  {\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"shop\",
   \"labels\":{\"kubernetes.io/metadata.name\":\"shop\",\"team\":\"a\"}}},
  $(pod shop web-1 10.244.0.5 '{"app":"web"}'),
  $(pod shop hostnet 192.168.60.10 '{"app":"web","tier":"front"}' true),
  $(netpol shop web)]}" >/dev/null
if until_ok 15 pols_are "shop/web:0"; then
	ok "a NetworkPolicy created in the API server reaches the daemon (GET /v1/policies)"
else
	bad "policies: $(pols); $(psget /v1/policies | head -c 300)"
fi
k PATCH /api/v1/namespaces/shop/pods/web-1 '{"metadata":{"labels":{"app":"web","tier":"front"}}}' >/dev/null
if until_ok 15 pols_are "shop/web:1"; then
	ok "a Pod's label change reaches the daemon: the policy now selects it"
else
	bad "after the label change: $(pols)"
fi
if grep -q 'pods +1 ' "$tmp/agent.log" && ! grep -q 'pods +2 ' "$tmp/agent.log"; then
	ok "the host-network pod is not sent"
else
	bad "pods sent: $(grep 'policy' "$tmp/agent.log" | tail -3)"
fi
kill "$APID"
wait "$APID" 2>/dev/null
k DELETE /_test/objects/networkpolicies/shop/web >/dev/null
k PUT /_test/objects "$(netpol shop web2)" >/dev/null
agent
if until_ok 15 pols_are "shop/web2:1"; then
	ok "agent restarted: the policy deleted meanwhile is gone, the new one there"
else
	bad "after the agent's restart: $(pols)"
fi

kill "$DPID"
wait "$DPID" 2>/dev/null
rm -f "$tmp/api.sock"
daemon || bad "daemon did not restart"
if until_ok 15 has "good later"; then
	ok "daemon restarted: the agent puts its services back"
else
	bad "after the daemon's restart: $(names)"
fi
if until_ok 15 zone_is zone-y; then
	ok "daemon restarted: the agent sets its zone again"
else
	bad "zone after the restart: $(psget /v1/node/zone)"
fi
if until_ok 15 pols_are "shop/web2:1"; then
	ok "daemon restarted: the agent puts its namespaces, pods and policies back"
else
	bad "policies after the daemon's restart: $(pols)"
fi
echo "agent-daemon: $pass passed, $fail failed"
[ $fail -eq 0 ]
