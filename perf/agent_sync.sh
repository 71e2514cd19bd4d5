#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# podswitch-agent, API server to dataplane (perf/README.md, "agent_sync.sh").
#
# One podswitch node (--no-huge, af_packet pods c1, s1, s2 in namespaces),
# the test API server (test/k8s/apiserver.py, TLS + token) and one agent.
#
#   1. initial sync: the API server holds N ClusterIP Services with one
#      EndpointSlice of E ready endpoints each (default 10,000 x 10); the
#      agent starts; measured: agent start -> every service programmed
#      with its endpoints in the daemon (polling GET /v1/status), and the
#      agent's own log lines (list time, PUT /v1/services time). Then the
#      version is expired (410): what the relist and a full sync with
#      nothing changed cost.
#   2. endpoint change latency: service lat (10.96.0.50:5353/UDP) with one
#      endpoint, s1 or s2; c1 sends a datagram every 0.5 ms from 512
#      sockets in turn (512 flows; the stale UDP entries of a removed
#      endpoint are flushed, as kube-proxy does); each
#      round writes the EndpointSlice with the other endpoint to the API
#      server and measures from just before that write to the first
#      datagram the new endpoint receives (same clock: one host). R rounds
#      (default 100): median, p90 and worst. The N services stay loaded.
#
# usage: perf/agent_sync.sh [-n SERVICES] [-e ENDPOINTS] [-r ROUNDS] [-k]
# Needs root; run under flock /tmp/podswitch-e2e.lock (namespaces).
set -uo pipefail
N=10000 E=10 R=100
while getopts "n:e:r:kh" o; do
	case $o in
	n) N=$OPTARG ;; e) E=$OPTARG ;; r) R=$OPTARG ;;
	k) export E2E_KEEP_TMP=1 ;;
	*) sed -n '4,24p' "$0"; exit 2 ;;
	esac
done
# shellcheck source-path=SCRIPTDIR source=../test/e2e/lib.sh
. "$(dirname "$0")/../test/e2e/lib.sh"
e2e_init agent-perf
AGENT=$E2E_TOP/build/app/podswitch-agent
PY=python3
NAME=agp$E2E_ID
SOCK=$E2E_TMP/$NAME.sock
PORT=$((30000 + (16#$E2E_ID % 4000) * 4))
API=https://127.0.0.1:$PORT

e2e_netns "pse2e$E2E_ID-n" || e2e_finish
NS=pse2e$E2E_ID-n
ip -n "$NS" link add uplink type veth peer name upx
ip -n "$NS" link set uplink up
ip -n "$NS" link set upx up
declare -A IPS=([c1]=10.244.0.2 [s1]=10.244.0.3 [s2]=10.244.0.4)
ports=""
for p in c1 s1 s2; do
	e2e_netns "pse2e$E2E_ID-$p" || e2e_finish
	ip -n "$NS" link add "$p" type veth peer name eth0 netns "pse2e$E2E_ID-$p"
	ip -n "pse2e$E2E_ID-$p" addr add "${IPS[$p]}/24" dev eth0
	ip -n "pse2e$E2E_ID-$p" link set eth0 up
	ip -n "pse2e$E2E_ID-$p" route add default via 10.244.0.1
	ip -n "$NS" link set "$p" arp off up
	E2E_POD_NS[$p]=pse2e$E2E_ID-$p
	ports="$ports, { \"name\": \"$p\", \"role\": \"pod\", \"driver\": \"af_packet\", \"args\": { \"iface\": \"$p\" } }"
done
cat >"$E2E_TMP/node.json" <<EOF
{
  "node": { "name": "$NAME", "ip": "192.168.60.10/24", "mac": "02:00:00:00:00:0a",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1",
            "cluster_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12" },
  "ports": [ { "name": "uplink0", "role": "uplink", "driver": "af_packet", "args": { "iface": "uplink" } }$ports ],
  "workers": { "lcores": "1", "idle_sleep_max_us": 200 },
  "tables": { "services": 16384, "endpoints": 262144, "conntrack": 262144 },
  "api": { "unix_socket": "$SOCK", "max_body_bytes": 268435456 },
  "dpdk": { "eal_args": ["--no-huge", "-m", "2048", "--no-pci", "--file-prefix=$NAME"] }
}
EOF
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" "$PODSWITCH" >"$E2E_TMP/bin/ps-ns"
chmod +x "$E2E_TMP/bin/ps-ns"
PODSWITCH=$E2E_TMP/bin/ps-ns
e2e_start n "$E2E_TMP/node.json"
e2e_wait_running n 60 || e2e_finish

APISERVER_PORT=$PORT bash "$E2E_TOP/test/k8s/certs.sh" "$E2E_TMP/pki" 127.0.0.1 >/dev/null
TOKEN=$(cat "$E2E_TMP/pki/token")
e2e_bg $PY "$E2E_TOP/test/k8s/apiserver.py" --listen "127.0.0.1:$PORT" \
	--cert "$E2E_TMP/pki/server.pem" --key "$E2E_TMP/pki/server-key.pem" --token "$TOKEN" \
	--bookmark-interval 10 2>"$E2E_TMP/apiserver.log"
k() {
	curl -sS -m 120 --cacert "$E2E_TMP/pki/ca.pem" -H "Authorization: Bearer $TOKEN" \
		-X "$1" "$API$2" ${3:+--data-binary "$3"}
}
for _ in $(seq 1 50); do k GET /version >/dev/null 2>&1 && break; sleep 0.1; done
$PY "$E2E_TOP/test/k8s/gen_services.py" "$N" "$E" --node "$NAME" >"$E2E_TMP/bulk.json"
k PUT /_test/objects @"$E2E_TMP/bulk.json" >/dev/null || { e2e_fail "loading the API server"; e2e_finish; }
e2e_log "API server holds $N services x $E endpoints ($(stat -c %s "$E2E_TMP/bulk.json") bytes as a List)"

# ------------------------------------------------------------ initial sync
count() {
	curl -sf -m 30 --unix-socket "$SOCK" http://localhost/v1/status |
		$PY -c 'import json,sys; t = json.load(sys.stdin)["tables"]; print(t["services"]["entries"], t["endpoints"]["entries"])'
}
t0=$(date +%s%N)
"$AGENT" --kubeconfig "$E2E_TMP/pki/kubeconfig-token" --node-name "$NAME" --podswitch-socket "$SOCK" \
	--healthz-bind-address 127.0.0.1:$((PORT + 1)) --metrics-bind-address 127.0.0.1:$((PORT + 2)) \
	--sync-period 30s --batch-window 5ms >"$E2E_TMP/agent.log" 2>&1 &
E2E_BG+=("$!")
AGENT_PID=$!
want_eps=$((N * E))
while :; do
	read -r s e < <(count)
	[ "${s:-0}" -ge "$N" ] && [ "${e:-0}" -ge "$want_eps" ] && break
	[ $((($(date +%s%N) - t0) / 1000000000)) -gt 300 ] && { e2e_fail "not synced after 300 s ($s, $e)"; e2e_finish; }
	sleep 0.05
done
ms=$((($(date +%s%N) - t0) / 1000000))
e2e_ok "initial sync: $N services x $E endpoints, agent start -> all programmed: $ms ms"
grep -E 'services: listed|endpointslices: listed|full sync' "$E2E_TMP/agent.log" | head -3 | sed 's/^/       | /'
e2e_log "expiring the version (410): a relist and a full sync with nothing changed"
k POST /_test/expire >/dev/null
for _ in $(seq 1 600); do
	[ "$(grep -c 'full sync' "$E2E_TMP/agent.log")" -ge 2 ] && break
	sleep 0.1
done
grep -E 'listed|full sync' "$E2E_TMP/agent.log" | tail -n 3 | sed 's/^/       | after 410: /'
echo "       | agent RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$AGENT_PID/status)"

# ------------------------------------------------------------ change latency
RECV='
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
last = 0
while True:
    s.recv(64)
    t = time.time()
    if t - last > 0.02:
        print("%.6f" % t, flush=True)
    last = t
'
SEND='
import socket, time
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(512)]
for s in socks:
    s.bind(("0.0.0.0", 0))
i = 0
while True:
    try:
        socks[i % 512].sendto(b"x", ("10.96.0.50", 5353))
    except OSError:
        pass    # an ICMP error reported on the socket: keep sending
    i += 1
    time.sleep(0.0005)
'
for p in s1 s2; do
	e2e_bg ip netns exec "pse2e$E2E_ID-$p" $PY -u -c "$RECV" >"$E2E_TMP/$p.t"
done
svc_lat='{"kind":"Service","apiVersion":"v1","metadata":{"name":"lat","namespace":"default"},
 "spec":{"type":"ClusterIP","clusterIP":"10.96.0.50","ports":[{"name":"u","protocol":"UDP","port":5353,"targetPort":5353}]}}'
slice_lat() {
	echo "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\",\"addressType\":\"IPv4\",
	 \"metadata\":{\"name\":\"lat-x\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"lat\"}},
	 \"ports\":[{\"name\":\"u\",\"protocol\":\"UDP\",\"port\":5353}],
	 \"endpoints\":[{\"addresses\":[\"$1\"],\"nodeName\":\"$NAME\",\"conditions\":{\"ready\":true}}]}"
}
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[$svc_lat,$(slice_lat 10.244.0.3)]}" >/dev/null
for _ in $(seq 1 100); do
	curl -sf --unix-socket "$SOCK" http://localhost/v1/services/default/lat | grep -q 10.244.0.3 && break
	sleep 0.1
done
e2e_bg ip netns exec "pse2e$E2E_ID-c1" $PY -c "$SEND"
sleep 1
if [ ! -s "$E2E_TMP/s1.t" ]; then
	e2e_fail "no traffic reaches s1"
	curl -s --unix-socket "$SOCK" http://localhost/v1/services/default/lat | head -c 600
	curl -s --unix-socket "$SOCK" http://localhost/v1/stats | $PY -c 'import json,sys; d=json.load(sys.stdin); print([x for x in d["drops"] if x["packets"]])'
	e2e_finish
fi
# The driver: write the slice (HTTPS, as any controller would), then wait
# for the new endpoint's first datagram after the write.
$PY - "$R" "$API" "$TOKEN" "$E2E_TMP" "$(slice_lat 10.244.0.4)" "$(slice_lat 10.244.0.3)" <<'EOF' >"$E2E_TMP/latency.txt"
import http.client, json, os, ssl, statistics, sys, time
rounds, api, token, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
bodies = {"s2": sys.argv[5], "s1": sys.argv[6]}
ctx = ssl.create_default_context(cafile=tmp + "/pki/ca.pem")
host, port = api[len("https://"):].split(":")
conn = http.client.HTTPSConnection(host, int(port), context=ctx)
def first_after(name, t0, deadline):
    while time.time() < deadline:
        with open(tmp + "/" + name + ".t") as f:
            for line in f:
                t = float(line)
                if t > t0:
                    return t
        time.sleep(0.0005)
    return None
lat = []
target = "s2"
for i in range(rounds):
    body = bodies[target]
    t0 = time.time()
    conn.request("PUT", "/_test/objects", body, {"Authorization": "Bearer " + token,
                 "Content-Type": "application/json"})
    conn.getresponse().read()
    t = first_after(target, t0, t0 + 10)
    if t is None:
        print("round %d: no packet at %s within 10 s" % (i, target))
        sys.exit(1)
    lat.append((t - t0) * 1000)
    target = "s1" if target == "s2" else "s2"
    time.sleep(0.1)
lat.sort()
print("rounds %d median %.2f ms p90 %.2f ms worst %.2f ms best %.2f ms" % (
    len(lat), statistics.median(lat), lat[int(len(lat) * 0.9) - 1], lat[-1], lat[0]))
EOF
rc=$?
if [ $rc -eq 0 ]; then
	e2e_ok "EndpointSlice change -> first packet at the new endpoint: $(cat "$E2E_TMP/latency.txt")"
else
	e2e_fail "latency rounds: $(cat "$E2E_TMP/latency.txt")"
fi
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
e2e_stop n
e2e_finish
