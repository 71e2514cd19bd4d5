#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_kubectl.sh: the test API server (apiserver.py) against the real
# kubectl, over TLS with a token and with a client certificate: discovery,
# `get services,endpointslices,nodes -A -o json`, `get pods,networkpolicies
# -A -o json`, `label pod` (a merge patch), `get services -A --watch`
# seeing an add and a delete, paging (--chunk-size), 410 on an expired
# continue token, 401 without credentials. Exit 77 (skip) without kubectl.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KUBECTL=${KUBECTL:-kubectl}
command -v "$KUBECTL" >/dev/null || { echo "kubectl not found: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/agkubectl.XXXXXX)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }
cleanup() {
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null
	wait 2>/dev/null
	[ $fail -eq 0 ] && rm -rf "$tmp" || echo "logs kept in $tmp"
}
trap cleanup EXIT

port=$((30000 + $$ % 20000))
APISERVER_PORT=$port bash "$here/certs.sh" "$tmp" 127.0.0.1 || exit 1
python3 "$here/apiserver.py" --listen 127.0.0.1:$port --cert "$tmp/server.pem" \
	--key "$tmp/server-key.pem" --client-ca "$tmp/ca.pem" --token "$(cat "$tmp/token")" \
	2>"$tmp/apiserver.log" &
srv=$!
k() {
	curl -sS -m 10 --cacert "$tmp/ca.pem" -H "Authorization: Bearer $(cat "$tmp/token")" \
		-X "$1" "https://127.0.0.1:$port$2" ${3:+--data-binary "$3"}
}
for _ in $(seq 1 50); do k GET /version >/dev/null 2>&1 && break; sleep 0.1; done
svc() {
	echo "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"$2\"},
	  \"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"$3\",\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080}]}}"
}
k PUT /_test/objects "{\"kind\":\"List\",\"items\":[$(svc web default 10.96.0.10),$(svc dns kube-system 10.96.0.53),
  {\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\",\"addressType\":\"IPv4\",
   \"metadata\":{\"name\":\"web-x\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"web\"}},
   \"endpoints\":[{\"addresses\":[\"10.244.0.5\"],\"conditions\":{\"ready\":true}}],
   \"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}]},
  {\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n1\"},\"spec\":{\"podCIDR\":\"10.244.1.0/24\"},
   \"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.168.60.11\"}]}}]}" >/dev/null

for kc in token cert; do
	export KUBECONFIG=$tmp/kubeconfig-$kc
	out=$(timeout 30 "$KUBECTL" get services,endpointslices,nodes -A -o json 2>"$tmp/err")
	if python3 - "$out" <<'EOP'
import json, sys
d = json.loads(sys.argv[1])
kinds = sorted((i["kind"], i["metadata"]["name"]) for i in d["items"])
assert kinds == [("EndpointSlice", "web-x"), ("Node", "n1"), ("Service", "dns"),
                 ("Service", "web")], kinds
assert all(i["metadata"]["resourceVersion"] and i["metadata"]["uid"] for i in d["items"])
EOP
	then ok "kubectl ($kc): get services,endpointslices,nodes -A -o json"
	else bad "kubectl ($kc): get -o json: $(head -c 300 "$tmp/err") $out"; fi
done
export KUBECONFIG=$tmp/kubeconfig-token
# Pods and NetworkPolicies (networking.k8s.io), what the agent's policy
# watches list; a label set by kubectl is a merge patch on the Pod.
k PUT /_test/objects '{"kind":"List","items":[
  {"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"x","labels":{"pod":"a"}},
   "spec":{"nodeName":"n1","containers":[{"name":"c","image":"i","ports":[{"name":"serve-80-tcp","containerPort":80,"protocol":"TCP"}]}]},
   "status":{"phase":"Running","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}]}},
  {"kind":"NetworkPolicy","apiVersion":"networking.k8s.io/v1","metadata":{"name":"deny","namespace":"x"},
   "spec":{"podSelector":{},"policyTypes":["Ingress"]}}]}' >/dev/null
out=$(timeout 30 "$KUBECTL" get pods,networkpolicies -A -o json 2>"$tmp/err")
if python3 - "$out" <<'EOP'
import json, sys
d = json.loads(sys.argv[1])
got = sorted((i["kind"], i["apiVersion"], i["metadata"]["namespace"], i["metadata"]["name"])
             for i in d["items"])
assert got == [("NetworkPolicy", "networking.k8s.io/v1", "x", "deny"),
               ("Pod", "v1", "x", "a")], got
EOP
then ok "kubectl get pods,networkpolicies -A -o json"
else bad "kubectl get pods,networkpolicies: $(head -c 300 "$tmp/err") $out"; fi
if timeout 30 "$KUBECTL" label pod -n x a pod2=updated >"$tmp/label.out" 2>&1 &&
   [ "$(timeout 30 "$KUBECTL" get pod -n x a -o jsonpath='{.metadata.labels.pod}/{.metadata.labels.pod2}/{.status.podIP}' 2>&1)" = a/updated/10.244.1.5 ]; then
	ok "kubectl label pod: the labels merged, the rest kept"
else
	bad "kubectl label pod: $(cat "$tmp/label.out")"
fi
out=$(timeout 30 "$KUBECTL" get netpol -n x -o name 2>&1)
if [ "$out" = networkpolicy.networking.k8s.io/deny ]; then
	ok "kubectl get netpol (short name, networking.k8s.io discovery)"
else
	bad "kubectl get netpol: $out"
fi
out=$(timeout 30 "$KUBECTL" get services -A --chunk-size=1 -o name 2>&1 | sort | tr '\n' ' ')
if [ "$out" = "service/dns service/web " ]; then
	ok "kubectl pages through a list (--chunk-size=1)"
else
	bad "kubectl --chunk-size=1: $out"
fi
out=$(timeout 30 "$KUBECTL" get nodes -o jsonpath='{.items[0].spec.podCIDR}' 2>&1)
if [ "$out" = 10.244.1.0/24 ]; then
	ok "kubectl get nodes -o jsonpath"
else
	bad "jsonpath: $out"
fi

timeout 8 "$KUBECTL" get services -A --watch >"$tmp/watch.out" 2>&1 &
w=$!
sleep 2.5
k PUT /_test/objects "$(svc late default 10.96.0.11)" >/dev/null
sleep 0.5
k DELETE /_test/objects/services/default/web >/dev/null
sleep 1.5
kill $w 2>/dev/null
wait $w 2>/dev/null
if grep -qE '^default +web ' "$tmp/watch.out" && grep -qE '^kube-system +dns ' "$tmp/watch.out" &&
   grep -qE '^default +late ' "$tmp/watch.out" && [ "$(grep -cE '^default +web ' "$tmp/watch.out")" -ge 2 ]; then
	ok "kubectl get services -A --watch: the list, then an add and a delete"
else
	bad "kubectl --watch: $(cat "$tmp/watch.out")"
fi

# An expired continue token: 410 Expired, as kube-apiserver.
tok=$(k GET '/api/v1/services?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["continue"])')
k POST /_test/expire >/dev/null
code=$(curl -s -o "$tmp/410.json" -w '%{http_code}' --cacert "$tmp/ca.pem" \
	-H "Authorization: Bearer $(cat "$tmp/token")" "https://127.0.0.1:$port/api/v1/services?limit=1&continue=$tok")
if [ "$code" = 410 ] && grep -q '"reason":"Expired"' "$tmp/410.json"; then
	ok "expired continue token: 410 Expired"
else
	bad "expired continue token: $code $(cat "$tmp/410.json")"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/ca.pem" "https://127.0.0.1:$port/api/v1/services")
if [ "$code" = 401 ]; then
	ok "no credentials: 401"
else
	bad "no credentials: $code"
fi
out=$(KUBECONFIG=/dev/null timeout 10 "$KUBECTL" --server "https://127.0.0.1:$port" \
	--certificate-authority "$tmp/ca.pem" --token wrong get services 2>&1)
if echo "$out" | grep -qi 'unauthorized\|must be logged in'; then
	ok "kubectl with a wrong token is refused"
else
	bad "wrong token: $out"
fi

echo "k8s-apiserver-kubectl: $pass passed, $fail failed"
[ $fail -eq 0 ]
