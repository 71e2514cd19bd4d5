#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The probes and truth tables of test_netpol.sh, in the shape of the
Kubernetes NetworkPolicy e2e suite (test/e2e/network/netpol: a model of
namespaces x, y, z with pods a, b, c, a reachability matrix per case).

  netpol.py serve NAME
      in a pod's namespace: TCP and UDP servers on ports 80 and 81. TCP
      sends "NAME\\n" on accept, then echoes every line (so that a
      connection can be kept open and watched); UDP answers every
      datagram with "NAME".

  netpol.py check MODEL --port P --proto tcp|udp --expect OPS
                  [--service] [--timeout S] [--tries N] [--title T]
      probes every ordered pair of the model's pods at once (81 probes
      for 9 pods), from inside the source pod's network namespace, and
      compares with the truth table OPS; the pairs that differ are
      probed again, up to N tries in all. Prints the tables as the
      upstream suite does (expected, observed, comparison: "." reachable
      or matching, "X" not) and exits 1 when they still differ.
      A pod to itself never crosses the switch: ignored, as upstream.
      --service: to the destination pod's ClusterIP instead of its IP.

  netpol.py hold MODEL FROM TO PORT SECONDS
      one TCP connection FROM -> TO, a line echoed every 0.2 s; prints
      one character per line sent ("." answered, "-" not within 0.5 s)
      and, at the end, the total answered. For the case of a policy
      that comes while a connection is open.

MODEL is a JSON list of {"name": "x/a", "netns": ..., "ip": ...,
"svc": CLUSTER_IP}. OPS is a ";"-separated list applied in order to an
all-reachable table:
  peer FROM TO 0|1     FROM, TO: "ns/pod" with "*" for any part
  ingress POD 0|1      (= peer */* POD)
  egress POD 0|1       (= peer POD */*)
"""
import argparse
import ctypes
import ctypes.util
import errno
import fnmatch
import json
import os
import selectors
import socket
import socketserver
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
PORTS = (80, 81)


# ------------------------------------------------------------------ serve

class Banner(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.wfile.write((self.server.name + "\n").encode())
            for line in self.rfile:
                self.wfile.write(line)
        except OSError:
            # a probe that closed at once, or a connection a policy
            # cut: nothing to say about it
            pass


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    # every other pod connects at once: socketserver's backlog of 5
    # would leave handshakes unaccepted (the client sees a connection,
    # and no banner, for seconds)
    request_queue_size = 128


def udp_loop(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        _, a = s.recvfrom(2048)
        s.sendto(name.encode(), a)


def serve(name):
    for p in PORTS:
        srv = TCPServer(("0.0.0.0", p), Banner)
        srv.name = name
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        threading.Thread(target=udp_loop, args=(name, p),
                         daemon=True).start()
    threading.Event().wait()


# ------------------------------------------------------------------ netns

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


class InNetns:
    """Sockets made inside it belong to the namespace (setns changes the
    calling thread's namespace only; the socket keeps its own after)."""

    def __init__(self, netns):
        self.path = "/run/netns/" + netns

    def __enter__(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            setns(fd)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        setns(self.home)
        os.close(self.home)


# ------------------------------------------------------------------ probes

class Probe:
    def __init__(self, src, dst, proto, addr, port):
        self.src, self.dst, self.proto = src, dst, proto
        self.addr = (addr, port)
        self.ok = False
        self.done = False
        self.buf = b""
        self.sent = 0
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.setblocking(False)

    def start(self):
        if self.proto == "tcp":
            e = self.sock.connect_ex(self.addr)
            if e not in (0, errno.EINPROGRESS):
                self.finish(False)
        else:
            self.send()

    def send(self):
        try:
            self.sock.sendto(b"probe", self.addr)
            self.sent += 1
        except OSError:
            pass

    def finish(self, ok):
        self.ok = ok
        self.done = True

    def event(self, mask):
        """Writable (TCP connected or refused) or readable."""
        if self.proto == "tcp" and mask & selectors.EVENT_WRITE and \
                not self.buf:
            e = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e != 0:
                self.finish(False)
                return
        if mask & selectors.EVENT_READ:
            try:
                d = self.sock.recv(256)
            except BlockingIOError:
                return
            except OSError:
                self.finish(False)
                return
            if self.proto == "udp":
                self.finish(d.decode(errors="replace") == self.dst)
                return
            if not d:
                self.finish(False)
                return
            self.buf += d
            if b"\n" in self.buf:
                self.finish(self.buf.split(b"\n")[0].decode(
                    errors="replace") == self.dst)


def probe_all(model, port, proto, service, timeout, pairs=None):
    """{(src, dst): bool} for every ordered pair (or those of pairs), all
    at once."""
    probes = []
    for s in model:
        with InNetns(s["netns"]):
            for d in model:
                if s is d or (pairs is not None and
                              (s["name"], d["name"]) not in pairs):
                    continue
                addr = d["svc"] if service else d["ip"]
                probes.append(Probe(s["name"], d["name"], proto, addr,
                                    port))
    for p in probes:
        p.start()
    sel = selectors.DefaultSelector()
    for p in probes:
        if not p.done:
            ev = selectors.EVENT_READ
            if proto == "tcp":
                ev |= selectors.EVENT_WRITE
            sel.register(p.sock, ev, p)
    t0 = time.monotonic()
    deadline = t0 + timeout
    # UDP has no handshake: a datagram lost before the path was warm
    # (ARP) is sent again, as agnhost's client would retry
    resend = [t0 + timeout * k / 3 for k in (1, 2)]
    while True:
        now = time.monotonic()
        pending = [p for p in probes if not p.done]
        if not pending or now >= deadline:
            break
        if resend and now >= resend[0]:
            resend.pop(0)
            for p in pending:
                if p.proto == "udp":
                    p.send()
        wait = deadline - now
        if resend:
            wait = min(wait, max(0.0, resend[0] - now))
        for key, mask in sel.select(wait):
            p = key.data
            if p.done:
                continue
            p.event(mask)
            if p.done:
                sel.unregister(p.sock)
            elif proto == "tcp" and mask & selectors.EVENT_WRITE:
                # connected: now only the banner matters
                sel.modify(p.sock, selectors.EVENT_READ, p)
    for p in probes:
        p.sock.close()
    return {(p.src, p.dst): p.ok for p in probes}


# ------------------------------------------------------------------ tables

def truth_table(names, ops):
    want = {(s, d): True for s in names for d in names if s != d}
    for op in filter(None, (o.strip() for o in ops.split(";"))):
        w = op.split()
        if w[0] == "peer" and len(w) == 4:
            frm, to, val = w[1], w[2], w[3]
        elif w[0] == "ingress" and len(w) == 3:
            frm, to, val = "*/*", w[1], w[2]
        elif w[0] == "egress" and len(w) == 3:
            frm, to, val = w[1], "*/*", w[2]
        else:
            raise SystemExit("netpol.py: bad op %r" % op)
        if val not in ("0", "1"):
            raise SystemExit("netpol.py: bad value in %r" % op)
        for s, d in want:
            if fnmatch.fnmatchcase(s, frm) and fnmatch.fnmatchcase(d, to):
                want[(s, d)] = val == "1"
    return want


def table(names, cell):
    """Rows are the sources (clients), columns the destinations."""
    out = ["-\t" + "\t".join(names)]
    for s in names:
        out.append(s + "\t" + "\t".join(
            "-" if s == d else cell(s, d) for d in names))
    return "\n".join(out)


def check(a):
    model = json.load(open(a.model))
    names = [p["name"] for p in model]
    want = truth_table(names, a.expect)
    what = "%s/%d%s" % (a.proto.upper(), a.port,
                        " via ClusterIPs" if a.service else "")
    # A probe that got through proves the path is open; one that did not
    # may have been unlucky (a machine too loaded to answer within the
    # timeout). So each try probes again only the pairs that differ:
    # an open pair found closed gets another chance, and a pair that
    # should be closed but got through is checked again once the policy
    # had time to be programmed. None is ever taken as matching without
    # a probe that matched.
    got, todo, ms = {}, None, 0
    for attempt in range(1, a.tries + 1):
        t0 = time.monotonic()
        got.update(probe_all(model, a.port, a.proto, a.service, a.timeout,
                             todo))
        ms += (time.monotonic() - t0) * 1000
        wrong = sorted(k for k in want if want[k] != got[k])
        if not wrong:
            print("%s: %d probes match the truth table (%d reachable, "
                  "%d tries, %.0f ms)" % (what, len(want),
                                          sum(got.values()), attempt, ms))
            return 0
        todo = set(wrong)
        if attempt < a.tries:
            time.sleep(a.pause)
    print("%s: %d of %d probes differ from the truth table after %d tries"
          % (what, len(wrong), len(want), a.tries))
    print("Expected:\n" + table(names, lambda s, d:
                                 "." if want[(s, d)] else "X"))
    print("Observed:\n" + table(names, lambda s, d:
                                 "." if got[(s, d)] else "X"))
    print("Comparison (X: differs):\n" + table(
        names, lambda s, d: "." if want[(s, d)] == got[(s, d)] else "X"))
    print("differing: " + " ".join(
        "%s->%s(%s)" % (s, d, "reached" if got[(s, d)] else "blocked")
        for s, d in wrong))
    return 1


# ------------------------------------------------------------------ hold

def hold(a):
    model = {p["name"]: p for p in json.load(open(a.model))}
    src, dst = model[a.src], model[a.dst]
    with InNetns(src["netns"]):
        s = socket.socket()
    s.settimeout(3)
    s.connect((dst["ip"], a.port))
    buf = b""
    while b"\n" not in buf:
        d = s.recv(256)
        if not d:
            break
        buf += d
    first, _, buf = buf.partition(b"\n")
    if first.decode(errors="replace") != a.dst:
        print("banner %r, not %r" % (first, a.dst))
        return 1
    s.settimeout(0.5)
    answered = 0
    end = time.monotonic() + a.seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        want = b"line %d\n" % i
        ok = False
        try:
            s.sendall(want)
            t = time.monotonic() + 0.5
            while len(buf) < len(want) and time.monotonic() < t:
                d = s.recv(256)
                if not d:
                    break
                buf += d
        except OSError:
            pass
        if buf.startswith(want):
            buf = buf[len(want):]
            ok = True
        else:
            # a late answer must not be taken for the next line's
            buf = b""
        answered += ok
        sys.stdout.write("." if ok else "-")
        sys.stdout.flush()
        time.sleep(0.2)
    print("\nanswered %d of %d" % (answered, i))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("name")
    p = sub.add_parser("check")
    p.add_argument("model")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--proto", choices=("tcp", "udp"), required=True)
    p.add_argument("--expect", default="")
    p.add_argument("--service", action="store_true")
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--tries", type=int, default=3)
    p.add_argument("--pause", type=float, default=1.0)
    p = sub.add_parser("hold")
    p.add_argument("model")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("seconds", type=float)
    a = ap.parse_args()
    if a.cmd == "serve":
        serve(a.name)
        return 0
    if a.cmd == "check":
        return check(a)
    return hold(a)


if __name__ == "__main__":
    sys.exit(main())
