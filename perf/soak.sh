#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# soak.sh: podswitch under steady traffic while its tables change under it.
#
#   c1 10.244.0.2, c2 .3 (clients)     \
#   s1 .4, s2 .5, s3 .6 (servers)       > podswitch (af_packet) == uplink == ext 192.168.60.50
#   u1 .9 (unplugged/plugged every 1 s) /
#
# Services: web 10.96.0.10:80/TCP NodePort 30080 and dns 10.96.0.12:53/UDP
# NodePort 30053, both -> s1..s3 (policy Cluster: NodePort traffic is
# SNATed). Steady load, each at -r requests/s: c1 opens a TCP connection
# per request and sends UDP queries to the ClusterIPs, c2 keeps one TCP
# connection and sends requests on it, ext does both to the NodePorts;
# c1 pings s1 (bridged) and c2 pings ext (routed, masqueraded) 5 times a
# second. Meanwhile, over REST, every 10 ms: a route added or deleted, a
# service applied or deleted, endpoints set, the loaded services' endpoints
# changed (a not-ready endpoint flips in and out); every second u1's port
# is deleted or added again.
#
# At the end: the daemon alive, mbufs in use back to the idle baseline,
# RSS growth, conntrack back to its baseline after the (shortened)
# timeouts, REST calls that failed (must be 0), traffic that failed (must
# be 0), drops by reason from GET /v1/stats, the slowest REST call and
# ping. A timeline (every 10 s: RSS, mbufs, conntrack) is kept in the log
# directory.
#
# Names start with "sk" plus a per-run id (namespaces, veths, EAL prefix,
# node name, API socket), so a long soak can run beside the e2e tests
# without holding their lock.
#
# Usage: sudo perf/soak.sh [-d SECONDS] [-r RATE] [-k] [-C] [-P]
#   -d  how long the load and the churn last (1800)
#   -r  requests per second of each client (20)
#   -k  keep the log directory
#   -C  no route/service/endpoint churn, -P no port unplug/plug (to tell
#       their effects apart)
# PODSWITCH=path/to/podswitch to soak another build (e.g. build-asan).

top=$(cd "$(dirname "$0")/.." && pwd)
DURATION=1800
RATE=20
PERIOD_MS=10
NOPLUG=0
usage() { sed -n '/^# Usage/,/^# PODSWITCH/p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "d:r:kCPh" o; do
	case $o in
	d) DURATION=$OPTARG ;;
	r) RATE=$OPTARG ;;
	k) export E2E_KEEP_TMP=1 ;;
	C) PERIOD_MS=0 ;;
	P) NOPLUG=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || [ "$DURATION" -lt 10 ]; then
	echo "soak: -d wants seconds, at least 10" >&2
	exit 2
fi

export E2E_PREFIX=sk
# shellcheck source-path=SCRIPTDIR source=../test/e2e/lib.sh
# shellcheck source-path=SCRIPTDIR source=../test/e2e/lib.sh
. "$top/test/e2e/lib.sh"
e2e_init soak
TRAFFIC="$E2E_DIR/traffic.py"
CHURN="$top/perf/soak_churn.py"
command -v curl >/dev/null || { e2e_fail "no curl"; e2e_finish; }
cp "$TRAFFIC" "$CHURN" "$E2E_TMP/" && TRAFFIC=$E2E_TMP/traffic.py &&
	CHURN=$E2E_TMP/soak_churn.py

EXT="sk$E2E_ID-ext"
UP="sk${E2E_ID}up"
name="sk-$E2E_ID"
SOCK="$E2E_TMP/$name.sock"
# Shortened so that "back to baseline" is seen within a minute or two.
TIMEOUTS='"tcp_syn_sent": 10, "tcp_syn_recv": 10, "tcp_established": 60,
  "tcp_fin_wait": 10, "tcp_close_wait": 10, "tcp_last_ack": 10,
  "tcp_time_wait": 5, "tcp_close": 5, "udp_single": 5, "udp_stream": 10,
  "icmp": 5'
CT_WAIT=90
# A table the load cycles through within the warm-up: entries come from a
# FIFO free ring, and a page counts in RSS once first written, so a
# million-entry table keeps growing RSS for a long time without a leak.
CT_SIZE=16384

e2e_pods c1:2 c2:3 s1:4 s2:5 s3:6 u1:9 || { e2e_fail "pods"; e2e_finish; }
e2e_uplink_peer "$EXT" "$UP" || { e2e_fail "ext namespace"; e2e_finish; }
# Beyond the node's subnet: pods reach it masqueraded, ext has no route back.
ip -n "$EXT" addr add 8.8.8.8/32 dev lo

for s in s1 s2 s3; do
	e2e_bg ip netns exec "$(e2e_pod_ns $s)" python3 "$TRAFFIC" server "$s"
done

ports="[ $(e2e_port_json c1 pod af_packet "$(e2e_pod_if c1)" 10.244.0.2 "$(e2e_pod_mac c1)"),
    $(e2e_port_json c2 pod af_packet "$(e2e_pod_if c2)" 10.244.0.3 "$(e2e_pod_mac c2)"),
    $(e2e_port_json s1 pod af_packet "$(e2e_pod_if s1)" 10.244.0.4 "$(e2e_pod_mac s1)"),
    $(e2e_port_json s2 pod af_packet "$(e2e_pod_if s2)" 10.244.0.5 "$(e2e_pod_mac s2)"),
    $(e2e_port_json s3 pod af_packet "$(e2e_pod_if s3)" 10.244.0.6 "$(e2e_pod_mac s3)"),
    $(e2e_port_json uplink0 uplink af_packet "$UP") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" \
	"\"routes\": [ { \"dst\": \"0.0.0.0/0\", \"gateway\": \"192.168.60.50\" } ],
  \"hotplug\": { \"max_ports\": 2 },
  \"tables\": { \"conntrack\": $CT_SIZE },
  \"conntrack\": { \"timeouts\": { $TIMEOUTS } }"
PLUG="{\"name\": \"u1\", \"role\": \"pod\", \"driver\": \"af_packet\",
  \"args\": {\"iface\": \"$(e2e_pod_if u1)\"},
  \"pod\": {\"ip\": \"10.244.0.9\", \"mac\": \"$(e2e_pod_mac u1)\"}}"
EPS='{"servers": ["10.244.0.4", "10.244.0.5", "10.244.0.6"],
  "spare": "10.244.0.7", "gateway": "192.168.60.50"}'

# api METHOD PATH [BODY]: prints the status code; the body in $E2E_TMP/api.body.
api() {
	local args=(-s -o "$E2E_TMP/api.body" -w '%{http_code}' --max-time 30
		-X "$1" --unix-socket "$SOCK" "http://ps$2")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}"
}
# jget PATH EXPR: a value from a GET, EXPR in Python over "j".
jget() {
	curl -s --max-time 30 --unix-socket "$SOCK" "http://ps$1" |
		python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}
mbufs() { jget /v1/stats 'j["mbufs"]["in_use"]'; }
ct_count() { jget '/v1/conntrack?limit=1' 'j["count"]'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status" 2>/dev/null; }

svc() { # name vip proto port nodeport
	echo "{ \"kind\": \"Service\", \"apiVersion\": \"v1\",
	  \"metadata\": { \"name\": \"$1\", \"namespace\": \"default\" },
	  \"spec\": { \"type\": \"NodePort\", \"clusterIP\": \"$2\",
	    \"externalTrafficPolicy\": \"Cluster\",
	    \"ports\": [ { \"name\": \"p\", \"protocol\": \"$3\", \"port\": $4,
	                   \"nodePort\": $5, \"targetPort\": \"p\" } ] } }"
}
slice() { # service proto port
	echo "{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"$1-x\",
	  \"namespace\": \"default\", \"labels\": { \"kubernetes.io/service-name\": \"$1\" } },
	  \"ports\": [ { \"name\": \"p\", \"protocol\": \"$2\", \"port\": $3 } ],
	  \"endpoints\": [
	    { \"addresses\": [ \"10.244.0.4\" ], \"conditions\": { \"ready\": true } },
	    { \"addresses\": [ \"10.244.0.5\" ], \"conditions\": { \"ready\": true } },
	    { \"addresses\": [ \"10.244.0.6\" ], \"conditions\": { \"ready\": true } } ] }"
}

e2e_start d "$cfg"
e2e_wait_running d 60 || e2e_finish
DPID=$(e2e_dpid d)
e2e_assert_eq "services applied" 200 "$(api POST /v1/apply "{ \"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [
  $(svc web 10.96.0.10 TCP 80 30080), $(slice web TCP 8080),
  $(svc dns 10.96.0.12 UDP 53 30053), $(slice dns UDP 5353) ] }")"
e2e_assert_eq "u1 plugged" 201 "$(api POST /v1/ports "$PLUG")"

# Warm up: servers answer, every path works once (ARP, FDB learnt).
for _ in $(seq 1 50); do
	e2e_in c1 curl -s --max-time 1 http://10.244.0.6:8080/ >/dev/null && break
	sleep 0.2
done
e2e_check "c1 -> ClusterIP web" e2e_in c1 curl -sf --max-time 5 http://10.96.0.10/
e2e_check "ext -> NodePort web" ip netns exec "$EXT" curl -sf --max-time 5 http://192.168.60.10:30080/
e2e_ping c2 8.8.8.8
e2e_ping u1 10.244.0.1

# Idle baseline: nothing in flight, conntrack drained.
for _ in $(seq 1 $CT_WAIT); do
	[ "$(ct_count)" = 0 ] && break
	sleep 1
done
MB0=$(mbufs)
CT0=$(ct_count)
RSS0=$(rss_kb)
POOL=$(jget /v1/stats 'j["mbufs"]["size"]')
e2e_log "idle baseline: mbufs in use $MB0 of $POOL, conntrack $CT0, RSS $RSS0 kB"

# ---------------------------------------------------------------- the soak
e2e_log "load and churn for $DURATION s (each client $RATE/s; REST every 10 ms)"
L=$E2E_TMP
declare -a LOADS=()
load() { # pod|ns-name role ip port out
	local where=$1 ns
	ns=$(e2e_pod_ns "$where" 2>/dev/null)
	[ -n "$ns" ] || ns=$where
	shift
	e2e_bg ip netns exec "$ns" python3 "$TRAFFIC" "$1" "$2" "$3" "$RATE" "$L/$4.json"
	LOADS+=("$E2E_LAST_BG:$4")
}
load c1 tcp 10.96.0.10 80 clusterip-tcp
load c1 udp 10.96.0.12 53 clusterip-udp
load c2 keep 10.96.0.10 80 clusterip-keepalive
load "$EXT" tcp 192.168.60.10 30080 nodeport-tcp
load "$EXT" udp 192.168.60.10 30053 nodeport-udp
e2e_bg e2e_in c1 ping -D -i 0.2 -W 2 -w "$DURATION" 10.244.0.4 >"$L/ping-bridged.txt" 2>&1
PING1=$E2E_LAST_BG
e2e_bg e2e_in c2 ping -D -i 0.2 -W 2 -w "$DURATION" 8.8.8.8 >"$L/ping-routed.txt" 2>&1
PING2=$E2E_LAST_BG
[ "$NOPLUG" = 1 ] && PLUG_ARG= || PLUG_ARG=$PLUG
e2e_bg python3 "$CHURN" "$SOCK" "$L/churn.json" "$PERIOD_MS" "$PLUG_ARG" "$EPS"
CHURN_PID=$E2E_LAST_BG

t0=$(date +%s)
RSS_WARM=
echo "t_s rss_kb mbufs_in_use conntrack" >"$L/timeline.txt"
while [ $(($(date +%s) - t0)) -lt "$DURATION" ]; do
	sleep 10
	e2e_alive "$DPID" || break
	t=$(($(date +%s) - t0))
	echo "$t $(rss_kb) $(mbufs) $(ct_count)" >>"$L/timeline.txt"
	# RSS once warm: the tables and pools have been through a cycle.
	[ -z "$RSS_WARM" ] && [ "$t" -ge $((DURATION < 600 ? DURATION / 5 : 120)) ] &&
		RSS_WARM=$(rss_kb)
done
e2e_log "stopping the churn and the load"
kill -TERM "$CHURN_PID" 2>/dev/null
for l in "${LOADS[@]}"; do
	kill -TERM "${l%%:*}" 2>/dev/null
done
wait "$CHURN_PID" 2>/dev/null
for l in "${LOADS[@]}"; do
	wait "${l%%:*}" 2>/dev/null
done
wait "$PING1" "$PING2" 2>/dev/null

# ---------------------------------------------------------------- verdict
echo "--- soak report ($DURATION s, $(date -u +%H:%M:%S) UTC) ---"
e2e_check "daemon alive after the soak" e2e_alive "$DPID"
e2e_assert_eq "GET /v1/status answers" 200 "$(api GET /v1/status)"

summary=$(python3 - "$L" <<'EOF'
import json, sys, os
d = sys.argv[1]
c = json.load(open(os.path.join(d, "churn.json")))
print("rest_calls=%d rest_failed=%d rest_max_ms=%s plug_cycles=%d" % (
    c["calls"], c["failed"], c["max_ms"], c["plug_cycles"]))
EOF
)
e2e_log "REST: $summary"
rest_calls=0 rest_failed=-1 plug_cycles=0
eval "$summary"
[ "$PERIOD_MS" -gt 0 ] &&
	e2e_assert_ge "REST calls made" $((DURATION * 50)) "$rest_calls"
e2e_assert_eq "REST calls that failed" 0 "$rest_failed"
[ "$NOPLUG" = 0 ] &&
	e2e_assert_ge "port unplug/plug cycles" $((DURATION / 3)) "$plug_cycles"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
for e in c["errors"][:10]: print("       | failed:", e)
for e in c["slow"][:10]: print("       | slow:", e)' "$L/churn.json"

for l in "${LOADS[@]}"; do
	n=${l#*:}
	r=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["ok"], j["fail"], j["max_ms"], j["slow"])
for e in j["errors"][:5]: print("       |", e)' "$L/$n.json" 2>/dev/null)
	read -r ok fail maxms slow <<<"$(head -n1 <<<"$r")"
	if [ "${fail:-x}" = 0 ] && [ "${ok:-0}" -gt 0 ]; then
		e2e_ok "load $n: $ok ok, 0 failed, slowest $maxms ms, $slow over 1 s"
	else
		e2e_fail "load $n: ${ok:-?} ok, ${fail:-?} failed, slowest ${maxms:-?} ms, ${slow:-?} over 1 s"
	fi
	tail -n +2 <<<"$r"
done

for p in bridged routed; do
	f="$L/ping-$p.txt"
	sent=$(grep -oE '^[0-9]+ packets transmitted' "$f" | cut -d' ' -f1)
	recv=$(grep -oE '[0-9]+ received' "$f" | cut -d' ' -f1)
	rtt=$(grep -oE 'rtt min/avg/max/mdev = [0-9./]+' "$f" | cut -d= -f2)
	e2e_log "ping $p: $sent sent, $recv received, rtt min/avg/max/mdev$rtt ms"
	awk '/time=/ { t = $0; sub(/.*time=/, "", t); sub(/ ms.*/, "", t);
		if (t + 0 > 1000) print "       | slow ping:", $0 }' "$f" | head -n 5
	# The unplug/plug churn is on another port: no echo may go missing.
	e2e_assert_eq "ping $p: every echo answered" "$sent" "$recv"
done

# Conntrack drains after its timeouts; mbufs come back to the pool.
for _ in $(seq 1 $CT_WAIT); do
	[ "$(ct_count)" = "$CT0" ] && break
	sleep 1
done
e2e_assert_eq "conntrack back to its baseline within ${CT_WAIT}s" "$CT0" "$(ct_count)"
for _ in $(seq 1 20); do
	[ "$(mbufs)" = "$MB0" ] && break
	sleep 0.5
done
MB1=$(mbufs)
e2e_assert_eq "mbufs in use back to the idle baseline (pool $POOL)" "$MB0" "$MB1"
RSS1=$(rss_kb)
e2e_log "RSS: idle $RSS0 kB, warm ${RSS_WARM:-?} kB, end $RSS1 kB" \
	"(growth $((RSS1 - RSS0)) kB since idle, $((RSS1 - ${RSS_WARM:-$RSS1})) kB since warm)"
e2e_log "timeline (t_s rss_kb mbufs conntrack), first and last rows:"
sed -n '2,4p' "$L/timeline.txt" | sed 's/^/       | /'
tail -n 3 "$L/timeline.txt" | sed 's/^/       | /'
e2e_log "drops by reason (GET /v1/stats):"
jget /v1/stats '"\n".join("       | %-20s %-22s %d" % (d["node"], d["reason"], d["packets"]) for d in j["drops"] if d["packets"]) or "       | (none)"'

e2e_stop d
e2e_assert_eq "clean exit" 0 "$(e2e_drc d)"
e2e_finish
