#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Inputs of the service benchmarks (perf/README.md, svc_prog.sh, svc_rig.sh).

  svc_gen.py list FILE N EPS [NODE]
      a kubectl-shaped List of N ClusterIP Services (default/svc-<i>,
      clusterIP 10.96.0.0 + 1 + i, TCP 80 -> 8080) and, per service, one
      EndpointSlice of EPS ready endpoints on another node (NODE, default
      "other"), 10.245.0.0 + i * EPS + j: every address distinct.
  svc_gen.py slice FILE I EPS BASE
      the EndpointSlice of service I alone, addresses BASE + j (dotted
      quad), for PUT /v1/services/default/svc-<I>/endpoints.
  svc_gen.py one FILE I EPS BASE
      a List of service I and that slice (for POST /v1/apply).
  svc_gen.py svc FILE I PORT
      service I alone with service port PORT (for PUT /v1/services/...).
  svc_gen.py pcap FILE N DST_MAC SRC_MAC VIP PORT [SYN]
      a pcap of N 64-byte frames, one per flow: UDP (or, with SYN, TCP SYN)
      from 10.244.0.16 + i // 50000, source port 10000 + i % 50000, to
      VIP:PORT. The flows are distinct 5-tuples.
"""
import socket
import struct
import sys


def ip(n):
    return socket.inet_ntoa(struct.pack('!I', n))


def ipn(s):
    return struct.unpack('!I', socket.inet_aton(s))[0]


def service(i, port=80):
    return ('{"kind":"Service","apiVersion":"v1","metadata":{"name":"svc-%d",'
            '"namespace":"default"},"spec":{"type":"ClusterIP","clusterIP":'
            '"%s","ports":[{"name":"http","protocol":"TCP","port":%d,'
            '"targetPort":8080}]}}' % (i, ip(ipn('10.96.0.0') + 1 + i), port))


def endpoint_slice(i, addrs, node):
    eps = ','.join('{"addresses":["%s"],"nodeName":"%s","conditions":'
                   '{"ready":true}}' % (a, node) for a in addrs)
    return ('{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1",'
            '"addressType":"IPv4","metadata":{"name":"svc-%d-x",'
            '"namespace":"default","labels":{"kubernetes.io/service-name":'
            '"svc-%d"}},"ports":[{"name":"http","protocol":"TCP","port":8080}],'
            '"endpoints":[%s]}' % (i, i, eps))


def write_list(path, items):
    with open(path, 'w') as f:
        f.write('{"kind":"List","apiVersion":"v1","items":[\n')
        f.write(',\n'.join(items))
        f.write('\n]}\n')


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def pcap(path, n, dst_mac, src_mac, vip, port, syn):
    mac = lambda s: bytes(int(x, 16) for x in s.split(':'))
    eth = mac(dst_mac) + mac(src_mac) + b'\x08\x00'
    vipb = socket.inet_aton(vip)
    proto = 6 if syn else 17
    l4len = 20 if syn else 8 + 18
    rec = struct.Struct('<IIII')
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            src = struct.pack('!I', ipn('10.244.0.16') + i // 50000)
            sport = 10000 + i % 50000
            h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + l4len, 0, 0x4000,
                            64, proto, 0, src, vipb)
            h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
            pseudo = src + vipb + struct.pack('!BBH', 0, proto, l4len)
            if syn:
                l4 = struct.pack('!HHIIBBHHH', sport, port, i, 0, 5 << 4,
                                 0x02, 65535, 0, 0)
                l4 = l4[:16] + struct.pack('!H', csum(pseudo + l4)) + l4[18:]
            else:
                l4 = struct.pack('!HHHH', sport, port, l4len, 0) + bytes(18)
                c = csum(pseudo + l4) or 0xffff
                l4 = l4[:6] + struct.pack('!H', c) + l4[8:]
            frame = eth + h + l4
            frame += bytes(max(0, 60 - len(frame)))
            f.write(rec.pack(0, 0, len(frame), len(frame)) + frame)


def main(a):
    if a[0] == 'list':
        n, eps = int(a[2]), int(a[3])
        node = a[4] if len(a) > 4 else 'other'
        base = ipn('10.245.0.0')
        items = []
        for i in range(n):
            items.append(service(i))
            items.append(endpoint_slice(
                i, [ip(base + i * eps + j) for j in range(eps)], node))
        write_list(a[1], items)
    elif a[0] in ('slice', 'one'):
        i, eps, base = int(a[2]), int(a[3]), ipn(a[4])
        s = endpoint_slice(i, [ip(base + j) for j in range(eps)], 'other')
        if a[0] == 'slice':
            with open(a[1], 'w') as f:
                f.write(s + '\n')
        else:
            write_list(a[1], [service(i), s])
    elif a[0] == 'svc':
        with open(a[1], 'w') as f:
            f.write(service(int(a[2]), int(a[3])) + '\n')
    elif a[0] == 'pcap':
        pcap(a[1], int(a[2]), a[3], a[4], a[5], int(a[6]),
             len(a) > 7 and a[7] == 'SYN')
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
