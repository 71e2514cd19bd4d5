#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_signals.sh: signals and the API socket across daemons.
#
#  (a) SIGHUP does not stop the daemon: with --log-file, logrotate's move
#      then SIGHUP makes the daemon write to a new file at the same path,
#      which says it got the signal; the daemon still forwards (pod pings
#      its gateway) and answers on its API socket.
#  (b) a second daemon configured with the same API socket while the first
#      listens on it exits 1, saying which socket is in use; the first one
#      keeps its socket and keeps answering.
#  (c) the socket file a SIGKILLed daemon leaves is replaced at the next
#      start: the new daemon runs and answers on it. When the ASan + UBSan
#      build exists (build-san, as test/run-all.sh makes it), that daemon
#      is the sanitized one: at SIGTERM it must exit 0 with no report
#      (LeakSanitizer included).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init signals

e2e_pod p1 10.244.0.2 || { e2e_fail "cannot create pod p1"; e2e_finish; }
e2e_pod p2 10.244.0.3 || { e2e_fail "cannot create pod p2"; e2e_finish; }

ports="[ $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)") ]"
name="pse2e-sig-$E2E_ID"
cfg="$E2E_TMP/a.json"
sock="$E2E_TMP/$name.sock"
e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports"

# api_ok: GET /v1/status on the socket answers 200.
# shellcheck disable=SC2317 # run through e2e_check
api_ok() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		--unix-socket "$sock" http://podswitch/v1/status)" = 200 ]
}

# wait_file_running FILE PID: the daemon's log (a --log-file) says it runs.
wait_file_running() {
	local f=$1 pid=$2
	for _ in $(seq 1 200); do
		grep -qE '^podswitch: node .* running' "$f" 2>/dev/null && return 0
		e2e_alive "$pid" || return 1
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- (a) SIGHUP
logf="$E2E_TMP/a-file.log"
e2e_start a "$cfg" --log-file "$logf"
pid=$(e2e_dpid a)
if wait_file_running "$logf" "$pid"; then
	e2e_ok "(a) daemon runs with --log-file (pid $pid)"
else
	e2e_fail "(a) daemon with --log-file not running"
	tail -n 20 "$logf" "$(e2e_dlog a)" 2>/dev/null | sed 's/^/       | /'
	e2e_finish
fi
e2e_ping p1 10.244.0.1
mv "$logf" "$logf.1"
kill -HUP "$pid"
for _ in $(seq 1 50); do
	[ -s "$logf" ] && break
	sleep 0.1
done
sleep 0.3
if e2e_alive "$pid"; then
	e2e_ok "(a) daemon alive after SIGHUP"
else
	wait "$pid" 2>/dev/null
	e2e_fail "(a) daemon died on SIGHUP (status $?)"
	e2e_finish
fi
e2e_assert_grep "(a) SIGHUP logged in the reopened log file" \
	"SIGHUP received, log file .* reopened" "$logf"
if grep -q "SIGHUP" "$logf.1"; then
	e2e_fail "(a) the moved log file still got the SIGHUP line"
else
	e2e_ok "(a) the moved log file is left alone"
fi
kill -HUP "$pid"
sleep 0.3
e2e_check "(a) API answers after two SIGHUPs" api_ok
e2e_ping p1 10.244.0.1

# ------------------------------------------------- (b) a live socket is kept
cfg_b="$E2E_TMP/b.json"
name_b="pse2e-sigb-$E2E_ID"
ports_b="[ $(e2e_port_json p2 pod af_packet "$(e2e_pod_if p2)" 10.244.0.3 "$(e2e_pod_mac p2)") ]"
e2e_config "$cfg_b" "$name_b" "$(e2e_eal_nohuge "$name_b")" "$ports_b"
sed -i "s|\"unix_socket\": \"[^\"]*\"|\"unix_socket\": \"$sock\"|" "$cfg_b"
e2e_start b "$cfg_b"
if e2e_wait_exit b 30000; then
	e2e_assert_eq "(b) second daemon on a live socket exits 1" 1 "${E2E_DRC[b]}"
	e2e_assert_grep "(b) it says the socket is in use" \
		"$sock: a server listens there" "$(e2e_dlog b)"
else
	e2e_fail "(b) second daemon on a live socket still running after 30 s"
fi
e2e_check "(b) the first daemon still answers on its socket" api_ok
e2e_check "(b) the first daemon is alive" e2e_alive "$pid"

# ------------------------------------------- (c) a stale socket is replaced
kill -KILL "$pid"
wait "$pid" 2>/dev/null
if [ -S "$sock" ]; then
	e2e_ok "(c) SIGKILL left the socket file behind"
else
	e2e_fail "(c) no socket file after SIGKILL (nothing to test)"
fi
san_bin=${PODSWITCH_SAN:-$(cd "$(dirname "$0")/../.." && pwd)/build-san/app/podswitch}
normal_bin=$PODSWITCH
if [ -x "$san_bin" ]; then
	cp "$san_bin" "$E2E_TMP/bin/podswitch-san" && PODSWITCH="$E2E_TMP/bin/podswitch-san"
	e2e_log "(c) with the ASan + UBSan build $san_bin"
fi
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 e2e_start c "$cfg"
PODSWITCH=$normal_bin
if e2e_wait_running c 60; then
	e2e_check "(c) the new daemon answers on the replaced socket" api_ok
	e2e_assert_grep "(c) it says it replaced a stale socket" \
		"replacing stale socket $sock" "$(e2e_dlog c)"
	kill -TERM "$(e2e_dpid c)"
	if e2e_wait_exit c 20000; then
		e2e_assert_eq "(c) SIGTERM: exit status 0" 0 "${E2E_DRC[c]}"
		if grep -qE 'Sanitizer|runtime error' "$(e2e_dlog c)"; then
			e2e_fail "(c) sanitizer report at exit"
			grep -E -A12 'Sanitizer|runtime error' "$(e2e_dlog c)" | head -n 30 | sed 's/^/       | /'
		fi
	else
		e2e_fail "(c) daemon still running 20 s after SIGTERM"
	fi
	if [ -e "$sock" ]; then
		e2e_fail "(c) socket file left after a clean stop"
	else
		e2e_ok "(c) socket file removed at a clean stop"
	fi
fi

e2e_finish
