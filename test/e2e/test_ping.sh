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
# TCP and UDP too, every pod with the kernel's default offloads: 1 MiB
# each way over TCP and a 1400-byte UDP echo from p1 to p2, the datagram
# caught by tshark as p1 sent it and as p2 received it. Measured on this
# machine (kernel 6.18 veth, native XDP): what p1 sends, and so what the
# veth hands the XDP socket, carries the folded pseudo-header sum in its
# UDP/TCP checksum field (CHECKSUM_PARTIAL, nothing in the frame says so)
# and no GSO frame (a veth turns TSO off on its peer while XDP is
# attached). Without the af_xdp port's completion p2 received that same
# partial checksum, dropped it, and no TCP connection came up; both ports
# must now count rx_csum_completed.
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

# udp_csum PCAP: how the checksum of the first UDP datagram in PCAP
# stands: "partial" (the field holds the pseudo-header sum, what a Linux
# sender with tx offload leaves), "complete" (it verifies), else the
# fields as read.
udp_csum() {
	tshark -r "$1" -c 1 -o udp.check_checksum:TRUE -T fields -E separator=' ' \
		-e ip.src -e ip.dst -e udp.length -e udp.checksum \
		-e udp.checksum.status 2>/dev/null | python3 -c '
import sys
f = sys.stdin.read().split()
if len(f) < 5:
    print("none"); sys.exit()
src, dst, ulen, ck, st = f[:5]
s = sum(int(a) * 256 + int(b) for a, b in
        zip(*[iter([int(x) for x in (src + "." + dst).split(".")])] * 2))
s += 17 + int(ulen)
while s >> 16:
    s = (s & 0xffff) + (s >> 16)
if int(ck, 16) == s and st not in ("1", "Good"):
    print("partial")
elif st in ("1", "Good"):
    print("complete")
else:
    print(" ".join(f))
'
}

# capture NS FILE: tshark on eth0 of NS for the first UDP datagram p1
# sends to p2's bulk server; returns once it captures.
capture() {
	local err=$2.err
	e2e_bg timeout 100 ip netns exec "$1" tshark -i eth0 -c 1 -w "$2" \
		-f "udp and src host 10.244.0.2 and dst host 10.244.0.3 and dst port 8090" 2>"$err"
	for _ in $(seq 1 100); do
		grep -q "Capturing on" "$err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# tcp_udp DRIVER TAG: 1 MiB TCP both ways and a UDP echo from p1 to p2,
# the pods with their default offloads; p1's datagram caught as p1 sent it
# (the kernel leaves its checksum partial) and as p2 received it from
# podswitch (complete: without the completion it arrives partial and p2's
# kernel drops it).
tcp_udp() {
	local drv=$1 tag=$2 srv p1cap p2cap
	p1cap=$E2E_TMP/$tag.p1-sent.pcap
	p2cap=$E2E_TMP/$tag.p2-got.pcap
	e2e_bg ip netns exec "$(e2e_pod_ns p2)" python3 "$E2E_BULK" --bind 10.244.0.3
	srv=$E2E_LAST_BG
	for _ in $(seq 1 100); do
		e2e_in p2 ss -ltn | grep -q '10.244.0.3:8090' && break
		sleep 0.1
	done
	if ! capture "$(e2e_pod_ns p1)" "$p1cap" ||
		! capture "$(e2e_pod_ns p2)" "$p2cap"; then
		e2e_log "$drv: tshark did not start"
	fi
	e2e_bulk "$drv: p1 -> p2" "$(e2e_pod_ns p1)" 10.244.0.3 8090
	kill "$srv" 2>/dev/null
	sleep 0.5
	e2e_assert_eq "$drv: p1's UDP datagram left its kernel with a partial checksum" \
		partial "$(udp_csum "$p1cap")"
	e2e_assert_eq "$drv: p2 received it from podswitch with a complete checksum" \
		complete "$(udp_csum "$p2cap")"
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

	tcp_udp "$drv" "$tag"

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
	for p in 1 2; do
		e2e_assert_ge "$drv: port p$p completed partial checksums" 1 \
			"$(e2e_port_counter "$stats" "p$p" rx_csum_completed)"
	done

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
