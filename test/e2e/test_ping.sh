#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ping.sh [af_packet|af_xdp|all]
#
# Three pod namespaces (eth0 = 10.244.0.2..4/24, default via 10.244.0.1) on
# one podswitch, their root-side veths attached with the given driver. Each
# pod pings every other pod (L2 bridging: ARP flood, FDB learning) and the
# gateway 10.244.0.1 (ARP and ICMP echo answered by podswitch): a warm-up
# ping, then "ping -c 3 -W 1" with 0% loss. Pods 1 and 2 are declared in the
# config ("pod": ip/mac, static FDB entries), pod 3 is learned. Its
# counters (/v1/stats, before the stop) must show rx and tx on every port,
# no rx-missed/rx-errors/tx-dropped, and no drop in any graph node; at
# SIGTERM the daemon must exit 0.
#
# AF_XDP on veth (this machine: kernel with native veth XDP, DPDK 22.11 PMD,
# libxdp 1.3) needs: the pod-side MTU <= 3498 (else "veth: Peer MTU is too
# large to set XDP"), one rx queue on the veth (the PMD binds queue
# start_queue=0 only), and the PMD's default program (xsk_def_prog, loaded by
# libxdp). bpffs is used when mounted but libxdp falls back to a single
# program without it. The test also checks that the XDP program is attached
# while the daemon runs and removed after it exits.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

mode=${1:-all}
case $mode in
af_packet | af_xdp) drivers=("$mode") ;;
all) drivers=(af_packet af_xdp) ;;
-h | --help)
	echo "usage: $0 [af_packet|af_xdp|all]"
	exit 0
	;;
*)
	echo "usage: $0 [af_packet|af_xdp|all]" >&2
	exit 2
	;;
esac

e2e_init ping

# xdp_attached IFACE: an XDP program is attached (native or generic).
xdp_attached() {
	local out
	out=$(ip -d link show dev "$1" 2>/dev/null)
	printf '%s\n' "$out" | grep -qE '(^| )(xdp|xdpgeneric|xdpdrv|xdpoffload)( |$)|prog/xdp'
}

run_driver() {
	local drv=$1 tag name cfg ports log p peer status stats pre_ok=1
	tag=${drv//_/}
	name="pse2e-ping-$tag-$E2E_ID"
	e2e_log "=== driver $drv ==="

	# Fresh pods for each driver: pod1..3 = 10.244.0.2..4.
	for p in 1 2 3; do
		ip netns del "pse2e$E2E_ID-p$p" 2>/dev/null
		ip link del "pse2e${E2E_ID}p$p" 2>/dev/null
		if ! e2e_pod "p$p" "10.244.0.$((p + 1))"; then
			e2e_fail "$drv: cannot create pod p$p"
			return 1
		fi
	done

	if [ "$drv" = af_xdp ]; then
		# Preconditions we rely on, checked so a failure says why.
		for p in 1 2 3; do
			local mtu q
			mtu=$(e2e_in "p$p" cat /sys/class/net/eth0/mtu)
			q=$(find "/sys/class/net/$(e2e_pod_if "p$p")/queues" -maxdepth 1 -name "rx-*" | wc -l)
			if [ "$mtu" -gt 3498 ] || [ "$q" -ne 1 ]; then
				pre_ok=0
				e2e_fail "$drv: p$p veth unsuitable for AF_XDP (peer mtu $mtu > 3498 or $q rx queues)"
			fi
		done
		[ $pre_ok = 1 ] && e2e_ok "$drv: veths have 1 rx queue and pod MTU <= 3498"
		if ! mountpoint -q /sys/fs/bpf; then
			e2e_log "note: bpffs not mounted at /sys/fs/bpf; libxdp will load the program without its dispatcher"
		fi
	fi

	ports="[ $(e2e_port_json p1 pod "$drv" "$(e2e_pod_if p1)" 10.244.0.2 "$(e2e_pod_mac p1)"),
	    $(e2e_port_json p2 pod "$drv" "$(e2e_pod_if p2)" 10.244.0.3 "$(e2e_pod_mac p2)"),
	    $(e2e_port_json p3 pod "$drv" "$(e2e_pod_if p3)") ]"
	cfg="$E2E_TMP/$name.json"
	e2e_config "$cfg" "$name" "$(e2e_eal_nohuge "$name")" "$ports"
	e2e_check "$drv: --check-config accepts the generated config" \
		"$PODSWITCH" --check-config "$cfg"

	e2e_start "$tag" "$cfg"
	log=$(e2e_dlog "$tag")
	if ! e2e_wait_running "$tag" 20; then
		e2e_stop "$tag"
		return 1
	fi

	if [ "$drv" = af_xdp ]; then
		local att=0
		for p in 1 2 3; do
			xdp_attached "$(e2e_pod_if "p$p")" && att=$((att + 1))
		done
		e2e_assert_eq "$drv: XDP program attached to the 3 veths while running" 3 "$att"
	fi

	for p in 1 2 3; do
		for peer in 1 2 3; do
			[ "$p" = "$peer" ] && continue
			e2e_ping "p$p" "10.244.0.$((peer + 1))"
		done
		e2e_ping "p$p" 10.244.0.1
	done

	# The pods resolved the gateway to the node MAC.
	e2e_check "$drv: p1 resolved 10.244.0.1 to the node MAC 02:00:00:00:00:0a" \
		bash -c "ip -n $(e2e_pod_ns p1) neigh show 10.244.0.1 | grep -qi 02:00:00:00:00:0a"

	stats=$E2E_TMP/$tag.stats.json
	e2e_stats "$tag" "$stats" || e2e_log "$drv: GET /v1/stats failed"
	e2e_stop "$tag" TERM
	status=$(e2e_drc "$tag")
	e2e_assert_eq "$drv: daemon exits 0 on SIGTERM (in ${E2E_STOP_MS:-?} ms)" 0 "$status"
	e2e_assert_grep "$drv: counters printed at shutdown" '^--- podswitch counters ---' "$log"
	e2e_assert_grep "$drv: clean stop logged" '^podswitch: stopped' "$log"

	# Each pod sent at least 2 x (1 + 3) echo requests + 1 ARP and got as
	# many echo replies back.
	for p in 1 2 3; do
		e2e_check_port_counters "$stats" "p$p" 9 9
	done
	e2e_check_no_drops "$stats"

	if [ "$drv" = af_xdp ]; then
		local left=0
		for p in 1 2 3; do
			xdp_attached "$(e2e_pod_if "p$p")" && left=$((left + 1))
		done
		e2e_assert_eq "$drv: XDP programs removed after exit" 0 "$left"
	fi
}

for d in "${drivers[@]}"; do
	run_driver "$d"
done
e2e_finish
