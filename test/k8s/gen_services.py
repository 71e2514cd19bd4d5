#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen_services.py COUNT ENDPOINTS [--prefix P] [--node NAME...]:
a Kubernetes List of COUNT ClusterIP Services (10.100.0.0/16 upwards,
port 80 -> 8080) in namespace "bulk", each with one EndpointSlice of
ENDPOINTS ready endpoints (10.250.x.y, node names taken in turn), in the
shapes kube-apiserver stores (for test/k8s/apiserver.py)."""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("count", type=int)
    ap.add_argument("endpoints", type=int)
    ap.add_argument("--prefix", default="bulk")
    ap.add_argument("--node", action="append", default=[])
    a = ap.parse_args()
    nodes = a.node or ["node-x"]
    items = []
    ep = 0
    for i in range(a.count):
        name = "%s-%05d" % (a.prefix, i)
        vip = "10.%d.%d.%d" % (100 + (i >> 16), (i >> 8) & 255, i & 255)
        items.append({
            "kind": "Service", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "bulk",
                         "labels": {"app": name}},
            "spec": {"type": "ClusterIP", "clusterIP": vip,
                     "clusterIPs": [vip], "ipFamilies": ["IPv4"],
                     "ipFamilyPolicy": "SingleStack",
                     "internalTrafficPolicy": "Cluster",
                     "sessionAffinity": "None",
                     "selector": {"app": name},
                     "ports": [{"name": "http", "protocol": "TCP",
                                "port": 80, "targetPort": 8080}]},
            "status": {"loadBalancer": {}}})
        eps = []
        for _ in range(a.endpoints):
            eps.append({"addresses": ["10.250.%d.%d" % ((ep >> 8) & 255,
                                                         ep & 255)],
                        "conditions": {"ready": True, "serving": True,
                                       "terminating": False},
                        "nodeName": nodes[ep % len(nodes)]})
            ep += 1
        items.append({
            "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"name": name + "-abcde", "namespace": "bulk",
                         "generateName": name + "-",
                         "labels": {"kubernetes.io/service-name": name,
                                    "endpointslice.kubernetes.io/managed-by":
                                    "endpointslice-controller.k8s.io"}},
            "addressType": "IPv4", "endpoints": eps,
            "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]})
    json.dump({"kind": "List", "apiVersion": "v1", "items": items},
              sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
