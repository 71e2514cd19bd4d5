#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e-timeout: 900
#
# test_package.sh: the Debian package, built and installed as a user would.
#
#   1. `git archive HEAD` into a temporary directory (what is committed,
#      nothing of the work tree's build), `dpkg-buildpackage -us -uc -b`;
#   2. `dpkg-deb -c/-I`: programs, units, man pages, completion, every
#      driver profile, the conffile, the run-time DPDK drivers in Depends;
#   3. a fresh Debian 12 root: debootstrap --variant=minbase, made once
#      and kept in $PODSWITCH_ROOTFS_CACHE (default
#      /var/cache/podswitch-test/bookworm-minbase; the first run takes a
#      few minutes more), used through an overlay in a private mount
#      namespace so that it and the host stay as they were. In it,
#      `apt-get install ./podswitch_*.deb` (dependencies from the host's
#      Debian mirror), then: no missing library, `podswitch --check-config`
#      of the installed /etc/podswitch/node.json, the installed driver
#      profiles in use, `man -l` of both pages without warnings,
#      `systemd-analyze verify` of both units, the bash completion, and the
#      daemon started with the unit's own ExecStartPre/ExecStart lines in a
#      network namespace of its own, answering the installed podswitchctl
#      on the default socket, stopped with the unit's signal (exit 0);
#   4. systemd booted in that root as PID 1 of a container (this machine's
#      PID 1 is not systemd; see helpers/package_boot.sh for what the
#      container gets), then `systemctl start podswitch`, `is-active`,
#      `podswitchctl status` inside, `systemctl stop podswitch` (inactive,
#      exit status 0, no restart), `systemctl poweroff`; no process, cgroup
#      or mount of it left.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

e2e_init package
for t in git dpkg-buildpackage dpkg-checkbuilddeps dpkg-deb debootstrap unshare; do
	command -v "$t" >/dev/null || { e2e_fail "missing tool: $t (test/setup-deps.sh)"; e2e_finish; }
done
ROOTFS=${PODSWITCH_ROOTFS_CACHE:-/var/cache/podswitch-test/bookworm-minbase}
host_pkg() { dpkg-query -W -f='${Status} ${Version}' podswitch 2>/dev/null; }
host_before=$(host_pkg)
SRC="$E2E_TMP/src/podswitch"

# --- 1. build from a clean copy of HEAD
mkdir -p "$SRC"
e2e_check "git archive HEAD into a clean directory" \
	bash -c "git -C '$E2E_TOP' archive HEAD | tar -x -C '$SRC'"
e2e_check "build dependencies installed (dpkg-checkbuilddeps)" \
	bash -c "cd '$SRC' && dpkg-checkbuilddeps" || e2e_finish
t0=$(date +%s)
if (cd "$SRC" && dpkg-buildpackage -us -uc -b -j2) >"$E2E_TMP/build.log" 2>&1; then
	e2e_ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
else
	e2e_fail "dpkg-buildpackage -us -uc -b"
	tail -n 30 "$E2E_TMP/build.log" | sed 's/^/       | /'
	e2e_finish
fi
deb=$(find "$E2E_TMP/src" -maxdepth 1 -name 'podswitch_*_amd64.deb' | head -n1)
[ -n "$deb" ] || { e2e_fail "no podswitch_*_amd64.deb built"; e2e_finish; }

# --- 2. what the package holds
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$E2E_TMP/contents.txt"
want=(/usr/bin/podswitch /usr/bin/podswitchctl /usr/bin/podswitch-agent
	/usr/bin/podswitch-cni /usr/lib/cni/podswitch-cni
	/lib/systemd/system/podswitch.service /lib/systemd/system/podswitch-agent.service
	/usr/share/man/man8/podswitch.8.gz /usr/share/man/man8/podswitchctl.8.gz
	/usr/share/bash-completion/completions/podswitchctl
	/etc/podswitch/node.json /usr/share/podswitch/examples/podswitch.json
	/usr/share/doc/podswitch/copyright)
for f in "$E2E_TOP"/drivers-cfg/*.json; do
	want+=("/usr/share/podswitch/drivers-cfg/$(basename "$f")")
done
missing=()
for f in "${want[@]}"; do
	grep -qxF "$f" "$E2E_TMP/contents.txt" || missing+=("$f")
done
e2e_assert_eq "dpkg-deb -c: all ${#want[@]} expected files are in the package" "" "${missing[*]}"
e2e_assert_eq "nothing of the tests or the build tree is in it" "" \
	"$(grep -E '/test_|\.a$|/include/|meson' "$E2E_TMP/contents.txt")"
e2e_check "/etc/podswitch/node.json is a conffile" \
	bash -c "dpkg-deb -I '$deb' conffiles | grep -qx /etc/podswitch/node.json"
dpkg-deb -f "$deb" Depends >"$E2E_TMP/depends.txt"
for d in librte-net-af-packet23 librte-net-af-xdp23 librte-net-vhost23 librte-net-tap23 librte-mempool-ring23 libjansson4; do
	e2e_assert_grep "Depends names $d (loaded at run time or linked)" "(^|, )$d( |,|$)" "$E2E_TMP/depends.txt"
done

# --- 3. a fresh Debian 12 root
mirror=$(sed -nE 's/^(deb|URIs:) +(\[[^]]*\] +)?(https?:[^ ]+).*/\3/p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)
if [ ! -x "$ROOTFS/usr/bin/apt-get" ]; then
	e2e_log "no cached root in $ROOTFS: debootstrap --variant=minbase bookworm ${mirror:-} (once)"
	t0=$(date +%s)
	rm -rf "$ROOTFS.tmp"
	mkdir -p "$(dirname "$ROOTFS")"
	# no mirror found: debootstrap's own default
	if debootstrap --variant=minbase bookworm "$ROOTFS.tmp" ${mirror:+"$mirror"} \
		>"$E2E_TMP/debootstrap.log" 2>&1 &&
	   mv "$ROOTFS.tmp" "$ROOTFS"; then
		e2e_ok "fresh Debian 12 root made and cached ($(($(date +%s) - t0)) s)"
	else
		e2e_fail "debootstrap of a Debian 12 root"
		tail -n 20 "$E2E_TMP/debootstrap.log" | sed 's/^/       | /'
		e2e_finish
	fi
fi
e2e_check "the cached root is Debian 12 without podswitch" \
	bash -c "grep -q '^12' '$ROOTFS/etc/debian_version' && [ ! -e '$ROOTFS/usr/bin/podswitch' ]"

mkdir -p "$E2E_TMP/ov/upper" "$E2E_TMP/ov/work" "$E2E_TMP/ov/root"
cp "$deb" "$E2E_TMP/ov/"
cp "$E2E_DIR/helpers/package_root.sh" "$E2E_DIR/helpers/package_boot.sh" "$E2E_TMP/ov/"
# Everything inside runs in its own mount namespace: the overlay, /proc,
# /dev and /sys of the root go when it ends.
timeout -k 10 600 unshare -m --propagation private \
	bash "$E2E_TMP/ov/package_root.sh" "$ROOTFS" "$E2E_TMP/ov" "$(basename "$deb")" \
	>"$E2E_TMP/root.log" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"RESULT ok "*) e2e_ok "${line#RESULT ok }" ;;
	"RESULT FAIL "*) e2e_fail "${line#RESULT FAIL }" ;;
	"DETAIL "*) echo "       | ${line#DETAIL }" ;;
	esac
done <"$E2E_TMP/root.log"
if ! grep -q '^RESULT DONE' "$E2E_TMP/root.log"; then
	e2e_fail "the checks in the fresh root did not finish (exit $rc)"
	grep -v '^RESULT' "$E2E_TMP/root.log" | tail -n 20 | sed 's/^/       | /'
fi
e2e_assert_eq "no mount of the test is left on the host" "" \
	"$(grep -F " $E2E_TMP/" /proc/self/mounts)"
e2e_check "the cached root is untouched (still no podswitch)" \
	bash -c "[ ! -e '$ROOTFS/usr/bin/podswitch' ]"
e2e_assert_eq "the host's package state is untouched" "$host_before" "$(host_pkg)"
e2e_finish
