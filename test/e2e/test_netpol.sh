#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 900
#
# test_netpol.sh: Kubernetes NetworkPolicy on two podswitch nodes, in the
# shape of the upstream suite (test/e2e/network/netpol): namespaces x, y,
# z (labelled ns=NAME and kubernetes.io/metadata.name=NAME) with pods a,
# b, c each (labelled pod=NAME), spread over both nodes:
#
#   node A (10.244.0.0/24): x/a .11  x/c .13  y/b .22  z/a .31  z/c .33
#   node B (10.244.1.0/24): x/b .12  y/a .21  y/c .23  z/b .32
#     podswitch A ==uplink== fabric bridge ==uplink== podswitch B
#
# Every pod serves TCP and UDP on ports 80 and 81 (helpers/netpol.py
# serve; the containers' ports named serve-80-tcp, ... as upstream) and
# has a ClusterIP service of its own (10.96.5.N, N its address' last
# byte; TCP and UDP 80). Both nodes get every Namespace and Pod (the
# pod's node as spec.nodeName) and every policy, as podswitch-agent
# sends them: node A a kubectl-shaped List through podswitchctl apply,
# node B one PUT per object; policies one PUT per object on both nodes,
# some cases as a List through POST /v1/apply.
#
# Each case creates its policies, probes the whole 9 x 9 matrix for its
# port and protocol (81 probes at once, 1 s each, helpers/netpol.py
# check: a table that differs is probed again up to 3 times, as policy
# programming is asynchronous) against the case's truth table, prints
# the tables when they differ, and deletes its policies. One check line
# per case, named after the upstream test ("[podswitch]": a case of
# ours in the same shape: endPort, ClusterIPs, open connections,
# counters). A pod to itself is not probed (upstream ignores loopback).
#
# NETPOL_CASES=REGEX runs only the cases whose name matches (the harness
# checks always run); NETPOL_HOLD=SECONDS keeps it all up at the end.
#
# What Kubernetes leaves to the implementation, and what podswitch does
# (the last case checks it): a connection open before a policy that
# denies it is cut, see NETPOL_ESTABLISHED below.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init netpol
for t in python3 curl; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t"; e2e_finish; }
done
PY=python3
NP=$E2E_DIR/helpers/netpol.py
T_START=$(date +%s)

# An open connection when a policy that denies it arrives: Kubernetes
# leaves it to the implementation. podswitch revokes it ("cut"): each new
# policy generation is checked against the policed connections in
# conntrack and those it no longer allows are removed, so that their next
# packet is classified again, and dropped (modules/policy/control/
# pol_module.c). "kept" would be iptables' ESTABLISHED rule (Calico).
NETPOL_ESTABLISHED=${NETPOL_ESTABLISHED:-cut}

IP_A=192.168.60.10
IP_B=192.168.60.11
NAME_A=pse2e-$E2E_ID-a
NAME_B=pse2e-$E2E_ID-b
SOCK_A=$E2E_TMP/$NAME_A.sock
SOCK_B=$E2E_TMP/$NAME_B.sock
MODEL=$E2E_TMP/model.json

# pod: node, address
declare -A NODE=([x/a]=A [x/b]=B [x/c]=A [y/a]=B [y/b]=A [y/c]=B
	[z/a]=A [z/b]=B [z/c]=A)
declare -A ADDR=([x/a]=10.244.0.11 [x/b]=10.244.1.12 [x/c]=10.244.0.13
	[y/a]=10.244.1.21 [y/b]=10.244.0.22 [y/c]=10.244.1.23
	[z/a]=10.244.0.31 [z/b]=10.244.1.32 [z/c]=10.244.0.33)
PODS="x/a x/b x/c y/a y/b y/c z/a z/b z/c"
svc_ip() { echo "10.96.5.${ADDR[$1]##*.}"; }
ifname() { echo "${1%/*}${1#*/}"; }	# x/a -> xa
node_name() { [ "${NODE[$1]}" = A ] && echo "$NAME_A" || echo "$NAME_B"; }

# ------------------------------------------------------------------ topology

e2e_two_node_fabric 192.168.60.1 || { e2e_fail "namespaces"; e2e_finish; }
ok=1
for p in $PODS; do
	e2e_fabric_pod "$(ifname "$p")" "${ADDR[$p]}" "${NODE[$p]}" || ok=0
done
[ $ok = 1 ] || { e2e_fail "pods"; e2e_finish; }

pod_mac() {
	local ip=${ADDR[$1]} o3
	o3=$(echo "$ip" | cut -d. -f3)
	printf '02:00:0a:f4:%02x:%02x' "$o3" "${ip##*.}"
}

node_config() { # file name ip mac cidr gw peer_ip peer_cidr node(A|B)
	local file=$1 name=$2 ip=$3 mac=$4 cidr=$5 gw=$6 peer_ip=$7
	local peer_cidr=$8 node=$9 p ports=""
	for p in $PODS; do
		[ "${NODE[$p]}" = "$node" ] || continue
		ports="$ports,
    $(e2e_port_json "$(ifname "$p")" pod af_packet "$(ifname "$p")" \
			"${ADDR[$p]}" "$(pod_mac "$p")")"
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
  "tables": { "routes": 1024, "neighbors": 1024, "conntrack": 65536 },
  "api": { "unix_socket": "$E2E_TMP/$name.sock" },
  "dpdk": { "eal_args": ["--no-huge", "-m", "512", "--no-pci", "--file-prefix=$name"] }
}
EOF
}
node_config "$E2E_TMP/a.json" "$NAME_A" $IP_A 02:00:00:00:00:0a \
	10.244.0.0/24 10.244.0.1 $IP_B 10.244.1.0/24 A
node_config "$E2E_TMP/b.json" "$NAME_B" $IP_B 02:00:00:00:00:0b \
	10.244.1.0/24 10.244.1.1 $IP_A 10.244.0.0/24 B
e2e_start_in "$NSA" A "$E2E_TMP/a.json"
e2e_start_in "$NSB" B "$E2E_TMP/b.json"
{ e2e_wait_running A 30 && e2e_wait_running B 30; } || e2e_finish

for p in $PODS; do
	e2e_bg ip netns exec "$(e2e_pod_ns "$(ifname "$p")")" $PY "$NP" serve "$p"
done
{
	sep=""
	echo "["
	for p in $PODS; do
		printf '%s{"name": "%s", "netns": "%s", "ip": "%s", "svc": "%s"}\n' \
			"$sep" "$p" "$(e2e_pod_ns "$(ifname "$p")")" "${ADDR[$p]}" \
			"$(svc_ip "$p")"
		sep=","
	done
	echo "]"
} >"$MODEL"

# ------------------------------------------------------------------ objects

# ns_obj NS [EXTRA_LABELS]: a Namespace as kubectl prints it.
ns_obj() {
	echo "{ \"apiVersion\": \"v1\", \"kind\": \"Namespace\",
	  \"metadata\": { \"name\": \"$1\", \"uid\": \"ns-$1\",
	    \"resourceVersion\": \"$RANDOM\", \"creationTimestamp\": \"2026-01-01T00:00:00Z\",
	    \"labels\": { \"kubernetes.io/metadata.name\": \"$1\", \"ns\": \"$1\"${2:+, $2} } },
	  \"spec\": { \"finalizers\": [ \"kubernetes\" ] },
	  \"status\": { \"phase\": \"Active\" } }"
}

# pod_obj NS/POD [EXTRA_LABELS]: a running Pod as kubectl prints it, with
# upstream's containers: cont-80-tcp ... each with one port serve-80-tcp.
pod_obj() {
	local ns=${1%/*} name=${1#*/} c="" port proto sep=""
	for port in 80 81; do
		for proto in tcp udp; do
			c="$c$sep{ \"name\": \"cont-$port-$proto\",
			  \"image\": \"registry.k8s.io/e2e-test-images/agnhost:2.47\",
			  \"command\": [ \"/agnhost\", \"serve-hostname\" ],
			  \"ports\": [ { \"name\": \"serve-$port-$proto\",
			    \"containerPort\": $port, \"protocol\": \"${proto^^}\" } ],
			  \"resources\": {}, \"imagePullPolicy\": \"IfNotPresent\" }"
			sep=", "
		done
	done
	echo "{ \"apiVersion\": \"v1\", \"kind\": \"Pod\",
	  \"metadata\": { \"name\": \"$name\", \"namespace\": \"$ns\",
	    \"uid\": \"pod-$ns-$name\", \"resourceVersion\": \"$RANDOM\",
	    \"creationTimestamp\": \"2026-01-01T00:00:00Z\",
	    \"labels\": { \"pod\": \"$name\"${2:+, $2} } },
	  \"spec\": { \"containers\": [ $c ], \"nodeName\": \"$(node_name "$1")\",
	    \"restartPolicy\": \"Always\", \"dnsPolicy\": \"ClusterFirst\" },
	  \"status\": { \"phase\": \"Running\",
	    \"hostIP\": \"$([ "${NODE[$1]}" = A ] && echo $IP_A || echo $IP_B)\",
	    \"podIP\": \"${ADDR[$1]}\", \"podIPs\": [ { \"ip\": \"${ADDR[$1]}\" } ],
	    \"conditions\": [ { \"type\": \"Ready\", \"status\": \"True\" } ] } }"
}

# svc_objs NS/POD: its ClusterIP Service (TCP and UDP 80) and EndpointSlice.
svc_objs() {
	local ns=${1%/*} name=${1#*/}
	echo "{ \"apiVersion\": \"v1\", \"kind\": \"Service\",
	  \"metadata\": { \"name\": \"s-$name\", \"namespace\": \"$ns\" },
	  \"spec\": { \"type\": \"ClusterIP\", \"clusterIP\": \"$(svc_ip "$1")\",
	    \"ports\": [ { \"name\": \"tcp\", \"protocol\": \"TCP\", \"port\": 80, \"targetPort\": 80 },
	                 { \"name\": \"udp\", \"protocol\": \"UDP\", \"port\": 80, \"targetPort\": 80 } ] } },
	{ \"apiVersion\": \"discovery.k8s.io/v1\", \"kind\": \"EndpointSlice\",
	  \"addressType\": \"IPv4\",
	  \"metadata\": { \"name\": \"s-$name-1\", \"namespace\": \"$ns\",
	    \"labels\": { \"kubernetes.io/service-name\": \"s-$name\" } },
	  \"ports\": [ { \"name\": \"tcp\", \"protocol\": \"TCP\", \"port\": 80 },
	               { \"name\": \"udp\", \"protocol\": \"UDP\", \"port\": 80 } ],
	  \"endpoints\": [ { \"addresses\": [ \"${ADDR[$1]}\" ], \"nodeName\": \"$(node_name "$1")\",
	    \"targetRef\": { \"kind\": \"Pod\", \"namespace\": \"$ns\", \"name\": \"$name\" },
	    \"conditions\": { \"ready\": true } } ] }"
}

# np NAME NS POD_SELECTOR INGRESS EGRESS: a NetworkPolicy as kubectl
# prints it. INGRESS, EGRESS: a JSON array of rules, or "-" for none
# (and no policyType for it). An empty array is left out, as the API
# server's JSON does (omitempty): then policyTypes alone says "deny".
np() {
	local types="" spec
	[ "$4" != - ] && types='"Ingress"'
	[ "$5" != - ] && types="$types${types:+, }\"Egress\""
	spec="\"podSelector\": $3, \"policyTypes\": [ $types ]"
	[ "$4" != - ] && [ "$4" != "[]" ] && spec="$spec, \"ingress\": $4"
	[ "$5" != - ] && [ "$5" != "[]" ] && spec="$spec, \"egress\": $5"
	echo "{ \"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\",
	  \"metadata\": { \"name\": \"$1\", \"namespace\": \"$2\",
	    \"uid\": \"np-$2-$1\", \"generation\": 1, \"resourceVersion\": \"$RANDOM\",
	    \"creationTimestamp\": \"2026-01-01T00:00:00Z\" },
	  \"spec\": { $spec } }"
}

# both METHOD PATH [BODY]: the same REST call on both nodes; fails (with
# what each said) unless both answer 2xx (DELETE: or 404).
both() {
	local s rc=0
	for s in "$SOCK_A" "$SOCK_B"; do
		e2e_api "$s" "$@"
		case "$CODE" in
		2??) ;;
		404) [ "$1" = DELETE ] || { echo "$1 $2 on $(basename "$s" .sock): $CODE $BODY"; rc=1; } ;;
		*) echo "$1 $2 on $(basename "$s" .sock): $CODE $BODY"; rc=1 ;;
		esac
	done
	return $rc
}

# ------------------------------------------------------------------ cases

CASE='' CASE_OK=1 CASE_LOG=''
declare -a CASE_POLS=()

note() { CASE_LOG="$CASE_LOG$*"$'\n'; }

# case_begin NAME: false when NETPOL_CASES (an extended regex) leaves
# the case out.
case_begin() {
	CASE=$1
	CASE_OK=1
	CASE_LOG=
	CASE_POLS=()
	[ -z "${NETPOL_CASES:-}" ] || printf '%s\n' "$1" | grep -qE -- "$NETPOL_CASES"
}

# pol NS NAME JSON: create or replace the policy on both nodes (PUT).
pol() {
	local out
	CASE_POLS+=("$1/$2")
	if ! out=$(both PUT "/v1/networkpolicies/$1/$2" "$3"); then
		CASE_OK=0
		note "$out"
	fi
}

# pols_list JSON...: several policies as one List, POST /v1/apply.
pols_list() {
	local items="" j out
	for j in "$@"; do
		items="$items${items:+,}$j"
		CASE_POLS+=("$(printf '%s' "$j" | $PY -c 'import json, sys
m = json.load(sys.stdin)["metadata"]; print(m["namespace"] + "/" + m["name"])')")
	done
	if ! out=$(both POST /v1/apply "{ \"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [ $items ] }"); then
		CASE_OK=0
		note "$out"
	fi
}

pol_del() {
	local out
	if ! out=$(both DELETE "/v1/networkpolicies/$1"); then
		CASE_OK=0
		note "$out"
	fi
}

# expect PORT PROTO OPS [--service]: the matrix against the truth table.
expect() {
	local out rc
	out=$($PY "$NP" check "$MODEL" --port "$1" --proto "$2" --expect "$3" \
		"${@:4}" 2>&1)
	rc=$?
	note "$out"
	[ $rc -eq 0 ] || CASE_OK=0
}

case_end() {
	local p out
	for p in "${CASE_POLS[@]}"; do
		out=$(both DELETE "/v1/networkpolicies/$p") || note "cleanup: $out"
	done
	if [ "$CASE_OK" = 1 ]; then
		e2e_ok "$CASE"
		[ "$E2E_VERBOSE" = 1 ] && printf '%s' "$CASE_LOG" | sed 's/^/       | /'
	else
		e2e_fail "$CASE"
		printf '%s' "$CASE_LOG" | sed 's/^/       | /'
	fi
	return 0
}

# pod_put NS/POD [EXTRA_LABELS], ns_put NS [EXTRA_LABELS]: a label change.
pod_put() {
	local out
	out=$(both PUT "/v1/pods/$1" "$(pod_obj "$@")") || { CASE_OK=0; note "$out"; }
}
ns_put() {
	local out
	out=$(both PUT "/v1/namespaces/$1" "$(ns_obj "$@")") || { CASE_OK=0; note "$out"; }
}

# ------------------------------------------------------------- the objects

{
	echo '{ "kind": "List", "apiVersion": "v1", "metadata": {}, "items": ['
	for n in x y z; do ns_obj $n; echo ","; done
	for p in $PODS; do pod_obj "$p"; echo ","; done
	sep=""
	for p in $PODS; do echo "$sep"; svc_objs "$p"; sep=","; done
	echo '] }'
} >"$E2E_TMP/objects.json"
e2e_check "node A: podswitchctl apply -f (a List of 3 Namespaces, 9 Pods, 9 Services and their EndpointSlices)" \
	"$CTL" --socket "$SOCK_A" apply -f "$E2E_TMP/objects.json"
out=$(
	rc=0
	for n in x y z; do
		e2e_api "$SOCK_B" PUT "/v1/namespaces/$n" "$(ns_obj $n)"
		[ "${CODE:0:1}" = 2 ] || { echo "namespace $n: $CODE $BODY"; rc=1; }
	done
	for p in $PODS; do
		e2e_api "$SOCK_B" PUT "/v1/pods/$p" "$(pod_obj "$p")"
		[ "${CODE:0:1}" = 2 ] || { echo "pod $p: $CODE $BODY"; rc=1; }
	done
	exit $rc
)
e2e_assert_eq "node B: PUT of every Namespace and Pod answered 2xx" "" "$out"
svcs=$(sep=""; for p in $PODS; do echo "$sep"; svc_objs "$p"; sep=","; done)
e2e_api "$SOCK_B" POST /v1/apply "{ \"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [ $svcs ] }"
e2e_assert_eq "node B: the 9 services applied" 200 "$CODE"

# The harness, before any policy: every pod reaches every other on both
# ports and protocols and through the ClusterIPs. The first matrix may
# need a few tries (ARP, servers starting).
out=$($PY "$NP" check "$MODEL" --port 80 --proto tcp --tries 10 2>&1)
e2e_check "harness: 72 TCP/80 probes without policy" test $? -eq 0 ||
	printf '%s\n' "$out" | sed 's/^/       | /'
for pp in "81 tcp" "80 udp" "81 udp" "80 tcp --service" "80 udp --service"; do
	# shellcheck disable=SC2086 # pp is words
	set -- $pp
	out=$($PY "$NP" check "$MODEL" --port "$1" --proto "$2" "${@:3}" 2>&1)
	e2e_check "harness: every pod reaches every other, ${2^^}/$1 ${3:+through the ClusterIPs }without policy" \
		test $? -eq 0 || printf '%s\n' "$out" | sed 's/^/       | /'
done

ALL='{}'
PA='{ "matchLabels": { "pod": "a" } }'
# peer helpers (JSON)
ns_is() { echo "{ \"namespaceSelector\": { \"matchLabels\": { \"kubernetes.io/metadata.name\": \"$1\" } } }"; }
ns_pod() { echo "{ \"namespaceSelector\": { \"matchLabels\": { \"kubernetes.io/metadata.name\": \"$1\" } }, \"podSelector\": { \"matchLabels\": { \"pod\": \"$2\" } } }"; }
pod_is() { echo "{ \"podSelector\": { \"matchLabels\": { \"pod\": \"$1\" } } }"; }
port_() { echo "{ \"protocol\": \"$1\", \"port\": $2${3:+, \"endPort\": $3} }"; }
NOT_X='{ "matchExpressions": [ { "key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": [ "x" ] } ] }'

# ------------------------------------------------------- ingress selectors

if case_begin "should support a 'default-deny-ingress' policy"; then
pol x deny-ingress "$(np deny-ingress x "$ALL" '[]' -)"
expect 80 tcp "peer */* x/* 0"
# ICMP too: the policy isolates, and allows no protocol
if e2e_in ya ping -c 2 -i 0.3 -W 1 "${ADDR[x/a]}" >/dev/null 2>&1; then
	CASE_OK=0; note "y/a pings x/a through a default-deny-ingress policy"
fi
if ! e2e_in xa ping -c 2 -i 0.3 -W 1 "${ADDR[y/a]}" >/dev/null 2>&1; then
	CASE_OK=0; note "x/a cannot ping y/a (no egress policy there)"
fi
case_end; fi

if case_begin "should support a 'default-deny-all' policy"; then
pol x deny-all "$(np deny-all x "$ALL" '[]' '[]')"
expect 80 tcp "peer */* x/* 0; peer x/* */* 0"
# [podswitch] what it denied is counted, by reason, in /v1/stats, in
# the graph's drop nodes and per policy in GET /v1/policies
out=$(
	e2e_stats A "$E2E_TMP/deny.stats" || { echo "no stats"; exit 1; }
	e2e_api "$SOCK_A" GET /v1/policies
	echo "$BODY" >"$E2E_TMP/deny.policies"
	$PY - "$E2E_TMP/deny.stats" "$E2E_TMP/deny.policies" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
bad = []
pol = st.get("policy")
if not isinstance(pol, dict):
    bad.append("/v1/stats has no policy block")
# the drop nodes policy.drop.ingress and .egress: in the list as their
# node ("policy") and reason
drops = {}
for d in st.get("drops", []):
    r = d["reason"] if d["node"] in ("policy", "policy_l2") else d["node"]
    drops[r] = drops.get(r, 0) + d["packets"]
for n in ("ingress", "egress"):
    got = drops.get(n, 0) + drops.get("policy.drop." + n, 0)
    if got <= 0:
        bad.append("drop node policy.drop.%s counted %s" % (n, got))
try:
    p = json.load(open(sys.argv[2]))
except ValueError:
    p = None
txt = json.dumps(p)
if p is None or "deny-all" not in txt:
    bad.append("GET /v1/policies does not list x/deny-all: %s" % txt[:200])
def ints(o):
    if isinstance(o, bool):
        return 0
    if isinstance(o, int):
        return o
    if isinstance(o, dict):
        return sum(ints(v) for v in o.values())
    if isinstance(o, list):
        return sum(ints(v) for v in o)
    return 0
def denied(o):
    """Every count under a key that says "denied"."""
    if isinstance(o, dict):
        return sum(ints(v) if "denied" in k else denied(v)
                   for k, v in o.items())
    if isinstance(o, list):
        return sum(denied(v) for v in o)
    return 0
if denied(p) <= 0:
    bad.append("GET /v1/policies counts no denied packet")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
) || { CASE_OK=0; note "counters: $out"; }
case_end; fi

if case_begin "should enforce policy to allow traffic from pods within server namespace based on PodSelector"; then
pol x x-a-allows-x-b "$(np x-a-allows-x-b x "$PA" "[ { \"from\": [ $(pod_is b) ] } ]" -)"
expect 80 tcp "ingress x/a 0; peer x/b x/a 1"
case_end; fi

if case_begin "should enforce policy to allow ingress traffic for a target"; then
pols_list "$(np deny-all x "$ALL" '[]' -)" \
	"$(np allow-all-to-a x "$PA" '[ { "from": [ { "podSelector": {}, "namespaceSelector": {} } ] } ]' -)"
expect 80 tcp "peer */* x/* 0; ingress x/a 1"
case_end; fi

if case_begin "should enforce policy to allow ingress traffic from pods in all namespaces"; then
pol x allow-from-another-ns "$(np allow-from-another-ns x "$PA" '[ { "from": [ { "namespaceSelector": { "matchLabels": {} } } ] } ]' -)"
expect 80 tcp ""
case_end; fi

if case_begin "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector"; then
pol x allow-client-a-via-ns-selector "$(np allow-client-a-via-ns-selector x "$PA" "[ { \"from\": [ $(ns_is y) ] } ]" -)"
expect 80 tcp "peer x/* x/a 0; peer z/* x/a 0"
case_end; fi

if case_begin "should enforce policy based on PodSelector with MatchExpressions"; then
pol x x-a-allows-x-b "$(np x-a-allows-x-b x "$PA" '[ { "from": [ { "podSelector": { "matchExpressions": [ { "key": "pod", "operator": "In", "values": [ "b" ] } ] } } ] } ]' -)"
expect 80 tcp "ingress x/a 0; peer x/b x/a 1"
case_end; fi

if case_begin "should enforce policy based on NamespaceSelector with MatchExpressions"; then
pol x allow-ns-y-match-selector "$(np allow-ns-y-match-selector x "$PA" '[ { "from": [ { "namespaceSelector": { "matchExpressions": [ { "key": "ns", "operator": "In", "values": [ "y" ] } ] } } ] } ]' -)"
expect 80 tcp "peer x/* x/a 0; peer z/* x/a 0"
case_end; fi

if case_begin "should enforce policy based on PodSelector or NamespaceSelector"; then
pol x allow-ns-y-match-selector "$(np allow-ns-y-match-selector x "$PA" "[ { \"from\": [ { \"namespaceSelector\": $NOT_X }, $(pod_is b) ] } ]" -)"
expect 80 tcp "peer x/c x/a 0"
case_end; fi

if case_begin "should enforce policy based on PodSelector and NamespaceSelector"; then
pol x allow-ns-y-podselector-and-nsselector "$(np allow-ns-y-podselector-and-nsselector x "$PA" "[ { \"from\": [ { \"namespaceSelector\": $NOT_X, \"podSelector\": { \"matchLabels\": { \"pod\": \"b\" } } } ] } ]" -)"
expect 80 tcp "ingress x/a 0; peer y/b x/a 1; peer z/b x/a 1"
case_end; fi

if case_begin "should enforce policy based on Multiple PodSelectors and NamespaceSelectors"; then
pol x allow-ns-y-z-pod-b-c "$(np allow-ns-y-z-pod-b-c x "$PA" "[ { \"from\": [ { \"namespaceSelector\": $NOT_X, \"podSelector\": { \"matchExpressions\": [ { \"key\": \"pod\", \"operator\": \"In\", \"values\": [ \"b\", \"c\" ] } ] } } ] } ]" -)"
expect 80 tcp "peer x/* x/a 0; peer y/a x/a 0; peer z/a x/a 0"
case_end; fi

if case_begin "should enforce policy based on any PodSelectors"; then
pol x allow-ns-x-pod-b-c "$(np allow-ns-x-pod-b-c x "$PA" "[ { \"from\": [ $(pod_is b), $(pod_is c) ] } ]" -)"
expect 80 tcp "ingress x/a 0; peer x/b x/a 1; peer x/c x/a 1"
case_end; fi

if case_begin "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector"; then
pol x allow-ns-y-pod-a "$(np allow-ns-y-pod-a x "$PA" "[ { \"from\": [ $(ns_pod y a) ] } ]" -)"
expect 80 tcp "ingress x/a 0; peer y/a x/a 1"
case_end; fi

if case_begin "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label"; then
pol x allow-client-a-via-ns-selector-for-immutable-ns-label "$(np allow-client-a-via-ns-selector-for-immutable-ns-label x "$PA" "[ { \"from\": [ $(ns_is y) ] } ]" -)"
expect 80 tcp "peer x/* x/a 0; peer z/* x/a 0"
case_end; fi

if case_begin "should deny ingress from pods on other namespaces"; then
pol x deny-empty-policy "$(np deny-empty-policy x "$ALL" '[ { "from": [ { "podSelector": { "matchLabels": {} } } ] } ]' -)"
expect 80 tcp "peer y/* x/* 0; peer z/* x/* 0"
case_end; fi

# ------------------------------------------------------------------- ports

if case_begin "should enforce policy based on Ports"; then
pol x allow-client-a-via-ns-selector "$(np allow-client-a-via-ns-selector x "$PA" "[ { \"from\": [ $(ns_is y) ], \"ports\": [ $(port_ TCP 81) ] } ]" -)"
expect 81 tcp "peer x/* x/a 0; peer z/* x/a 0"
expect 80 tcp "ingress x/a 0"
case_end; fi

if case_begin "should enforce multiple, stacked policies with overlapping podSelectors"; then
pol x allow-client-a-via-ns-selector "$(np allow-client-a-via-ns-selector x "$PA" "[ { \"from\": [ $(ns_is y) ], \"ports\": [ $(port_ TCP 81) ] } ]" -)"
expect 81 tcp "peer x/* x/a 0; peer z/* x/a 0"
expect 80 tcp "ingress x/a 0"
pol x allow-client-a-via-ns-selector-80 "$(np allow-client-a-via-ns-selector-80 x "$PA" "[ { \"from\": [ $(ns_is y) ], \"ports\": [ $(port_ TCP 80) ] } ]" -)"
expect 80 tcp "peer x/* x/a 0; peer z/* x/a 0"
case_end; fi

if case_begin "should support allow-all policy"; then
pol x allow-all "$(np allow-all x "$ALL" '[ {} ]' -)"
expect 80 tcp ""
expect 81 tcp ""
case_end; fi

if case_begin "should allow ingress access on one named port"; then
pol x allow-all "$(np allow-all x "$ALL" '[ { "ports": [ { "port": "serve-81-tcp" } ] } ]' -)"
expect 81 tcp ""
expect 80 tcp "peer */* x/* 0"
case_end; fi

if case_begin "should allow ingress access from namespace on one named port"; then
pol x allow-client-a-via-ns-selector-80 "$(np allow-client-a-via-ns-selector-80 x "$PA" "[ { \"from\": [ $(ns_is y) ], \"ports\": [ { \"protocol\": \"TCP\", \"port\": \"serve-80-tcp\" } ] } ]" -)"
expect 80 tcp "peer x/* x/a 0; peer z/* x/a 0"
expect 81 tcp "ingress x/a 0"
case_end; fi

if case_begin "should allow egress access on one named port"; then
pol x allow-egress "$(np allow-egress x "$ALL" - '[ { "ports": [ { "port": "serve-80-tcp" } ] } ]')"
expect 80 tcp ""
expect 81 tcp "peer x/* */* 0"
case_end; fi

if case_begin "should enforce ingress policy allowing any port traffic to a server on a specific protocol"; then
pol x allow-ingress-by-proto "$(np allow-ingress-by-proto x "$PA" '[ { "ports": [ { "protocol": "TCP" } ] } ]' -)"
expect 80 tcp ""
expect 80 udp "ingress x/a 0"
case_end; fi

if case_begin "should not allow access by TCP when a policy specifies only UDP"; then
pol x allow-only-udp-ingress-on-port-81 "$(np allow-only-udp-ingress-on-port-81 x "$PA" "[ { \"ports\": [ $(port_ UDP 81) ] } ]" -)"
expect 81 tcp "ingress x/a 0"
expect 81 udp ""
case_end; fi

if case_begin "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP"; then
pol x deny-ingress "$(np deny-ingress x "$ALL" '[]' -)"
pol x allow-only-sctp-ingress-on-port-81 "$(np allow-only-sctp-ingress-on-port-81 x "$PA" "[ { \"ports\": [ $(port_ SCTP 81) ] } ]" -)"
expect 81 tcp "peer */* x/* 0"
case_end; fi

if case_begin "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP"; then
pol x allow-only-sctp-ingress-on-port-80 "$(np allow-only-sctp-ingress-on-port-80 x "$PA" "[ { \"ports\": [ $(port_ SCTP 80) ] } ]" -)"
expect 81 tcp "ingress x/a 0"
case_end; fi

if case_begin "[podswitch] should enforce policy based on Ports with an endPort range"; then
pol x allow-80-81-from-y "$(np allow-80-81-from-y x "$PA" "[ { \"from\": [ $(ns_is y) ], \"ports\": [ $(port_ TCP 80 81) ] } ]" -)"
expect 80 tcp "peer x/* x/a 0; peer z/* x/a 0"
expect 81 tcp "peer x/* x/a 0; peer z/* x/a 0"
case_end; fi

if case_begin "[podswitch] should enforce an egress endPort range that leaves a port out"; then
pol x allow-egress-81-90 "$(np allow-egress-81-90 x "$ALL" - "[ { \"ports\": [ $(port_ TCP 81 90) ] } ]")"
expect 81 tcp ""
expect 80 tcp "peer x/* */* 0"
case_end; fi

# ------------------------------------------------------------------ egress

if case_begin "should deny egress from pods based on PodSelector"; then
pol x deny-egress-pod-a "$(np deny-egress-pod-a x "$PA" - '[]')"
expect 80 tcp "egress x/a 0"
case_end; fi

if case_begin "should deny egress from all pods in a namespace"; then
pol x deny-egress-ns-x "$(np deny-egress-ns-x x "$ALL" - '[]')"
expect 80 tcp "peer x/* */* 0"
case_end; fi

if case_begin "should work with Ingress, Egress specified together"; then
pol x allow-client-a-via-pod-selector "$(np allow-client-a-via-pod-selector x "$PA" "[ { \"from\": [ $(pod_is b) ] } ]" '[ { "ports": [ { "port": 80 } ] } ]')"
expect 80 tcp "ingress x/a 0; peer x/b x/a 1"
expect 81 tcp "ingress x/a 0; egress x/a 0; peer x/b x/a 1"
case_end; fi

if case_begin "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)"; then
pols_list "$(np allow-to-ns-y-pod-a x "$PA" - "[ { \"to\": [ $(ns_pod y a) ] } ]")" \
	"$(np allow-from-xa-on-ya-match-selector y "$PA" "[ { \"from\": [ $(ns_pod x a) ] } ]" -)" \
	"$(np allow-from-xa-on-yb-match-selector y '{ "matchLabels": { "pod": "b" } }' "[ { \"from\": [ $(ns_pod x a) ] } ]" -)"
expect 80 tcp "peer x/a */* 0; peer */* y/a 0; peer x/a y/a 1; peer */* y/b 0"
case_end; fi

if case_begin "should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector"; then
pol x allow-to-ns-y-pod-a "$(np allow-to-ns-y-pod-a x "$PA" - "[ { \"to\": [ $(ns_pod y a) ] } ]")"
expect 80 tcp "egress x/a 0; peer x/a y/a 1"
case_end; fi

if case_begin "should enforce policy based on NamespaceSelector with MatchExpressions using default ns label"; then
pol x allow-ns-y-match-selector-for-immutable-ns-label "$(np allow-ns-y-match-selector-for-immutable-ns-label x "$PA" - '[ { "to": [ { "namespaceSelector": { "matchExpressions": [ { "key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": [ "y" ] } ] } } ] } ]')"
expect 80 tcp "peer x/a y/* 0"
case_end; fi

if case_begin "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector"; then
pol x allow-egress-for-target "$(np allow-egress-for-target x "$PA" - '[ {} ]')"
expect 80 tcp ""
pol x deny-ingress-via-label-selector "$(np deny-ingress-via-label-selector x "$PA" '[]' -)"
expect 80 tcp "ingress x/a 0"
case_end; fi

# ---------------------------------------------------------------- ipBlock

if case_begin "should allow egress access to server in CIDR block"; then
pol x allow-client-a-via-cidr-egress-rule "$(np allow-client-a-via-cidr-egress-rule x "$PA" - "[ { \"to\": [ { \"ipBlock\": { \"cidr\": \"${ADDR[y/b]}/32\" } } ] } ]")"
expect 80 tcp "egress x/a 0; peer x/a y/b 1"
case_end; fi

if case_begin "should enforce except clause while egress access to server in CIDR block"; then
pol x allow-client-a-via-cidr-egress-rule "$(np allow-client-a-via-cidr-egress-rule x "$PA" - "[ { \"to\": [ { \"ipBlock\": { \"cidr\": \"0.0.0.0/4\", \"except\": [ \"${ADDR[x/b]}/32\" ] } } ] } ]")"
expect 80 tcp "peer x/a x/b 0"
case_end; fi

if case_begin "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed"; then
pol x allow-client-a-via-cidr-egress-rule "$(np allow-client-a-via-cidr-egress-rule x "$PA" - "[ { \"to\": [ { \"ipBlock\": { \"cidr\": \"0.0.0.0/4\", \"except\": [ \"${ADDR[x/b]}/32\" ] } } ] } ]")"
expect 80 tcp "peer x/a x/b 0"
pol x allow-client-a-via-cidr-egress-rule "$(np allow-client-a-via-cidr-egress-rule x "$PA" - "[ { \"to\": [ { \"ipBlock\": { \"cidr\": \"${ADDR[x/b]}/32\" } } ] } ]")"
expect 80 tcp "egress x/a 0; peer x/a x/b 1"
case_end; fi

if case_begin "[podswitch] should enforce ingress from an ipBlock with except"; then
pol x allow-from-node-b-pods "$(np allow-from-node-b-pods x "$PA" '[ { "from": [ { "ipBlock": { "cidr": "10.244.1.0/24", "except": [ "10.244.1.32/32" ] } } ] } ]' -)"
expect 80 tcp "ingress x/a 0; peer x/b x/a 1; peer y/a x/a 1; peer y/c x/a 1"
case_end; fi

# ------------------------------------------------------------ multiple, live

if case_begin "should enforce multiple ingress policies with ingress allow-all policy taking precedence"; then
pol x allow-ingress-port-80 "$(np allow-ingress-port-80 x "$ALL" '[ { "ports": [ { "port": 80 } ] } ]' -)"
expect 81 tcp "peer */* x/* 0"
pols_list "$(np allow-ingress x "$ALL" '[ {} ]' -)"
expect 81 tcp ""
case_end; fi

if case_begin "should enforce multiple egress policies with egress allow-all policy taking precedence"; then
pol x allow-egress-port-80 "$(np allow-egress-port-80 x "$ALL" - '[ { "ports": [ { "port": 80 } ] } ]')"
expect 81 tcp "peer x/* */* 0"
pols_list "$(np allow-egress x "$ALL" - '[ {} ]')"
expect 81 tcp ""
case_end; fi

if case_begin "should enforce updated policy"; then
pol x allow-all-mutate-to-deny-all "$(np allow-all-mutate-to-deny-all x "$ALL" '[ {} ]' -)"
expect 81 tcp ""
pol x allow-all-mutate-to-deny-all "$(np allow-all-mutate-to-deny-all x "$ALL" '[]' -)"
expect 81 tcp "peer */* x/* 0"
case_end; fi

if case_begin "should stop enforcing policies after they are deleted"; then
pol x deny-all "$(np deny-all x "$ALL" '[]' '[]')"
expect 80 tcp "peer x/* */* 0; peer */* x/* 0"
pol_del x/deny-all
expect 80 tcp ""
case_end; fi

if case_begin "should allow ingress access from updated namespace"; then
pol x allow-client-a-via-ns-selector "$(np allow-client-a-via-ns-selector x "$PA" '[ { "from": [ { "namespaceSelector": { "matchLabels": { "ns2": "updated" } } } ] } ]' -)"
expect 80 tcp "ingress x/a 0"
ns_put y '"ns2": "updated"'
expect 80 tcp "ingress x/a 0; peer y/* x/a 1"
ns_put y
expect 80 tcp "ingress x/a 0"
case_end; fi

if case_begin "should allow ingress access from updated pod"; then
pol x allow-client-a-via-pod-selector "$(np allow-client-a-via-pod-selector x "$PA" '[ { "from": [ { "podSelector": { "matchLabels": { "pod": "b", "pod2": "updated" } } } ] } ]' -)"
expect 80 tcp "ingress x/a 0"
pod_put x/b '"pod2": "updated"'
expect 80 tcp "ingress x/a 0; peer x/b x/a 1"
pod_put x/b
case_end; fi

if case_begin "should deny ingress access to updated pod"; then
pol x deny-ingress-via-label-selector "$(np deny-ingress-via-label-selector x '{ "matchLabels": { "target": "isolated" } }' '[]' -)"
expect 80 tcp ""
pod_put x/a '"target": "isolated"'
expect 80 tcp "ingress x/a 0"
pod_put x/a
expect 80 tcp ""
case_end; fi

# -------------------------------------------------------------------- UDP

if case_begin "should support a 'default-deny-ingress' policy (UDP)"; then
pol x deny-all "$(np deny-all x "$ALL" '[]' -)"
expect 80 udp "peer */* x/* 0"
case_end; fi

if case_begin "should enforce policy based on Ports (UDP)"; then
pol x allow-ingress-on-port-81-ns-x "$(np allow-ingress-on-port-81-ns-x x "$PA" "[ { \"from\": [ $(ns_is y) ], \"ports\": [ $(port_ UDP 81) ] } ]" -)"
expect 81 udp "peer x/* x/a 0; peer z/* x/a 0"
case_end; fi

if case_begin "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector (UDP)"; then
pol x allow-ns-y-pod-a-via-namespace-pod-selector "$(np allow-ns-y-pod-a-via-namespace-pod-selector x "$PA" "[ { \"from\": [ $(ns_pod y a) ] } ]" -)"
expect 80 udp "ingress x/a 0; peer y/a x/a 1"
case_end; fi

# --------------------------------------------------------------- services

if case_begin "[podswitch] should decide egress to a ClusterIP on the endpoint"; then
pol x allow-to-y-b "$(np allow-to-y-b x "$PA" - "[ { \"to\": [ $(ns_pod y b) ] } ]")"
expect 80 tcp "egress x/a 0; peer x/a y/b 1" --service
expect 80 udp "egress x/a 0; peer x/a y/b 1" --service
case_end; fi

if case_begin "[podswitch] should enforce ingress policy on traffic through a ClusterIP"; then
pol y allow-x-b-to-b "$(np allow-x-b-to-b y '{ "matchLabels": { "pod": "b" } }' "[ { \"from\": [ $(ns_pod x b) ] } ]" -)"
expect 80 tcp "ingress y/b 0; peer x/b y/b 1" --service
case_end; fi

# ------------------------------------------------ an open connection denied

# y/a (node B) holds a connection to x/a (node A) and echoes a line every
# 0.2 s for 8 s; 2 s in, a default-deny-ingress policy comes to x.
if case_begin "[podswitch] allow-then-deny: a connection open before the policy is $NETPOL_ESTABLISHED"; then
e2e_bg $PY "$NP" hold "$MODEL" y/a x/a 80 8 >"$E2E_TMP/hold.txt" 2>&1
hold_pid=$E2E_LAST_BG
sleep 2
pol x deny-ingress "$(np deny-ingress x "$ALL" '[]' -)"
expect 80 tcp "peer */* x/* 0"
wait "$hold_pid"
line=$(head -n 1 "$E2E_TMP/hold.txt")
note "open connection y/a -> x/a, a line each 0.2 s, the policy at 2 s: $line"
note "$(tail -n 1 "$E2E_TMP/hold.txt")"
if [ "$NETPOL_ESTABLISHED" = kept ]; then
	[[ "$line" =~ ^\.+$ ]] ||
		{ CASE_OK=0; note "lines went unanswered: the connection was not kept"; }
else
	# answered until the policy, then never again (at least 1 s of it)
	[[ "$line" =~ ^\.+-----+$ ]] ||
		{ CASE_OK=0; note "not cut for good once the policy came: $line"; }
fi
case "$line" in
....*) ;;
*) CASE_OK=0; note "the connection did not work before the policy" ;;
esac
case_end; fi

e2e_log "$(( $(date +%s) - T_START )) s for the harness and the cases"
# NETPOL_HOLD=S: keep everything up S seconds more, to look around
[ -n "${NETPOL_HOLD:-}" ] && e2e_log "holding ${NETPOL_HOLD} s; model in $MODEL" &&
	sleep "$NETPOL_HOLD"
for d in A B; do
	e2e_stop "$d"
	e2e_assert_eq "node $d exits 0 on SIGTERM" 0 "${E2E_DRC[$d]}"
done
e2e_finish
