#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_restart.sh: connections and programmed state across restarts of
# podswitch with a state directory (--state-dir):
#   - 20 long-lived TCP streams from a pod through a maglev ClusterIP keep
#     flowing across kill -9 and a restart: the services come back from the
#     state directory, the lost connections are picked up mid-stream and
#     sent to the endpoint they had (maglev is a function of the flow);
#   - 20 streams through an rr ClusterIP and 20 from an outside client
#     through a NodePort (SNAT to the node IP) keep flowing across kill
#     -TERM and the start of another binary (an upgrade): conntrack (NAT
#     bindings, SNAT ports) is saved at the stop and restored before
#     forwarding;
#   - ClientIP affinity: new connections after kill -TERM and a restart go
#     to the endpoint the client had before;
#   - a damaged and a foreign file in the state directory: podswitch starts
#     with what it can trust, logs what it refused and sets it aside.
# A stream survives when it ended cleanly and the endpoint got every byte
# sent; the longest gap between two arrivals is printed per stream set.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

STREAMS=${RESTART_STREAMS:-20}
SECS=${RESTART_SECS:-14}
PY=$E2E_DIR/tcp_streams.py

e2e_init restart
command -v python3 >/dev/null || { e2e_fail "no python3"; e2e_finish; }

name="cnr$E2E_ID"
SOCK="$E2E_TMP/$name.sock"
STATE="$E2E_TMP/state"

e2e_pods a1:2 a2:3 a3:4 c1:10 || { e2e_fail "cannot create the pods"; e2e_finish; }
out_ns="cn${E2E_ID}out"
{ e2e_netns "$out_ns" && e2e_veth "cn${E2E_ID}up" "$out_ns" eth0 02:00:00:00:00:0b; } ||
	{ e2e_fail "cannot create the outside client"; e2e_finish; }
ip -n "$out_ns" addr add 192.168.60.20/24 dev eth0

ports="[ $(e2e_port_json up0 uplink af_packet "cn${E2E_ID}up"),
  $(e2e_port_json a1 pod af_packet "$(e2e_pod_if a1)" 10.244.0.2 "$(e2e_pod_mac a1)"),
  $(e2e_port_json a2 pod af_packet "$(e2e_pod_if a2)" 10.244.0.3 "$(e2e_pod_mac a2)"),
  $(e2e_port_json a3 pod af_packet "$(e2e_pod_if a3)" 10.244.0.4 "$(e2e_pod_mac a3)"),
  $(e2e_port_json c1 pod af_packet "$(e2e_pod_if c1)" 10.244.0.10 "$(e2e_pod_mac c1)") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports"
sed -i "s|\"unix_socket\": \"[^\"]*\"|\"unix_socket\": \"$SOCK\"|" "$cfg"
e2e_start d "$cfg" --state-dir "$STATE"
e2e_wait_running d 30 || e2e_finish

api() { e2e_api "$SOCK" "$@"; }

svc() {	# NAME TYPE CLUSTERIP SCHED [NODEPORT] [AFFINITY]
	local np=""
	[ -n "${5:-}" ] && np=", \"nodePort\": $5"
	cat <<EOS
{"apiVersion": "v1", "kind": "Service",
 "metadata": {"namespace": "default", "name": "$1", "annotations": {"podswitch.io/scheduler": "$4"}},
 "spec": {"type": "$2", "clusterIP": "$3", "externalTrafficPolicy": "Cluster",
   "sessionAffinity": "${6:-None}",
   "ports": [{"name": "s", "protocol": "TCP", "port": 80, "targetPort": 5001$np}]}},
{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
 "metadata": {"namespace": "default", "name": "$1-1", "labels": {"kubernetes.io/service-name": "$1"}},
 "addressType": "IPv4", "ports": [{"name": "s", "protocol": "TCP", "port": 5001}],
 "endpoints": [{"addresses": ["10.244.0.2"], "conditions": {"ready": true}},
               {"addresses": ["10.244.0.3"], "conditions": {"ready": true}},
               {"addresses": ["10.244.0.4"], "conditions": {"ready": true}}]}
EOS
}
api POST /v1/apply "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [
$(svc mg ClusterIP 10.96.0.10 maglev), $(svc rr ClusterIP 10.96.0.11 rr),
$(svc np NodePort 10.96.0.12 rr 30080), $(svc af ClusterIP 10.96.0.13 rr "" ClientIP)]}"
e2e_assert_eq "four services applied (maglev, rr, NodePort, rr with ClientIP affinity)" 200 "$CODE"
api POST /v1/routes '{"dst": "10.99.0.0/16", "gateway": "192.168.60.20"}'
e2e_assert_eq "an API route added" 201 "$CODE"

kill -HUP "$(e2e_dpid d)"
sleep 0.5
e2e_check "SIGHUP does not stop the daemon" e2e_alive "$(e2e_dpid d)"

for p in a1 a2 a3; do
	e2e_bg ip netns exec "$(e2e_pod_ns $p)" python3 "$PY" server 5001 "$E2E_TMP/srv.$p.json"
done
sleep 1

# restart_during SIGNAL: the daemon killed with SIGNAL 3 s into the
# streams, and started again with the same state directory
restart_during() {
	sleep 3
	local t0
	t0=$(date +%s%N)
	kill "-$1" "$(e2e_dpid d)"
	e2e_wait_exit d 20000 || e2e_fail "podswitch did not exit on SIG$1"
	cp "$(e2e_dlog d)" "$E2E_TMP/d.before-$1.log"
	e2e_start d "$cfg" --state-dir "$STATE"
	e2e_wait_running d 60 || return 1
	RESTART_MS=$((($(date +%s%N) - t0) / 1000000))
}

# survivors SET CLIENT_OUT SERVER_SRC: streams that ended cleanly with
# every byte at an endpoint; prints "<survivors> <longest gap ms> <gaps>"
survivors() {
	python3 - "$2" "$3" "$E2E_TMP"/srv.a?.json <<'PY'
import json, sys
cl = json.load(open(sys.argv[1]))
src = sys.argv[2]
srv = {}
for f in sys.argv[3:]:
    srv.update(json.load(open(f)))
mine = {k: v for k, v in srv.items() if k.startswith(src + ":")}
ok, gaps = 0, []
pool = [v for v in mine.values() if v["end"] == "eof"]
for c in cl:
    if not c["ok"]:
        continue
    # without SNAT the endpoint sees the client's own port
    m = mine.get(c["local"]) if src != "192.168.60.10" else None
    if m is None:
        m = next((v for v in pool if v["bytes"] == c["sent"]), None)
    if m is not None and m["end"] == "eof" and m["bytes"] == c["sent"]:
        ok += 1
        gaps.append(m["max_gap_ms"])
        if m in pool:
            pool.remove(m)
print(ok, max(gaps) if gaps else -1, " ".join(str(g) for g in sorted(gaps)))
PY
}

# --- maglev across kill -9 ---------------------------------------------------
e2e_bg e2e_in c1 python3 "$PY" client 10.96.0.10 80 "$STREAMS" "$SECS" "$E2E_TMP/cl.mg.json"
mgpid=$E2E_LAST_BG
restart_during KILL
e2e_log "kill -9 to forwarding again: ${RESTART_MS} ms"
wait "$mgpid"
sleep 1
read -r n _ gaps <<<"$(survivors mg "$E2E_TMP/cl.mg.json" 10.244.0.10)"
e2e_log "maglev ClusterIP across kill -9: $n of $STREAMS survive, gaps (ms): $gaps"
e2e_assert_eq "maglev ClusterIP: every stream survives kill -9" "$STREAMS" "$n"
e2e_assert_grep "services restored from the state directory" "restored from .*: 0 ports, 1 routes, 4 services" "$(e2e_dlog d)"
api GET /v1/routes
e2e_check "the API route is back" grep -q '"10.99.0.0/16"' <<<"$BODY"

# endpoint_of CLIENT_OUT: the endpoint (a1..a3) the client's first stream
# reached, by its address as the endpoint saw it
endpoint_of() {
	python3 - "$1" "$E2E_TMP"/srv.a?.json <<'PY'
import json, os, sys
local = json.load(open(sys.argv[1]))[0]["local"]
for f in sys.argv[2:]:
    if local in json.load(open(f)):
        print(os.path.basename(f).split(".")[1])
PY
}
# one short connection from c1 to the affinity service: its endpoint
affinity_pick() {
	e2e_in c1 python3 "$PY" client 10.96.0.13 80 1 0.2 "$E2E_TMP/cl.af.json" &&
		sleep 1 && endpoint_of "$E2E_TMP/cl.af.json"
}

# --- rr ClusterIP and NodePort (SNAT) across kill -TERM -----------------------
AF_BEFORE=$(affinity_pick)
# an upgrade: what starts after the stop is another binary file
cp "$PODSWITCH" "$E2E_TMP/bin/podswitch-new" && PODSWITCH=$E2E_TMP/bin/podswitch-new
e2e_bg e2e_in c1 python3 "$PY" client 10.96.0.11 80 "$STREAMS" "$SECS" "$E2E_TMP/cl.rr.json"
rrpid=$E2E_LAST_BG
e2e_bg ip netns exec "$out_ns" python3 "$PY" client 192.168.60.10 30080 "$STREAMS" "$SECS" "$E2E_TMP/cl.np.json"
nppid=$E2E_LAST_BG
restart_during TERM
e2e_log "kill -TERM to forwarding again: ${RESTART_MS} ms"
e2e_assert_grep "connections and affinity saved at the stop" "[1-9][0-9]* connections and [1-9][0-9]* affinity entries saved to" "$E2E_TMP/d.before-TERM.log"
wait "$rrpid"
wait "$nppid"
sleep 1
read -r n _ gaps <<<"$(survivors rr "$E2E_TMP/cl.rr.json" 10.244.0.10)"
e2e_log "rr ClusterIP across kill -TERM: $n of $STREAMS survive, gaps (ms): $gaps"
e2e_assert_eq "rr ClusterIP: every stream survives kill -TERM" "$STREAMS" "$n"
read -r n _ gaps <<<"$(survivors np "$E2E_TMP/cl.np.json" 192.168.60.10)"
e2e_log "NodePort (SNAT) across kill -TERM: $n of $STREAMS survive, gaps (ms): $gaps"
e2e_assert_eq "NodePort from outside: every stream survives kill -TERM" "$STREAMS" "$n"
e2e_assert_grep "connections restored before forwarding" "[1-9][0-9]* connections restored from" "$(e2e_dlog d)"
af_after=""
for _ in 1 2 3; do af_after="$af_after $(affinity_pick)"; done
e2e_assert_eq "ClientIP affinity kept across kill -TERM (3 new connections)" \
	" $AF_BEFORE $AF_BEFORE $AF_BEFORE" "$af_after"

# --- damaged and foreign files --------------------------------------------------
kill -TERM "$(e2e_dpid d)"
e2e_wait_exit d 20000
# services.state cut short, as a full disk might leave a copy
head -c 200 "$STATE/services.state" >"$STATE/services.tmp" && mv "$STATE/services.tmp" "$STATE/services.state"
echo '{"hello": "not ours"}' >"$STATE/routes.state"
echo "leftover" >"$STATE/.tmp-ports.12345"
echo "notes" >"$STATE/README.txt"
e2e_start d "$cfg" --state-dir "$STATE"
e2e_wait_running d 60 || e2e_finish
log=$(e2e_dlog d)
e2e_assert_grep "the damaged services file is refused with a reason" "services.state refused: .*(cut short|checksum)" "$log"
e2e_assert_grep "the foreign routes file is refused with a reason" "routes.state refused: not a podswitch state file" "$log"
e2e_assert_grep "an unfinished write is removed" "tmp-ports.12345: removed" "$log"
e2e_assert_grep "a foreign file is reported, not used" "README.txt: ignored" "$log"
e2e_check "the refused files are set aside for the operator" test -f "$STATE/services.state.refused" -a -f "$STATE/routes.state.refused"
api GET /v1/services
e2e_assert_eq "no service half-applied from the damaged file" "[]" "$BODY"
api GET /v1/ports
e2e_check "what could be trusted (configured ports) is there" grep -q '"up0"' <<<"$BODY"
e2e_check "it still forwards: c1 pings a1" e2e_in c1 ping -c 2 -W 2 -q 10.244.0.2
e2e_finish
