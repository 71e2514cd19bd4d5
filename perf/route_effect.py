#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Time for one route change to take effect on the data path.

Used by perf/route_prog.sh -D (perf/README.md). A sender in one network
namespace sends numbered UDP datagrams, each carrying its send time
(CLOCK_REALTIME, ns), at a steady rate towards a destination that a route
change moves from one egress port of podswitch to another. Receivers read
the frames with AF_PACKET sockets in the namespaces behind both egress
ports. Meanwhile the API is called over a kept-alive Unix-socket
connection: POST a more specific route (the stream moves to egress 1),
wait, DELETE it (it moves back to egress 0), N times, each call
time-stamped just before the request is written (t0) and just after the
whole response is read (t1), on the same clock.

For each call: the first datagram that took the new path and the last one
that took the old path bracket the instant the change took effect, in
send-time terms; the effect time is the first-new send time minus t0 (and
minus t1). A datagram is looked up some time after it is sent (the path
latency, also printed), so the send-time figure can be early by up to that
latency (even negative); the first-new datagram's receive time minus t0
(rx_ms) is late by the rest of the path: the change took effect between
the two. Datagrams lost or seen on the old path after the first one on
the new path are counted (a table change must not lose or mix packets).

Only the Python standard library; needs root (setns, AF_PACKET).
"""
import argparse
import ctypes
import json
import multiprocessing as mp
import os
import select
import socket
import statistics
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
PR_SET_TIMERSLACK = 29
PACKET_OUTGOING = 4
MAGIC = b"PSRE"
PAYLOAD = struct.Struct("!4sQQ")  # magic, seq, send time (ns, realtime)

libc = ctypes.CDLL(None, use_errno=True)


def in_netns(ns, fn):
    """fn() run with this thread in network namespace ns."""
    cur = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        return fn()
    finally:
        libc.setns(cur, CLONE_NEWNET)
        os.close(fd)
        os.close(cur)


def sender(ns, dst, port, rate, stop, sent):
    # sleeps of tens of microseconds need a small timer slack
    libc.prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0)
    s = in_netns(ns, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    s.connect((dst, port))
    interval = int(1e9 / rate)
    nxt = time.monotonic_ns()
    seq = 0
    while not stop.is_set():
        for _ in range(64):
            now = time.monotonic_ns()
            if now < nxt:
                time.sleep((nxt - now) / 1e9)
            try:
                s.send(PAYLOAD.pack(MAGIC, seq, time.time_ns()))
            except OSError:
                pass  # ARP not resolved yet: counted as lost
            seq += 1
            nxt += interval
            if nxt < now - 1_000_000:
                nxt = now  # descheduled: no catch-up burst
    sent.value = seq


def receiver(rx, out, stop, ready):
    socks = []
    for ns, ifname in rx:
        def mk(ifname=ifname):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                              socket.htons(0x0800))
            s.bind((ifname, 0))  # the name is resolved in ns
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            return s
        socks.append(in_netns(ns, mk))
    idx = {s.fileno(): i for i, s in enumerate(socks)}
    ready.set()
    recs = []
    while not stop.is_set():
        r, _, _ = select.select(socks, [], [], 0.05)
        for s in r:
            while True:
                try:
                    data, addr = s.recvfrom(2048, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                t = time.time_ns()
                if addr[2] == PACKET_OUTGOING or len(data) < 34:
                    continue
                ihl = (data[14] & 0xF) * 4
                if data[23] != 17:
                    continue
                p = 14 + ihl + 8
                if len(data) < p + PAYLOAD.size:
                    continue
                magic, seq, ts = PAYLOAD.unpack_from(data, p)
                if magic != MAGIC:
                    continue
                recs.append((seq, idx[s.fileno()], ts, t))
    with open(out, "w") as f:
        for r in recs:
            f.write("%d %d %d %d\n" % r)


class Api:
    """HTTP/1.1 over the API's Unix socket, one kept-alive connection."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def call(self, method, path, body=None):
        b = json.dumps(body).encode() if body is not None else b""
        req = (f"{method} {path} HTTP/1.1\r\nHost: podswitch\r\n"
               f"Content-Type: application/json\r\n"
               f"Content-Length: {len(b)}\r\n\r\n").encode() + b
        t0 = time.time_ns()
        self.s.sendall(req)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        code = int(lines[0].split()[1])
        clen = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "content-length":
                clen = int(v)
        while len(self.buf) < clen:
            self.buf += self.s.recv(65536)
        self.buf = self.buf[clen:]
        t1 = time.time_ns()
        return code, t0, t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api", required=True, help="API Unix socket")
    ap.add_argument("--src-ns", required=True)
    ap.add_argument("--dst", required=True, help="destination address")
    ap.add_argument("--port", type=int, default=9999)
    ap.add_argument("--rx", action="append", required=True,
                    help="NS:IFACE behind egress 0 (first) and 1 (second)")
    ap.add_argument("--route", required=True,
                    help="JSON route to POST (moves the stream to egress 1)")
    ap.add_argument("--rate", type=int, default=10000, help="datagrams/s")
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--gap", type=float, default=0.3,
                    help="seconds between calls")
    ap.add_argument("--work", default=".")
    a = ap.parse_args()
    rx = [tuple(x.split(":", 1)) for x in a.rx]
    route = json.loads(a.route)
    dst = route["dst"].replace("/", "_")
    recfile = os.path.join(a.work, "effect_rx.txt")

    stop_tx, stop_rx, ready = mp.Event(), mp.Event(), mp.Event()
    sent = mp.Value("q", 0)
    prx = mp.Process(target=receiver, args=(rx, recfile, stop_rx, ready))
    prx.start()
    ready.wait(10)
    ptx = mp.Process(target=sender,
                     args=(a.src_ns, a.dst, a.port, a.rate, stop_tx, sent))
    ptx.start()
    api = Api(a.api)
    time.sleep(1.0)  # ARP, and the stream settles
    calls = []
    for k in range(a.trials):
        code, t0, t1 = api.call("POST", "/v1/routes", route)
        calls.append(("post", k + 1, code, t0, t1, 1))
        time.sleep(a.gap)
        code, t0, t1 = api.call("DELETE", "/v1/routes/" + dst)
        calls.append(("delete", k + 1, code, t0, t1, 0))
        time.sleep(a.gap)
    stop_tx.set()
    ptx.join()
    time.sleep(0.3)
    stop_rx.set()
    prx.join()

    recs = []
    with open(recfile) as f:
        for ln in f:
            seq, eg, ts, tr = map(int, ln.split())
            recs.append((seq, eg, ts, tr))
    recs.sort()
    nsent = sent.value
    got = len(recs)
    lat = sorted(r[3] - r[2] for r in recs)
    print(f"sent {nsent} datagrams at {a.rate}/s, received {got} "
          f"({nsent - got} lost, incl. before ARP resolved), "
          f"egress 0: {sum(1 for r in recs if r[1] == 0)}, "
          f"egress 1: {sum(1 for r in recs if r[1] == 1)}")
    if lat:
        print("send-to-receive (sender -> podswitch -> receiver socket): "
              f"median {lat[len(lat) // 2] / 1e3:.0f} us, "
              f"p99 {lat[int(len(lat) * 0.99)] / 1e3:.0f} us")
    print(f"{'op':7} {'trial':>5} {'code':>4} {'api_ms':>8} "
          f"{'effect_ms':>10} {'rx_ms':>7} {'after_resp_ms':>13} "
          f"{'bracket_us':>10} {'lost':>5} {'mixed':>5}")
    res = {"post": [], "delete": []}
    resrx = {"post": [], "delete": []}
    ok = True
    for i, (op, k, code, t0, t1, new) in enumerate(calls):
        # the datagrams sent from halfway since the previous call to
        # halfway to the next one
        lo = t0 - int(a.gap * 5e8)
        hi = t0 + int(a.gap * 5e8)
        win = [r for r in recs if lo <= r[2] < hi]
        first = next((j for j, r in enumerate(win) if r[1] == new), None)
        if code // 100 != 2 or first is None or first == 0:
            seqs = [r[0] for r in win]
            lost = (seqs[-1] - seqs[0] + 1) - len(seqs) if seqs else -1
            print(f"{op:7} {k:5} {code:4} {(t1 - t0) / 1e6:8.2f} "
                  f"{'not seen':>10} ({len(win)} datagrams sent in the "
                  f"window arrived, {lost} lost between them)")
            ok = False
            continue
        fn, lo_old = win[first], win[first - 1]
        mixed = sum(1 for r in win[first:] if r[1] != new)
        seqs = [r[0] for r in win]
        lost = (seqs[-1] - seqs[0] + 1) - len(seqs)
        eff = (fn[2] - t0) / 1e6
        effrx = (fn[3] - t0) / 1e6
        res[op].append(eff)
        resrx[op].append(effrx)
        print(f"{op:7} {k:5} {code:4} {(t1 - t0) / 1e6:8.2f} {eff:10.3f} "
              f"{effrx:7.3f} {(fn[2] - t1) / 1e6:13.3f} "
              f"{(fn[2] - lo_old[2]) / 1e3:10.0f} {lost:5} {mixed:5}")
    for op in ("post", "delete"):
        v, w = res[op], resrx[op]
        if v:
            print(f"{op.upper():7} effect after the request was written: "
                  f"median {statistics.median(v):.3f} ms "
                  f"(min {min(v):.3f}, max {max(v):.3f}) by send time, "
                  f"{statistics.median(w):.3f} ms (min {min(w):.3f}, "
                  f"max {max(w):.3f}) by receive time, n={len(v)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
