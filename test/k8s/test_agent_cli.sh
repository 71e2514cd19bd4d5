#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_agent_cli.sh AGENT: podswitch-agent's bad input: command-line
# arguments (exit 2), kubeconfig files and in-cluster without a cluster
# (exit 1), each with one clear line naming the problem.
set -uo pipefail
AGENT=${1:?usage: test_agent_cli.sh AGENT}
tmp=$(mktemp -d /tmp/agcli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# expect RC PATTERN ARGS...: exit status RC and stderr matching PATTERN.
expect() {
	local rc=$1 pat=$2 err got
	shift 2
	err=$(env -u KUBERNETES_SERVICE_HOST timeout 5 "$AGENT" "$@" 2>&1 >/dev/null)
	got=$?
	if [ "$got" = "$rc" ] && echo "$err" | grep -qE -- "$pat"; then
		pass=$((pass + 1)); echo "  ok   $* -> $rc"
	else
		fail=$((fail + 1)); echo "  FAIL $*: exit $got, '$err' (want $rc, /$pat/)"
	fi
}
kc() { printf '%s\n' "$2" >"$tmp/$1"; echo "$tmp/$1"; }
good_cluster='clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", certificate-authority-data: "LS0tLS1CRUdJTg=="}'

expect 2 "--overlay 'bogus': must be host-gw or vxlan" --overlay bogus
expect 2 "--sync-period '10': a duration" --sync-period 10
expect 2 "--sync-period '0.5s'" --sync-period 0.5s
expect 2 "--batch-window '-1ms'" --batch-window -1ms
expect 2 "--page-size '0'" --page-size 0
expect 2 "--v 'loud'" --v loud
expect 2 "node name 'Bad_Name'" --node-name Bad_Name
expect 2 "unexpected argument 'extra'" --node-name n1 extra
expect 2 "usage" --no-such-option
expect 1 "not in a cluster .*--kubeconfig" --node-name n1
expect 1 "kubeconfig /nonexistent: No such file" --node-name n1 --kubeconfig /nonexistent
expect 1 "YAML error at line" --node-name n1 --kubeconfig "$(kc yaml 'a: [b')"
expect 1 "no current-context" --node-name n1 --kubeconfig "$(kc nocur "$good_cluster")"
expect 1 "current-context 'x' is not in contexts" --node-name n1 \
	--kubeconfig "$(kc nocontext "current-context: x
$good_cluster")"
expect 1 "cluster 'zz' is not in clusters" --node-name n1 --kubeconfig "$(kc nocluster "current-context: x
contexts: [{name: x, context: {cluster: zz, user: u}}]
$good_cluster")"
expect 1 "server must be an http\(s\) URL" --node-name n1 --kubeconfig "$(kc noserver "current-context: x
contexts: [{name: x, context: {cluster: c}}]
clusters: [{name: c, cluster: {server: ftp://h}}]")"
expect 1 "certificate-authority-data: not base64" --node-name n1 --kubeconfig "$(kc b64 "current-context: x
contexts: [{name: x, context: {cluster: c}}]
clusters: [{name: c, cluster: {server: https://h, certificate-authority-data: '!!!'}}]")"
expect 1 "certificate-authority: cannot read .*/missing.pem" --node-name n1 --kubeconfig "$(kc cafile "current-context: x
contexts: [{name: x, context: {cluster: c}}]
clusters: [{name: c, cluster: {server: https://h, certificate-authority: missing.pem}}]")"
expect 1 "user 'u' is not in users" --node-name n1 --kubeconfig "$(kc nouser "current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
$good_cluster")"
expect 1 "exec and auth-provider credentials are not supported" --node-name n1 --kubeconfig "$(kc exec "current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {exec: {command: aws}}}]
$good_cluster")"
expect 1 "a client certificate needs its key" --node-name n1 --kubeconfig "$(kc nokey "current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {client-certificate-data: TUlJ}}]
$good_cluster")"
expect 1 "healthz address 'nowhere': expected IPv4:PORT" --node-name n1 \
	--kubeconfig "$(kc ok "current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: abc}}]
$good_cluster")" --healthz-bind-address nowhere
expect 0 "" --help
if "$AGENT" --help | grep -q "^usage: podswitch-agent"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "  FAIL --help: no usage on stdout"
fi

echo "agent-cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
