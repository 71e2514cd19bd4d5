#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The policy objects of perf/policy_rig.sh: a kubectl-shaped List of
Namespaces, Pods and NetworkPolicies for POST /v1/apply.

  policy_gen.py FILE --policies N --pods N --node NAME --senders IP,...
                --allow-to CIDR|ns/app --proto UDP [--port P]

  - namespaces bench (the senders), peers, and team-0..team-9
    (labelled team=t<k>, kubernetes.io/metadata.name);
  - the senders: pods bench/src-<i> on NODE (this node: local pods, the
    ones that send) with the given addresses, labelled app=src;
  - with --allow-to ns/app: pods peers/<app>-<j> on another node, the
    addresses --peers A,B,... (the service's endpoints);
  - filler pods up to --pods in all, team-<k>/p-<i> on another node,
    10.246.0.0 + i, labelled app=a<i % 50>, role=r<i % 7>, with two
    named container ports;
  - --policies NetworkPolicies in all: bench/allow-src selects app=src
    and allows egress to --allow-to (an ipBlock, or the peers' pods by
    namespace and pod selector) on PROTO[/PORT], and ingress from
    anywhere in the cluster; one policy in ten of the rest also selects
    the senders (namespace bench) with rules that do not match the
    traffic (other ports and peers), so that the senders' own rule set
    is big; the others select filler pods with ingress and egress rules
    of every shape (namespace and pod selectors, matchExpressions,
    ipBlock with except, named ports, endPort ranges).
Deterministic: the same arguments, the same file.
"""
import argparse
import json
import socket
import struct


def ip(n):
    return socket.inet_ntoa(struct.pack("!I", n))


def ipn(s):
    return struct.unpack("!I", socket.inet_aton(s))[0]


def namespace(name, labels=None):
    lb = {"kubernetes.io/metadata.name": name}
    lb.update(labels or {})
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": lb}}


def pod(ns, name, addr, node, labels, ports=None):
    cs = [{"name": "c", "image": "registry.k8s.io/pause:3.9",
           "ports": ports or []}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"nodeName": node, "containers": cs},
            "status": {"phase": "Running", "podIP": addr,
                       "podIPs": [{"ip": addr}]}}


def policy(ns, name, selector, ingress=None, egress=None):
    spec = {"podSelector": selector, "policyTypes": []}
    if ingress is not None:
        spec["policyTypes"].append("Ingress")
        spec["ingress"] = ingress
    if egress is not None:
        spec["policyTypes"].append("Egress")
        spec["egress"] = egress
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def filler_rules(i):
    """Rules of every shape; none matches the rig's traffic (UDP to
    10.253.0.0/16 or to the peers' 5353)."""
    team = {"namespaceSelector": {"matchLabels": {"team": "t%d" % (i % 10)}}}
    roles = {"podSelector": {"matchExpressions": [
        {"key": "role", "operator": "In",
         "values": ["r%d" % (i % 7), "r%d" % ((i + 3) % 7)]}]}}
    both = {"namespaceSelector": {"matchExpressions": [
        {"key": "team", "operator": "NotIn", "values": ["t%d" % (i % 10)]}]},
        "podSelector": {"matchLabels": {"app": "a%d" % (i % 50)}}}
    block = {"ipBlock": {"cidr": "172.%d.0.0/16" % (16 + i % 16),
                         "except": ["172.%d.%d.0/24" % (16 + i % 16,
                                                        i % 256)]}}
    ports = [{"protocol": "TCP", "port": 8000 + i % 100,
              "endPort": 8100 + i % 100},
             {"protocol": "TCP", "port": "http"},
             {"protocol": "UDP", "port": 9000 + i % 500}]
    ingress = [{"from": [team, roles], "ports": ports[:2]},
               {"from": [both, block], "ports": ports[2:]}]
    egress = [{"to": [block], "ports": [{"protocol": "TCP", "port": 443}]},
              {"to": [both], "ports": ports[:1]}]
    return ingress, egress


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--node", required=True)
    ap.add_argument("--senders", required=True)
    ap.add_argument("--allow-to", required=True)
    ap.add_argument("--peers", default="")
    ap.add_argument("--proto", default="UDP")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()

    items = [namespace("bench"), namespace("peers")]
    items += [namespace("team-%d" % k, {"team": "t%d" % k})
              for k in range(10)]
    senders = [s for s in a.senders.split(",") if s]
    peers = [p for p in a.peers.split(",") if p]
    for i, s in enumerate(senders):
        items.append(pod("bench", "src-%d" % i, s, a.node, {"app": "src"}))
    allow = {"protocol": a.proto}
    if a.port:
        allow["port"] = a.port
    if "/" in a.allow_to and not a.allow_to[0].isdigit():
        pns, app = a.allow_to.split("/")
        for j, p in enumerate(peers):
            items.append(pod(pns, "%s-%d" % (app, j), p, "other",
                             {"app": app}))
        to = {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": pns}},
            "podSelector": {"matchLabels": {"app": app}}}
    else:
        to = {"ipBlock": {"cidr": a.allow_to}}
    named = [{"name": "http", "containerPort": 80, "protocol": "TCP"},
             {"name": "dns", "containerPort": 53, "protocol": "UDP"}]
    base = ipn("10.246.0.0")
    for i in range(max(0, a.pods - len(senders) - len(peers))):
        items.append(pod("team-%d" % (i % 10), "p-%d" % i, ip(base + 1 + i),
                         "other", {"app": "a%d" % (i % 50),
                                   "role": "r%d" % (i % 7)}, named))
    items.append(policy("bench", "allow-src",
                        {"matchLabels": {"app": "src"}},
                        ingress=[{"from": [{"namespaceSelector": {}}]}],
                        egress=[{"to": [to], "ports": [allow]}]))
    for i in range(1, a.policies):
        ingress, egress = filler_rules(i)
        if i % 10 == 0:
            items.append(policy("bench", "src-extra-%d" % i,
                                {"matchLabels": {"app": "src"}},
                                ingress=ingress, egress=egress))
        else:
            sel = {"matchLabels": {"app": "a%d" % (i % 50)}}
            if i % 3 == 0:
                sel = {"matchExpressions": [{"key": "role",
                                             "operator": "Exists"}]}
            items.append(policy("team-%d" % (i % 10), "np-%d" % i, sel,
                                ingress=ingress,
                                egress=egress if i % 2 else None))
    with open(a.file, "w") as f:
        json.dump({"kind": "List", "apiVersion": "v1", "items": items}, f)


if __name__ == "__main__":
    main()
