#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_cni.sh: podswitch-cni run exactly as a container runtime runs it
# (CNI_* environment, network configuration on stdin, CNI_PATH holding
# Debian's host-local) against a podswitch daemon with a state directory:
#   - N pods added (50: af_packet pods are podswitch's own ports, not
#     ethdevs, so Debian's 32-ethdev limit does not apply); each pod pings the next,
#     all reach a ClusterIP served by two of them, every pod with the
#     kernel's default offloads (af_xdp ones too); CHECK passes for all;
#   - the refusals: a bad config, a missing env var, an unknown netns give
#     CNI error JSON with the specification's codes and leave nothing;
#   - restarts interleaved: SIGTERM and restart (ports come back from the
#     state directory, pods still reach each other), DEL of some, kill -9
#     and restart, ADD of new ones, DEL of a pod never added, a second DEL;
#   - DEL of all: host-local's store holds no address, podswitch no pod
#     port, the host no veth of ours.
# ADD and DEL latencies (median, worst) are printed. CNI_PODS (50) and
# CNI_DRIVER (af_packet, af_xdp) change the run.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

CNI=${PODSWITCH_CNI:-$E2E_TOP/build/app/podswitch-cni}
N=${CNI_PODS:-50}
DRIVER=${CNI_DRIVER:-af_packet}	# or af_xdp
CNI_BIN_DIR=${CNI_BIN_DIR:-/usr/lib/cni}

e2e_init cni
command -v python3 >/dev/null || { e2e_fail "no python3"; e2e_finish; }
[ -x "$CNI_BIN_DIR/host-local" ] || { e2e_fail "no $CNI_BIN_DIR/host-local (containernetworking-plugins)"; e2e_finish; }
cp "$CNI" "$E2E_TMP/bin/podswitch-cni" || { e2e_fail "no $CNI"; e2e_finish; }
CNI=$E2E_TMP/bin/podswitch-cni

name="cn$E2E_ID"
SOCK="$E2E_TMP/$name.sock"
STATE="$E2E_TMP/state"
IPAMDIR="$E2E_TMP/ipam"
VP="cn"		# host veth prefix: our veths are cn<8 hex>
cat >"$E2E_TMP/net.conf" <<EOC
{ "cniVersion": "1.0.0", "name": "podnet-$name", "type": "podswitch-cni",
  "socket": "$SOCK",
  "port": { "driver": "$DRIVER", "veth_prefix": "$VP" },
  "ipam": { "type": "host-local", "dataDir": "$IPAMDIR",
            "ranges": [[{ "subnet": "10.244.0.0/24", "rangeStart": "10.244.0.10",
                          "rangeEnd": "10.244.0.250", "gateway": "10.244.0.1" }]],
            "routes": [{ "dst": "0.0.0.0/0" }] } }
EOC

# cni CMD ID [NETNS] [CONF]: run the plugin; output in OUT, status in RC.
cni() {
	OUT=$(CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=${3:-} CNI_IFNAME=eth0 \
	      CNI_PATH="$CNI_BIN_DIR" "$CNI" <"${4:-$E2E_TMP/net.conf}" 2>/dev/null)
	RC=$?
}

declare -a ADD_MS=() DEL_MS=()
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# pod_add I: namespace cn<id>p<I>, container id cn<id>c<I>
pod_ns() { echo "cn${E2E_ID}p$1"; }
pod_id() { echo "cn${E2E_ID}c$1"; }
pod_add() {
	local ns; ns=$(pod_ns "$1")
	e2e_netns "$ns" || return 1
	local t0; t0=$(ms_now)
	cni ADD "$(pod_id "$1")" "/var/run/netns/$ns"
	ADD_MS+=($(($(ms_now) - t0)))
	[ $RC -eq 0 ] || { echo "ADD $1: $OUT"; return 1; }
	echo "$OUT" >"$E2E_TMP/result.$1"
	POD_IP[$1]=$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
}
pod_del() {
	local t0; t0=$(ms_now)
	cni DEL "$(pod_id "$1")" "/var/run/netns/$(pod_ns "$1")"
	DEL_MS+=($(($(ms_now) - t0)))
	[ $RC -eq 0 ] || { echo "DEL $1: $OUT"; return 1; }
}
pod_check() {
	python3 - "$E2E_TMP/net.conf" "$E2E_TMP/result.$1" >"$E2E_TMP/check.conf" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["prevResult"] = json.load(open(sys.argv[2]))
print(json.dumps(c))
PY
	cni CHECK "$(pod_id "$1")" "/var/run/netns/$(pod_ns "$1")" "$E2E_TMP/check.conf"
	[ $RC -eq 0 ] || { echo "CHECK $1: $OUT"; return 1; }
}
declare -A POD_IP=()

api() { e2e_api "$SOCK" "$@"; }
pod_ports() {
	curl -s --unix-socket "$SOCK" http://ps/v1/ports |
		python3 -c 'import json,sys; print(sum(1 for p in json.load(sys.stdin) if p["role"] == "pod"))'
}
our_veths() { ip -o link show | grep -cE "^[0-9]+: ${VP}[0-9a-f]{8}@" ; }
ipam_used() { find "$IPAMDIR" -type f -name '10.*' 2>/dev/null | wc -l; }

# all pods in LIST ping their successor in LIST: prints failures
ping_ring() {
	local list=("$@") n=${#@} i fails=0 pids=() j
	for ((i = 0; i < n; i++)); do
		j=${list[$(((i + 1) % n))]}
		ip netns exec "$(pod_ns "${list[$i]}")" ping -c 2 -i 0.2 -W 2 -q "${POD_IP[$j]}" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
	echo $fails
}

{ e2e_netns "cn${E2E_ID}up" && e2e_veth "cn${E2E_ID}up" "cn${E2E_ID}up" eth0 02:00:00:00:00:0b; } ||
	{ e2e_fail "cannot create the uplink veth"; e2e_finish; }
ports="[ $(e2e_port_json up0 uplink af_packet "cn${E2E_ID}up") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" \
	"\"hotplug\": { \"max_ports\": $((N + 2)) }, \"state\": { \"dir\": \"$STATE\" }"
sed -i "s|\"unix_socket\": \"[^\"]*\"|\"unix_socket\": \"$SOCK\"|" "$cfg"
e2e_start d "$cfg"
e2e_wait_running d 30 || e2e_finish

# --- VERSION and refusals -------------------------------------------------
cni VERSION x
e2e_check "VERSION lists 1.0.0" grep -q '"1.0.0"' <<<"$OUT"
cni ADD "$(pod_id x)" /var/run/netns/cn-no-such-ns
e2e_assert_eq "ADD into a missing netns: error code 3" 3 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
echo '{"cniVersion": "9.9.9", "name": "x", "type": "podswitch-cni"}' >"$E2E_TMP/badver.conf"
cni ADD "$(pod_id x)" /proc/self/ns/net "$E2E_TMP/badver.conf"
e2e_assert_eq "unsupported cniVersion: error code 1" 1 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
echo '{"cniVersion": "1.0.0", "name": "x", "type": "podswitch-cni", "port": {"driver": "tap"}}' >"$E2E_TMP/baddrv.conf"
cni ADD "$(pod_id x)" /proc/self/ns/net "$E2E_TMP/baddrv.conf"
e2e_assert_eq "unknown port.driver: error code 7" 7 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
echo '{not json' >"$E2E_TMP/garbage.conf"
cni ADD "$(pod_id x)" /proc/self/ns/net "$E2E_TMP/garbage.conf"
e2e_assert_eq "undecodable config: error code 6" 6 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
OUT=$(CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_NETNS=/proc/self/ns/net CNI_PATH="$CNI_BIN_DIR" "$CNI" <"$E2E_TMP/net.conf")
e2e_assert_eq "no CNI_CONTAINERID: error code 4" 4 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
e2e_assert_eq "refusals left no address in host-local" 0 "$(ipam_used)"
e2e_assert_eq "refusals left no veth" 0 "$(our_veths)"

# --- N pods ---------------------------------------------------------------
fails=0
for i in $(seq 1 "$N"); do pod_add "$i" || fails=$((fails + 1)); done
e2e_assert_eq "$N pods added" 0 "$fails"
e2e_assert_eq "podswitch has $N pod ports" "$N" "$(pod_ports)"
e2e_assert_eq "host-local holds $N addresses" "$N" "$(ipam_used)"
e2e_assert_eq "the result's MAC is the pod's" "$(python3 -c 'import json,sys; print([i for i in json.load(open(sys.argv[1]))["interfaces"] if i["name"]=="eth0"][0]["mac"])' "$E2E_TMP/result.1")" \
	"$(ip -n "$(pod_ns 1)" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
e2e_assert_eq "the pod keeps the kernel's default offloads (tx-checksumming on)" on \
	"$(ip netns exec "$(pod_ns 1)" ethtool -k eth0 | sed -n 's/^tx-checksumming: \([a-z]*\).*/\1/p')"
mapfile -t all < <(seq 1 "$N")
e2e_assert_eq "every pod pings the next one" 0 "$(ping_ring "${all[@]}")"
# a second ADD of the same container is refused and breaks nothing
cni ADD "$(pod_id 1)" "/var/run/netns/$(pod_ns 1)"
e2e_assert_eq "ADD twice: error code 102" 102 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
e2e_assert_eq "  and the first ADD's address is kept" "$N" "$(ipam_used)"
e2e_check "  and its pod still answers" ip netns exec "$(pod_ns 2)" ping -c 1 -W 2 -q "${POD_IP[1]}"

# a ClusterIP served by pods 1 and 2
for i in 1 2; do
	ip netns exec "$(pod_ns $i)" python3 -m http.server 8080 --bind 0.0.0.0 >/dev/null 2>&1 &
	E2E_BG+=($!)
done
api PUT /v1/services/default/web "{\"apiVersion\": \"v1\", \"kind\": \"Service\",
  \"metadata\": {\"namespace\": \"default\", \"name\": \"web\"},
  \"spec\": {\"type\": \"ClusterIP\", \"clusterIP\": \"10.96.0.80\",
    \"ports\": [{\"name\": \"http\", \"protocol\": \"TCP\", \"port\": 80, \"targetPort\": 8080}]}}"
e2e_assert_eq "service web created" 201 "$CODE"
api PUT /v1/services/default/web/endpoints "{\"apiVersion\": \"discovery.k8s.io/v1\", \"kind\": \"EndpointSlice\",
  \"metadata\": {\"namespace\": \"default\", \"name\": \"web-1\", \"labels\": {\"kubernetes.io/service-name\": \"web\"}},
  \"addressType\": \"IPv4\", \"ports\": [{\"name\": \"http\", \"protocol\": \"TCP\", \"port\": 8080}],
  \"endpoints\": [{\"addresses\": [\"${POD_IP[1]}\"], \"conditions\": {\"ready\": true}},
                  {\"addresses\": [\"${POD_IP[2]}\"], \"conditions\": {\"ready\": true}}]}"
e2e_assert_eq "its endpoints set" 200 "$CODE"
sleep 1
clusterip_all() {
	local fails=0 i
	for i in "$@"; do
		ip netns exec "$(pod_ns "$i")" curl -s -m 5 -o /dev/null http://10.96.0.80/ || fails=$((fails + 1))
	done
	echo $fails
}
e2e_assert_eq "every pod reaches the ClusterIP" 0 "$(clusterip_all "${all[@]}")"
fails=0
for i in "${all[@]}"; do pod_check "$i" >/dev/null || fails=$((fails + 1)); done
e2e_assert_eq "CHECK passes for every pod" 0 "$fails"
# CHECK notices a pod whose address went away
ip -n "$(pod_ns 3)" addr flush dev eth0
pod_check 3 >/dev/null
e2e_assert_eq "CHECK fails when the address is gone (code 100)" 100 \
	"$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>&1)"
ip -n "$(pod_ns 3)" addr add "${POD_IP[3]}/24" dev eth0
ip -n "$(pod_ns 3)" route add default via 10.244.0.1

# --- restarts interleaved -------------------------------------------------
kill -TERM "$(e2e_dpid d)"
e2e_wait_exit d 20000 || e2e_fail "podswitch did not stop on SIGTERM"
e2e_start d "$cfg"
e2e_wait_running d 60 || e2e_finish
e2e_assert_eq "after SIGTERM + restart: $N pod ports restored" "$N" "$(pod_ports)"
e2e_assert_eq "pods ping each other after the restart" 0 "$(ping_ring "${all[@]}")"
e2e_assert_eq "the ClusterIP answers after the restart" 0 "$(clusterip_all "${all[@]: -3}")"

mapfile -t half < <(seq 1 2 "$N")	# odd pods
fails=0
for i in "${half[@]}"; do pod_del "$i" || fails=$((fails + 1)); done
e2e_assert_eq "DEL of ${#half[@]} pods" 0 "$fails"
kill -KILL "$(e2e_dpid d)"
e2e_wait_exit d 10000
e2e_start d "$cfg"
e2e_wait_running d 60 || e2e_finish
e2e_assert_eq "after kill -9 + restart: $((N - ${#half[@]})) pod ports" "$((N - ${#half[@]}))" "$(pod_ports)"
fails=0
for i in "${half[@]}"; do pod_del "$i" >/dev/null || fails=$((fails + 1)); done
e2e_assert_eq "second DEL of the same pods succeeds" 0 "$fails"
cni DEL "$(pod_id never)" ""
e2e_assert_eq "DEL of a pod never added (no netns) succeeds" 0 "$RC"
# new pods in the freed room, then kill -9 right after an ADD
fails=0
for i in $(seq $((N + 1)) $((N + 4))); do pod_add "$i" || fails=$((fails + 1)); done
e2e_assert_eq "4 pods added after the restarts" 0 "$fails"
kill -KILL "$(e2e_dpid d)"
e2e_wait_exit d 10000
e2e_start d "$cfg"
e2e_wait_running d 60 || e2e_finish
mapfile -t rest < <(seq 2 2 "$N"; seq $((N + 1)) $((N + 4)))
e2e_assert_eq "an ADD acknowledged just before kill -9 is kept" "${#rest[@]}" "$(pod_ports)"
e2e_assert_eq "old and new pods ping each other" 0 "$(ping_ring "${rest[@]}")"

# --- DEL of all: nothing left ---------------------------------------------
fails=0
for i in "${rest[@]}"; do pod_del "$i" || fails=$((fails + 1)); done
e2e_assert_eq "DEL of the remaining ${#rest[@]} pods" 0 "$fails"
e2e_assert_eq "podswitch has no pod port left" 0 "$(pod_ports)"
e2e_assert_eq "host-local's store holds no address" 0 "$(ipam_used)"
e2e_assert_eq "no veth of ours left" 0 "$(our_veths)"
kill -TERM "$(e2e_dpid d)"
e2e_wait_exit d 20000
e2e_start d "$cfg"
e2e_wait_running d 60 || e2e_finish
e2e_assert_eq "and after one more restart, still no pod port" 0 "$(pod_ports)"

stats() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {printf "median %d ms, worst %d ms (%d calls)", v[int((NR+1)/2)], v[NR], NR}'; }
e2e_log "ADD latency: $(stats "${ADD_MS[@]}")"
e2e_log "DEL latency: $(stats "${DEL_MS[@]}")"
e2e_finish
