#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Regenerate ct_http.pcap (test_conntrack's real-TCP trace): in a private
# network namespace whose loopback has a 1500-byte MTU and no segmentation
# offloads (real 1448-byte segments), capture headers (80 bytes) of
#   1. curl downloading 1 MB from python's http.server (client closes,
#      TIME_WAIT), window scaling 1024 both ways;
#   2. curl PUTting 1 MB, which http.server refuses (501) and closes with
#      FIN then RST while the client still sends (zero window, CLOSE).
# Needs root, ip, ethtool, tshark, python3, curl.
set -euo pipefail
out=${1:-$(dirname "$0")/ct_http.pcap}
ns=ctcap$$
tmp=$(mktemp -d)
cleanup() {
	if [ -n "${cap:-}" ]; then kill "$cap" 2>/dev/null || true; fi
	if [ -n "${srv:-}" ]; then kill "$srv" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up mtu 1500
ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null
head -c 1000000 /dev/urandom > "$tmp/blob.bin"
(cd "$tmp" && exec ip netns exec "$ns" python3 -m http.server 8080 \
	--bind 127.0.0.1 >/dev/null 2>&1) & srv=$!
sleep 1
ip netns exec "$ns" tshark -i lo -s 80 -w "$tmp/cap.pcap" -F pcap \
	-f "tcp port 8080" >/dev/null 2>&1 & cap=$!
sleep 2
ip netns exec "$ns" curl -s -o /dev/null http://127.0.0.1:8080/blob.bin
ip netns exec "$ns" curl -s -o /dev/null -X PUT --data-binary @"$tmp/blob.bin" \
	http://127.0.0.1:8080/x || true
sleep 1
kill "$cap"; wait "$cap" 2>/dev/null || true; cap=
cp "$tmp/cap.pcap" "$out"
chmod 644 "$out"
