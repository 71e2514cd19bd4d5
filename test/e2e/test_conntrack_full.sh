#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_conntrack_full.sh: a full conntrack table under traffic refuses new
# connections, counts them, and keeps the established ones working.
#
#   p1 10.244.0.2 (clients) -- podswitch (tables.conntrack 64) -- b1 10.244.0.3
#
# b1 echoes lines on TCP 9000 (service echo 10.96.0.10:9000), answers HTTP
# on 8080 (web 10.96.0.11:80) and UDP on 5353 with its name (dns
# 10.96.0.12:53). Three long-lived TCP connections to the echo service
# exchange a line every 0.1 s for the whole test. Then 200 UDP flows to
# dns fill the table: exactly the remaining 61 are answered, the others
# are refused (service_lb.drop.ct_full, /v1/conntrack "full", Prometheus);
# a new TCP connection to web gets nowhere; more new flows keep coming
# 0.3 s apart (still refused, counted). The three established connections
# miss no echo. Once the UDP entries time out (15 s here), new connections
# work again.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init conntrack-full
PY=python3
CT_SIZE=64
UDP_TIMEOUT=15

# HOLD HOST PORT SECONDS STATUS_FILE: one TCP connection, a line every
# 0.1 s, each echo awaited (2 s at most); the status file says how many
# lines went and came back so far ("sent N echoed M"), and "done" at the
# end. Exits 1 at the first missing echo.
HOLD='
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.settimeout(2)
f = s.makefile("rwb")
end = time.time() + float(sys.argv[3])
sent = echoed = 0
def status(extra=""):
    with open(sys.argv[4], "w") as o:
        o.write("sent %d echoed %d%s\n" % (sent, echoed, extra))
while time.time() < end:
    msg = b"line %d\n" % sent
    f.write(msg)
    f.flush()
    sent += 1
    try:
        got = f.readline()
    except Exception as ex:
        status(" error " + type(ex).__name__)
        sys.exit(1)
    if got != msg:
        status(" wrong %r" % got)
        sys.exit(1)
    echoed += 1
    status()
    time.sleep(0.1)
status(" done")
'
# FLOOD HOST PORT N WAIT_S SRC_PORT [ROUNDS GAP_S]: N new UDP flows at
# once (N sockets from SRC_PORT on, one datagram each), then how many were
# answered within WAIT_S; ROUNDS times (default 1), GAP_S apart; a line
# per round. Source ports are explicit: a port that the kernel reused
# from an earlier flow would be that flow, found in conntrack.
FLOOD='
import select, socket, sys, time
n = int(sys.argv[3])
rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 1
for k in range(rounds):
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(sys.argv[5]) + k * n + i))
        s.setblocking(False)
        s.sendto(b"q", (sys.argv[1], int(sys.argv[2])))
        socks.append(s)
    got = set()
    end = time.time() + float(sys.argv[4])
    while time.time() < end and len(got) < len(socks):
        r, _, _ = select.select([s for s in socks if s not in got], [], [], 0.1)
        for s in r:
            s.recv(64)
            got.add(s)
    print(len(got), flush=True)
    for s in socks:
        s.close()
    if k + 1 < rounds:
        time.sleep(float(sys.argv[7]))
'
GET='
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
    s.settimeout(float(sys.argv[3]))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    print(data.partition(b"\r\n\r\n")[2].decode().strip())
except Exception as e:
    print("ERR " + type(e).__name__)
'

e2e_pods p1:2 b1:3 || { e2e_fail "pods"; e2e_finish; }
e2e_bg ip netns exec "$(e2e_pod_ns b1)" $PY "$E2E_ECHO" b1 --echo 9000

name="pse2e-ctf-$E2E_ID"
ports="[ $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)"),
    $(e2e_port_json b1 pod af_packet "$(e2e_pod_if b1)" 10.244.0.3 "$(e2e_pod_mac b1)") ]"
cfg="$E2E_TMP/$name.json"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports" \
	"\"tables\": { \"conntrack\": $CT_SIZE },
  \"conntrack\": { \"timeouts\": { \"udp_single\": $UDP_TIMEOUT, \"udp_stream\": $UDP_TIMEOUT } }"
sock="$E2E_TMP/$name.sock"
api() { curl -s -m 5 --unix-socket "$sock" "$@"; }
# ct_full: the service_lb.drop.ct_full packets of /v1/stats.
ct_full_drops() {
	api http://localhost/v1/stats | $PY -c '
import json, sys
d = json.load(sys.stdin)["drops"]
print(sum(x["packets"] for x in d if x["node"] == "service_lb" and x["reason"] == "ct_full"))'
}
ct_field() { api http://localhost/v1/conntrack?limit=1 | $PY -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

cat >"$E2E_TMP/services.json" <<EOF
{ "kind": "List", "apiVersion": "v1", "items": [
$(for s in echo:10.96.0.10:9000:9000:TCP web:10.96.0.11:80:8080:TCP dns:10.96.0.12:53:5353:UDP; do
	IFS=: read -r n vip port tport proto <<<"$s"
	echo "{ \"kind\": \"Service\", \"apiVersion\": \"v1\",
	  \"metadata\": { \"name\": \"$n\", \"namespace\": \"default\" },
	  \"spec\": { \"type\": \"ClusterIP\", \"clusterIP\": \"$vip\",
	    \"ports\": [ { \"name\": \"p\", \"protocol\": \"$proto\", \"port\": $port, \"targetPort\": \"p\" } ] } },
	{ \"kind\": \"EndpointSlice\", \"apiVersion\": \"discovery.k8s.io/v1\",
	  \"addressType\": \"IPv4\", \"metadata\": { \"name\": \"$n-x\", \"namespace\": \"default\",
	    \"labels\": { \"kubernetes.io/service-name\": \"$n\" } },
	  \"ports\": [ { \"name\": \"p\", \"protocol\": \"$proto\", \"port\": $tport } ],
	  \"endpoints\": [ { \"addresses\": [ \"10.244.0.3\" ], \"conditions\": { \"ready\": true } } ] },"
done | sed '$ s/,$//')
] }
EOF

e2e_start d "$cfg"
if ! e2e_wait_running d 20; then
	e2e_stop d
	e2e_finish
fi
e2e_check "podswitchctl apply -f services.json" \
	"$CTL" --socket "$sock" apply -f "$E2E_TMP/services.json"
for _i in $(seq 1 50); do
	[ "$(e2e_in p1 $PY -c "$GET" 10.244.0.3 8080 1)" = "b1 10.244.0.2" ] && break
	sleep 0.2
done
out=$(e2e_in p1 $PY -c "$GET" 10.96.0.11 80 2)
e2e_assert_eq "web answers through its ClusterIP" "b1 10.244.0.2" "$out"
api -X DELETE http://localhost/v1/conntrack >/dev/null
e2e_assert_eq "conntrack: table of $CT_SIZE, empty after a flush" "$CT_SIZE 0" \
	"$(ct_field size) $(ct_field count)"

# Three established connections, for the whole test.
HOLD_S=60
declare -a HOLD_PID=()
for i in 1 2 3; do
	e2e_bg ip netns exec "$(e2e_pod_ns p1)" $PY -c "$HOLD" 10.96.0.10 9000 $HOLD_S "$E2E_TMP/hold$i"
	HOLD_PID[i]=$E2E_LAST_BG
done
# (python starts slowly on a busy machine)
for _i in $(seq 1 100); do
	[ "$(cat "$E2E_TMP/hold1" "$E2E_TMP/hold2" "$E2E_TMP/hold3" 2>/dev/null |
		grep -c '^sent [1-9][0-9]* echoed [1-9]')" = 3 ] && break
	sleep 0.2
done
e2e_assert_eq "3 established connections, nothing else tracked" 3 "$(ct_field count)"
full0=$(ct_field full)
drops0=$(ct_full_drops)

# Fill: 200 new UDP flows at once.
ans=$(e2e_in p1 $PY -c "$FLOOD" 10.96.0.12 53 200 1 30000)
e2e_assert_eq "200 new UDP flows: the $((CT_SIZE - 3)) that fit are answered" \
	$((CT_SIZE - 3)) "$ans"
e2e_assert_eq "conntrack count is the table size" $CT_SIZE "$(ct_field count)"

# Under traffic: 6 rounds of 20 new flows 0.3 s apart, and meanwhile a
# new TCP connection (its SYN and one retransmission refused).
t_fill=$(date +%s)
e2e_bg ip netns exec "$(e2e_pod_ns p1)" $PY -c "$FLOOD" 10.96.0.12 53 20 0.3 31000 6 0.3 \
	>"$E2E_TMP/flood.txt"
flood_pid=$E2E_LAST_BG
out=$(e2e_in p1 $PY -c "$GET" 10.96.0.11 80 2.5)
e2e_assert_eq "a new TCP connection while full gets nowhere" "ERR" "${out%% *}"
wait "$flood_pid"
e2e_assert_eq "6 more rounds of 20 new UDP flows: none answered" \
	"0 0 0 0 0 0" "$(tr '\n' ' ' <"$E2E_TMP/flood.txt" | sed 's/ $//')"
full1=$(ct_field full)
drops1=$(ct_full_drops)
e2e_log "refused while full: /v1/conntrack full $full0 -> $full1, service_lb.drop.ct_full $drops0 -> $drops1"
# 139 + 120 datagrams, plus the SYN and its retransmission
e2e_assert_ge "/v1/conntrack full counts the refused flows" $((full0 + 260)) "$full1"
e2e_assert_ge "drops service_lb ct_full count the refused packets" $((drops0 + 260)) "$drops1"
m=$("$CTL" --socket "$sock" metrics 2>/dev/null |
	sed -n 's/^podswitch_drops_total{graph_node="service_lb",reason="ct_full"} \([0-9]*\)$/\1/p')
e2e_assert_ge "Prometheus podswitch_drops_total{reason=\"ct_full\"}" "$drops1" "${m:-x}"
e2e_assert_eq "still full" $CT_SIZE "$(ct_field count)"

# The established connections did not miss a beat.
for i in 1 2 3; do
	st=$(cat "$E2E_TMP/hold$i" 2>/dev/null)
	if e2e_alive "${HOLD_PID[i]}" && [[ "$st" =~ ^sent\ ([0-9]+)\ echoed\ ([0-9]+)$ ]] &&
	   [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
		e2e_ok "established connection $i kept working while full ($st)"
	else
		e2e_fail "established connection $i: '$st'"
	fi
done

# The UDP entries expire; then new connections work again.
left=$((t_fill + UDP_TIMEOUT + 3 - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
for _i in $(seq 1 20); do
	[ "$(ct_field count)" -le 3 ] && break
	sleep 0.5
done
e2e_assert_eq "after the UDP timeout only the 3 connections are left" 3 "$(ct_field count)"
out=$(e2e_in p1 $PY -c "$GET" 10.96.0.11 80 3)
e2e_assert_eq "a new TCP connection works again" "b1 10.244.0.2" "$out"
ans=$(e2e_in p1 $PY -c "$FLOOD" 10.96.0.12 53 20 1 32000)
e2e_assert_eq "20 new UDP flows answered again" 20 "$ans"

for i in 1 2 3; do
	kill "${HOLD_PID[i]}" 2>/dev/null
	st=$(cat "$E2E_TMP/hold$i" 2>/dev/null)
	n=${st#sent }
	n=${n%% *}
	if [[ "$st" =~ ^sent\ ([0-9]+)\ echoed\ ([0-9]+)$ ]] &&
	   [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "$n" -ge 100 ]; then
		e2e_ok "established connection $i: every line echoed ($st)"
	else
		e2e_fail "established connection $i at the end: '$st'"
	fi
done

e2e_stop d TERM
e2e_assert_eq "daemon exits 0 on SIGTERM" 0 "$(e2e_drc d)"
e2e_finish
