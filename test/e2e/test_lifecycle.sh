#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_lifecycle.sh: the daemon's life cycle and its node-side answers.
#
#  (e) uplink: a namespace "outside the node" (eth0 = 192.168.60.1/24) on a
#      veth whose root side is the uplink port pings the node IP
#      192.168.60.10 (ARP + ICMP echo answered by podswitch on the uplink).
#  (c) SIGUSR1 prints the counter table while the daemon keeps running and
#      forwarding.
#  (a) SIGTERM while a pod flood-pings another pod: exit status 0 within
#      2 s (date +%s%N, polled every 10 ms), counters printed.
#  (b) hugepages: a daemon WITHOUT --no-huge, EAL args from the file; the
#      daemon adds --huge-unlink itself. It maps hugepage files with its
#      file prefix, none of them is visible in /dev/hugepages while it runs
#      nor after it exits (SIGTERM), nor after a SIGKILL.
#  (d) bad input: unknown driver -> "podswitch --config" exits 1 naming the
#      JSON path on stderr and leaves no process; --check-config exits 0 on
#      a good file and 1 on a bad one listing every problem by JSON path;
#      a missing file exits 1; unknown/incomplete CLI options exit 2.
#
# All ports are af_packet on veths; one worker on CPU 1, the main lcore on
# any CPU (the daemon's own placement: confined to CPU 0, its main thread
# starved behind other people's pollers at shutdown). If the exit in (a) takes over 2 s,
# the daemon's threads (kernel stacks, scheduler statistics, gdb backtraces)
# are dumped at the 2 s mark to tell a slow daemon from a starved one.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init lifecycle

node_mac=02:00:00:00:00:0a

# The counter table SIGUSR1 and the exit print is what (c) and (a) check,
# so they read it; every other test takes its counters from /v1/stats.
# table_count LOG: how many counter tables LOG holds.
table_count() {
	grep -c '^--- podswitch counters ---' "$1" 2>/dev/null || true
}

# table_counter LOG PORT COLUMN: COLUMN (header name: rx-packets,
# tx-packets, ...) of PORT in the last counter table in LOG.
table_counter() {
	awk -v port="$2" -v col="$3" '
		/^--- podswitch counters ---/ { intable = 0; val = ""; next_tbl = 1; next }
		next_tbl && /^port[ \t]/ {
			for (i = 1; i <= NF; i++) idx[$i] = i
			intable = 1; next_tbl = 0; next
		}
		intable && NF == 0 { intable = 0; next }
		intable && $1 == port && (col in idx) { val = $(idx[col]) }
		END { if (val != "") print val }
	' "$1"
}

# --------------------------------------------------------------- topology

e2e_pod p1 10.244.0.2 || { e2e_fail "cannot create pod p1"; e2e_finish; }
e2e_pod p2 10.244.0.3 || { e2e_fail "cannot create pod p2"; e2e_finish; }

ext_ns="pse2e$E2E_ID-ext"
up_if="pse2e${E2E_ID}up"
if ! e2e_netns "$ext_ns" || ! e2e_veth "$up_if" "$ext_ns" eth0 02:00:c0:a8:3c:01 ||
   ! ip -n "$ext_ns" addr add 192.168.60.1/24 dev eth0; then
	e2e_fail "cannot create the uplink namespace"
	e2e_finish
fi

ports="[ $(e2e_port_json uplink0 uplink af_packet "$up_if"),
    $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)"),
    $(e2e_port_json p2 pod af_packet "$(e2e_pod_if p2)" 10.244.0.3 "$(e2e_pod_mac p2)") ]"

main_name="pse2e-lc-$E2E_ID"
main_cfg="$E2E_TMP/main.json"
e2e_config "$main_cfg" "$main_name" "$(e2e_eal_nohuge "$main_name")" "$ports"

e2e_log "=== main daemon (no hugepages): uplink, SIGUSR1, SIGTERM under traffic ==="
e2e_start main "$main_cfg"
main_log=$(e2e_dlog main)
if e2e_wait_running main 20; then
	main_pid=$(e2e_dpid main)

	# ------------------------------------------------------- (e) uplink
	ip netns exec "$ext_ns" ping -c 1 -W 2 192.168.60.10 >/dev/null 2>&1
	out=$(ip netns exec "$ext_ns" ping -c 3 -W 1 192.168.60.10 2>&1)
	if printf '%s\n' "$out" | grep -q ' 0% packet loss'; then
		e2e_ok "(e) outside namespace pings node IP 192.168.60.10 on the uplink: 0% loss"
	else
		e2e_fail "(e) outside namespace pings node IP 192.168.60.10: $(printf '%s\n' "$out" | grep 'packet loss' || echo 'no output')"
	fi
	neigh=$(ip -n "$ext_ns" neigh show 192.168.60.10 dev eth0)
	if printf '%s\n' "$neigh" | grep -qi "lladdr $node_mac"; then
		e2e_ok "(e) ARP on the uplink resolved 192.168.60.10 to the node MAC $node_mac"
	else
		e2e_fail "(e) ARP for 192.168.60.10 on the uplink: '$neigh' (want lladdr $node_mac)"
	fi

	# ------------------------------------------------------ (c) SIGUSR1
	e2e_ping p1 10.244.0.3
	before=$(table_count "$main_log")
	kill -USR1 "$main_pid"
	n=$before
	for _ in $(seq 1 30); do
		n=$(table_count "$main_log")
		[ "$n" -gt "$before" ] && break
		sleep 0.1
	done
	e2e_assert_eq "(c) SIGUSR1 prints one counter table" $((before + 1)) "$n"
	sleep 0.3
	if e2e_alive "$main_pid"; then
		e2e_ok "(c) daemon still running after SIGUSR1"
	else
		e2e_fail "(c) daemon died after SIGUSR1"
	fi
	e2e_assert_ge "(c) SIGUSR1 table shows uplink0 rx-packets" 4 \
		"$(table_counter "$main_log" uplink0 rx-packets)"
	e2e_assert_ge "(c) SIGUSR1 table shows uplink0 tx-packets" 4 \
		"$(table_counter "$main_log" uplink0 tx-packets)"
	e2e_assert_ge "(c) SIGUSR1 table shows p1 rx-packets" 4 \
		"$(table_counter "$main_log" p1 rx-packets)"
	if grep -q '^podswitch: stopping' "$main_log"; then
		e2e_fail "(c) SIGUSR1 made the daemon log 'stopping'"
	else
		e2e_ok "(c) SIGUSR1 did not stop the daemon"
	fi
	e2e_ping p2 10.244.0.2

	# -------------------------------------- (a) SIGTERM under flood ping
	flood_out="$E2E_TMP/flood.out"
	e2e_bg ip netns exec "$(e2e_pod_ns p1)" ping -f -W 1 10.244.0.3 >"$flood_out" 2>&1
	flood_pid=$E2E_LAST_BG
	e2e_bg ip netns exec "$(e2e_pod_ns p2)" ping -i 0.001 -W 1 10.244.0.1 >/dev/null 2>&1
	flood2_pid=$E2E_LAST_BG
	sleep 1.5
	if e2e_alive "$flood_pid" && e2e_alive "$flood2_pid"; then
		e2e_ok "(a) flood ping p1 -> p2 and 1 ms ping p2 -> gateway running"
	else
		e2e_fail "(a) flood pings did not start: $(head -c 300 "$flood_out")"
	fi
	e2e_stop main TERM 30000 2000
	rc=$(e2e_drc main)
	kill -INT "$flood_pid" "$flood2_pid" 2>/dev/null
	e2e_assert_eq "(a) SIGTERM under traffic: exit status 0" 0 "$rc"
	e2e_assert_lt "(a) SIGTERM under traffic: exited within 2000 ms" 2000 "${E2E_STOP_MS:-99999}"
	e2e_assert_eq "(a) counters printed at SIGTERM (2 tables: SIGUSR1 + exit)" 2 \
		"$(table_count "$main_log")"
	e2e_assert_grep "(a) clean stop logged" '^podswitch: stopped' "$main_log"
	e2e_assert_ge "(a) p1 rx-packets under flood" 1000 \
		"$(table_counter "$main_log" p1 rx-packets)"
	e2e_assert_ge "(a) p2 rx-packets under flood" 1000 \
		"$(table_counter "$main_log" p2 rx-packets)"
	if pgrep -f -- "--config $main_cfg" >/dev/null; then
		e2e_fail "(a) a podswitch process with $main_cfg is still running"
	else
		e2e_ok "(a) no podswitch process left for this config"
	fi
	wait "$flood_pid" "$flood2_pid" 2>/dev/null
else
	e2e_stop main
fi

# ------------------------------------------------------------ (b) hugepages

huge_files() { # PREFIX: hugepage files of that prefix in /dev/hugepages
	find /dev/hugepages -maxdepth 1 -name "$1*" 2>/dev/null
}

e2e_log "=== (b) hugepages: no --no-huge, --huge-unlink added by the daemon ==="
free_pages=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if ! mountpoint -q /dev/hugepages || [ "${free_pages:-0}" -lt 64 ]; then
	e2e_fail "(b) needs hugetlbfs on /dev/hugepages and >= 64 free 2 MiB pages (free: ${free_pages:-?}); run test/e2e/run.sh or test/setup-deps.sh"
else
	for kind in term kill; do
		name="pse2e-hg$kind-$E2E_ID"
		cfg="$E2E_TMP/huge-$kind.json"
		ports="[ $(e2e_port_json p1 pod af_packet "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)") ]"
		e2e_config "$cfg" "$name" "$(e2e_eal_huge "$name")" "$ports"
		e2e_start "huge$kind" "$cfg"
		log=$(e2e_dlog "huge$kind")
		if ! e2e_wait_running "huge$kind" 30; then
			e2e_stop "huge$kind"
			continue
		fi
		pid=$(e2e_dpid "huge$kind")
		e2e_assert_grep "(b/$kind) EAL args from the file got --huge-unlink and no --no-huge" \
			'^podswitch: EAL( [^ ]+)* --huge-unlink' "$log"
		if grep -q -- '--no-huge' "$log"; then
			e2e_fail "(b/$kind) the daemon ran with --no-huge"
		fi
		mapped=$(grep -c "/dev/hugepages/$name" "/proc/$pid/maps" 2>/dev/null)
		e2e_assert_ge "(b/$kind) daemon maps hugepage files of prefix $name" 1 "${mapped:-0}"
		deleted=$(grep "/dev/hugepages/$name" "/proc/$pid/maps" 2>/dev/null | grep -vc '(deleted)')
		e2e_assert_eq "(b/$kind) every mapped hugepage file is already unlinked" 0 "${deleted:-x}"
		e2e_assert_eq "(b/$kind) no $name* file in /dev/hugepages while running" "" \
			"$(huge_files "$name" | head -n 3 | tr '\n' ' ')"
		[ "$kind" = term ] && e2e_ping p1 10.244.0.1
		if [ "$kind" = term ]; then
			e2e_stop hugeterm TERM
			e2e_assert_eq "(b/term) SIGTERM: exit status 0" 0 "$(e2e_drc hugeterm)"
			e2e_assert_grep "(b/term) counters printed" '^--- podswitch counters ---' "$log"
		else
			e2e_stop hugekill KILL
			e2e_assert_eq "(b/kill) SIGKILL: process gone" 137 "$(e2e_drc hugekill)"
		fi
		e2e_assert_eq "(b/$kind) no $name* file left in /dev/hugepages after exit" "" \
			"$(huge_files "$name" | head -n 3 | tr '\n' ' ')"
	done
fi

# ------------------------------------------------------------ (d) bad input

e2e_log "=== (d) configuration and command-line errors ==="
bad_cfg="$E2E_TMP/bad-driver.json"
e2e_config "$bad_cfg" "pse2e-bad-$E2E_ID" "$(e2e_eal_nohuge "pse2e-bad-$E2E_ID")" \
	"[ $(e2e_port_json p1 pod nosuchdriver "$(e2e_pod_if p1)") ]"
timeout 20 "$PODSWITCH" --config "$bad_cfg" >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err"
e2e_assert_eq "(d) --config with an unknown driver exits 1" 1 "$?"
e2e_assert_grep "(d) stderr names \$.ports[0].driver" '^\$\.ports\[0\]\.driver: .*nosuchdriver' "$E2E_TMP/bad.err"
if grep -q 'running' "$E2E_TMP/bad.out"; then
	e2e_fail "(d) bad config: the daemon said it was running"
else
	e2e_ok "(d) bad config: the daemon never reported running"
fi
if pgrep -f -- "--config $bad_cfg" >/dev/null || [ -e "/var/run/dpdk/pse2e-bad-$E2E_ID" ]; then
	e2e_fail "(d) bad config: a process or an EAL runtime dir is left"
else
	e2e_ok "(d) bad config: no process and no EAL runtime dir left"
fi

e2e_check "(d) --check-config on the good main config exits 0" \
	"$PODSWITCH" --check-config "$main_cfg"

multi_cfg="$E2E_TMP/bad-multi.json"
cat >"$multi_cfg" <<EOF
{
  "node": { "name": "pse2e-multi", "ip": "192.168.60.300/24", "mac": "$node_mac",
            "pod_cidr": "10.244.0.0/24", "gateway_ip": "10.244.0.1" },
  "ports": [ { "name": "p1", "role": "pod", "driver": "nosuchdriver", "args": { "iface": "x" } } ],
  "bogus": 1
}
EOF
"$PODSWITCH" --check-config "$multi_cfg" >"$E2E_TMP/check.out" 2>"$E2E_TMP/check.err"
e2e_assert_eq "(d) --check-config on a bad file exits 1" 1 "$?"
for path in '\$\.bogus' '\$\.node\.ip' '\$\.ports\[0\]\.driver'; do
	e2e_assert_grep "(d) --check-config lists ${path//\\/}" "^$path: " "$E2E_TMP/check.err"
done

"$PODSWITCH" --config "$E2E_TMP/does-not-exist.json" >/dev/null 2>"$E2E_TMP/missing.err"
e2e_assert_eq "(d) --config with a missing file exits 1" 1 "$?"

"$PODSWITCH" --no-such-option >/dev/null 2>"$E2E_TMP/usage.err"
e2e_assert_eq "(d) unknown CLI option exits 2" 2 "$?"
e2e_assert_grep "(d) unknown CLI option is named on stderr" 'no-such-option' "$E2E_TMP/usage.err"
"$PODSWITCH" >/dev/null 2>&1
e2e_assert_eq "(d) no --config exits 2" 2 "$?"
"$PODSWITCH" --config >/dev/null 2>&1
e2e_assert_eq "(d) --config without its FILE exits 2" 2 "$?"

e2e_finish
