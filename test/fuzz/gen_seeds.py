#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed inputs of the harnesses: HTTP requests (http_parse,
rest_conn), frames for the fuzz dataplane's ports (graph; see fuzz_dp.c
for its addresses), and Kubernetes documents (k8s) from test/data/k8s: the
documents the bad cases wrap, and each item of cluster-list.json alone,
compact. Usage: gen_seeds.py DIR (makes DIR/<harness>)."""
import glob
import json
import os
import struct
import sys

NODE_MAC = bytes.fromhex("02000000000a")
P1_MAC = bytes.fromhex("02000af40002")
P2_MAC = bytes.fromhex("02000af40003")
PEER_MAC = bytes.fromhex("0200c0a83c0b")
PEER_C_MAC = bytes.fromhex("0200c0a83c0c")
HOST_MAC = bytes.fromhex("0200000000ee")
BCAST = b"\xff" * 6
PORTS = {"p1": 0, "p2": 1, "p3": 2, "up": 3, "host": 4}


def ip(s):
    return bytes(int(x) for x in s.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ttl=64, frag=0x4000, ihl=5):
    opts = b"\x01" * ((ihl - 5) * 4)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload),
                    0x1234, frag, ttl, proto, 0, ip(src), ip(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4_csum(src, dst, proto, seg):
    ph = ip(src) + ip(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)


def icmp_echo(ident=1, seq=1, data=b"podswitch"):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def tcp(src, dst, sport, dport, flags=0x02, seq=1000, ack=0, opts=b""):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                    65535, 0, 0) + opts
    c = l4_csum(src, dst, 6, h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def udp(src, dst, sport, dport, data):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4_csum(src, dst, 17, h) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + h[8:]


def arp(op, sha, sip, tha, tip):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + ip(sip) + tha + ip(tip)


def from_p1(dst, proto, payload, **kw):
    """An IPv4 frame pod p1 (10.244.0.2) sends to its gateway's MAC."""
    return ("p1", eth(NODE_MAC, P1_MAC, 0x0800,
                      ipv4("10.244.0.2", dst, proto, payload, **kw)))


def frames():
    f = {}
    f["arp-p1-gw"] = ("p1", eth(BCAST, P1_MAC, 0x0806,
                               arp(1, P1_MAC, "10.244.0.2", b"\0" * 6, "10.244.0.1")))
    f["ping-p1-gw"] = from_p1("10.244.0.1", 1, icmp_echo())
    f["ping-p1-p2"] = from_p1("10.244.0.3", 1, icmp_echo())
    f["bridge-p1-p2"] = ("p1", eth(P2_MAC, P1_MAC, 0x0800,
                                  ipv4("10.244.0.2", "10.244.0.3", 1, icmp_echo())))
    f["ping-p1-hostgw"] = from_p1("10.244.1.5", 1, icmp_echo())
    f["ping-p1-vxlan"] = from_p1("10.244.2.5", 1, icmp_echo())
    f["ping-p1-vxlan-mac"] = from_p1("10.244.3.5", 1, icmp_echo())
    f["ping-p1-outside"] = from_p1("8.8.8.8", 1, icmp_echo())
    f["ttl1-p1"] = from_p1("10.244.1.5", 1, icmp_echo(), ttl=1)
    f["options-p1"] = from_p1("10.244.0.3", 1, icmp_echo(), ihl=6)
    f["frag-p1"] = from_p1("10.244.0.3", 17,
                           udp("10.244.0.2", "10.244.0.3", 1, 2, b"x" * 16),
                           frag=0x2000)
    syn = tcp("10.244.0.2", "10.96.0.10", 40000, 80, opts=b"\x02\x04\x05\xb4\x01\x03\x03\x07")
    f["syn-p1-clusterip"] = from_p1("10.96.0.10", 6, syn)
    f["syn-p1-empty"] = from_p1("10.96.0.14", 6,
                                tcp("10.244.0.2", "10.96.0.14", 40001, 80))
    f["syn-p2-hairpin"] = ("p2", eth(NODE_MAC, P2_MAC, 0x0800,
                                    ipv4("10.244.0.3", "10.96.0.12", 6,
                                         tcp("10.244.0.3", "10.96.0.12", 40002, 80))))
    f["udp-p1-dns"] = from_p1("10.96.0.13", 17,
                              udp("10.244.0.2", "10.96.0.13", 5000, 53, b"\0" * 12))
    f["syn-up-nodeport"] = ("up", eth(NODE_MAC, PEER_C_MAC, 0x0800,
                                     ipv4("192.168.60.50", "192.168.60.10", 6,
                                          tcp("192.168.60.50", "192.168.60.10", 50000, 30080))))
    f["syn-up-nodeport-local"] = ("up", eth(NODE_MAC, PEER_C_MAC, 0x0800,
                                           ipv4("192.168.60.50", "192.168.60.10", 6,
                                                tcp("192.168.60.50", "192.168.60.10", 50001, 30081))))
    f["syn-up-lb"] = ("up", eth(NODE_MAC, PEER_C_MAC, 0x0800,
                               ipv4("192.168.60.50", "192.168.60.100", 6,
                                    tcp("192.168.60.50", "192.168.60.100", 50002, 443))))
    f["ping-up-node"] = ("up", eth(NODE_MAC, PEER_MAC, 0x0800,
                                  ipv4("192.168.60.11", "192.168.60.10", 1, icmp_echo())))
    f["ping-up-pod"] = ("up", eth(NODE_MAC, PEER_MAC, 0x0800,
                                 ipv4("10.244.1.5", "10.244.0.2", 1, icmp_echo())))
    f["arp-up-reply"] = ("up", eth(NODE_MAC, PEER_C_MAC, 0x0806,
                                  arp(2, PEER_C_MAC, "192.168.60.12", NODE_MAC, "192.168.60.10")))
    f["arp-up-request"] = ("up", eth(BCAST, PEER_C_MAC, 0x0806,
                                    arp(1, PEER_C_MAC, "192.168.60.12", b"\0" * 6, "192.168.60.10")))
    inner = eth(NODE_MAC, bytes.fromhex("0e000000000c"), 0x0800,
                ipv4("10.244.2.5", "10.244.0.2", 1, icmp_echo()))
    vx = struct.pack("!BBHI", 0x08, 0, 0, 42 << 8) + inner
    f["vxlan-up-in"] = ("up", eth(NODE_MAC, PEER_C_MAC, 0x0800,
                                 ipv4("192.168.60.12", "192.168.60.10", 17,
                                      udp("192.168.60.12", "192.168.60.10", 33333, 4789, vx))))
    f["host-arp"] = ("host", eth(BCAST, HOST_MAC, 0x0806,
                                arp(1, HOST_MAC, "192.168.60.10", b"\0" * 6, "192.168.60.1")))
    f["host-out"] = ("host", eth(NODE_MAC, HOST_MAC, 0x0800,
                                ipv4("192.168.60.10", "192.168.60.11", 6,
                                     tcp("192.168.60.10", "192.168.60.11", 22, 50000, flags=0x12))))
    f["host-to-pod"] = ("host", eth(NODE_MAC, HOST_MAC, 0x0800,
                                   ipv4("192.168.60.10", "10.244.0.2", 1, icmp_echo())))
    f["vlan-p1"] = ("p1", eth(NODE_MAC, P1_MAC, 0x8100, b"\x00\x05\x08\x00" +
                             ipv4("10.244.0.2", "10.244.0.3", 1, icmp_echo())))
    return f


def http_requests():
    with open(os.path.join(os.path.dirname(__file__), "..", "data", "k8s",
                           "cluster-list.json"), "rb") as fh:
        cluster = fh.read()

    def req(method, path, body=b"", extra=b""):
        h = b"%s %s HTTP/1.1\r\nHost: podswitch\r\n" % (method, path)
        if body:
            h += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        return h + extra + b"\r\n" + body

    svc = (b'{"kind":"Service","apiVersion":"v1","metadata":{"name":"x","namespace":"default"},'
           b'"spec":{"clusterIP":"10.96.0.50","ports":[{"port":80,"targetPort":8080}]}}')
    eps = (b'{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","addressType":"IPv4",'
           b'"metadata":{"name":"x-1","namespace":"default","labels":{"kubernetes.io/service-name":"x"}},'
           b'"ports":[{"port":8080}],"endpoints":[{"addresses":["10.244.0.3"]}]}')
    r = {
        "get-status": req(b"GET", b"/v1/status"),
        "get-stats": req(b"GET", b"/v1/stats"),
        "get-metrics": req(b"GET", b"/metrics"),
        "get-routes": req(b"GET", b"/v1/routes?x=1"),
        "post-route": req(b"POST", b"/v1/routes",
                          b'{"dst": "10.244.9.0/24", "gateway": "192.168.60.11"}'),
        "post-route-vxlan": req(b"POST", b"/v1/routes",
                                b'{"dst": "10.244.8.0/24", "encap": {"type": "vxlan", "vni": 42, "remote": "192.168.60.14"}}'),
        "put-routes": req(b"PUT", b"/v1/routes",
                          b'[{"dst": "10.244.1.0/24", "gateway": "192.168.60.11"}]'),
        "delete-route": req(b"DELETE", b"/v1/routes/10.244.9.0%2F24"),
        "get-ports": req(b"GET", b"/v1/ports/p1"),
        "post-port": req(b"POST", b"/v1/ports",
                         b'{"name": "p9", "role": "pod", "driver": "ring", "args": {"rx_ring": "p9_rx", "tx_ring": "p9_tx"}}'),
        "delete-port": req(b"DELETE", b"/v1/ports/p9"),
        "get-fdb": req(b"GET", b"/v1/fdb"),
        "get-neighbors": req(b"GET", b"/v1/neighbors"),
        "get-services": req(b"GET", b"/v1/services"),
        "get-service": req(b"GET", b"/v1/services/default/web"),
        "put-service": req(b"PUT", b"/v1/services/default/x", svc),
        "put-endpoints": req(b"PUT", b"/v1/services/default/x/endpoints", eps),
        "delete-service": req(b"DELETE", b"/v1/services/default/x"),
        "apply-list": req(b"POST", b"/v1/apply", cluster),
        "get-conntrack": req(b"GET", b"/v1/conntrack?limit=5"),
        "delete-conntrack": req(b"DELETE", b"/v1/conntrack"),
        "pipelined": req(b"GET", b"/v1/status") + req(b"GET", b"/healthz") +
        req(b"HEAD", b"/v1/routes", extra=b"Connection: close\r\n"),
        "expect-continue": req(b"POST", b"/v1/routes", b'{"dst": "10.244.7.0/24", "gateway": "192.168.60.11"}',
                               extra=b"Expect: 100-continue\r\n"),
        "chunked": b"POST /v1/routes HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "http10": b"GET /v1/status HTTP/1.0\r\n\r\n",
        "bare-lf": b"GET /v1/status HTTP/1.1\nHost: a\n\n",
        "bad-version": b"GET / HTTP/2.0\r\n\r\n",
        "put-log": req(b"PUT", b"/v1/log", b'{"level": "info"}'),
    }
    return r


def k8s_docs():
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "k8s")
    d = {}

    def compact(o):
        return json.dumps(o, separators=(",", ":")).encode()

    for f in sorted(glob.glob(os.path.join(data, "bad", "*.json"))):
        with open(f) as fh:
            d["bad-" + os.path.basename(f)] = compact(json.load(fh)["document"])
    with open(os.path.join(data, "cluster-list.json")) as fh:
        cl = json.load(fh)
    d["cluster-list.json"] = compact(cl)
    for i, item in enumerate(cl["items"]):
        d["item-%02d-%s.json" % (i, item["kind"])] = compact(item)
    return d


def main():
    out = sys.argv[1]
    for sub in ("http_parse", "rest_conn", "graph", "k8s"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for name, data in http_requests().items():
        with open(os.path.join(out, "rest_conn", name), "wb") as fh:
            fh.write(data)
        # http_parse: a first byte choosing where the first read stops
        with open(os.path.join(out, "http_parse", name), "wb") as fh:
            fh.write(bytes([len(data) // 2 % 256]) + data)
    for name, doc in k8s_docs().items():
        with open(os.path.join(out, "k8s", name), "wb") as fh:
            fh.write(doc)
    for name, (port, frame) in frames().items():
        with open(os.path.join(out, "graph", name), "wb") as fh:
            fh.write(bytes([PORTS[port]]) + frame)


if __name__ == "__main__":
    main()
