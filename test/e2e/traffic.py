#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Peers of the end-to-end tests and of perf/soak.sh, one role per process.

  traffic.py server NAME [UDP_ADDR]   HTTP/1.1 on 8080 (keep-alive): GET /
                                      answers "NAME CLIENT_IP", /big 4 MiB;
                                      UDP on UDP_ADDR:5353 (default any)
                                      answers "NAME CLIENT_IP DATA" from the
                                      address it was asked on
  traffic.py tcp IP PORT RATE OUT     a new connection per request
  traffic.py keep IP PORT RATE OUT    one keep-alive connection, requests at
                                      RATE; reconnects (counted) if it breaks
  traffic.py udp IP PORT RATE OUT     one datagram per query, a new socket
                                      (new flow) each time

Clients run until SIGTERM/SIGINT, then write {"ok", "fail", "max_ms",
"slow", "errors"} as JSON to OUT: "slow" counts requests over 1 s, "errors"
the first few failures with their time, so a stall can be dated.
"""
import http.client
import http.server
import json
import signal
import socket
import sys
import threading
import time

SLOW_S = 1.0


BIG = b"x" * (4 << 20)


def server(name, udp_addr):
    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((udp_addr, 5353))
        while True:
            d, a = s.recvfrom(2048)
            s.sendto(("%s %s " % (name, a[0])).encode() + d, a)

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            b = BIG if self.path == "/big" else \
                ("%s %s\n" % (name, self.client_address[0])).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def log_message(self, *a):
            pass

    threading.Thread(target=udp, daemon=True).start()
    http.server.ThreadingHTTPServer.daemon_threads = True
    http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H).serve_forever()


class Stats:
    def __init__(self, out):
        self.out = out
        self.ok = 0
        self.fail = 0
        self.max_ms = 0.0
        self.slow = 0
        self.errors = []
        self.stop = False

    def done(self, t0, ok, why=""):
        ms = (time.monotonic() - t0) * 1000.0
        self.max_ms = max(self.max_ms, ms)
        if ms > SLOW_S * 1000.0:
            self.slow += 1
            if len(self.errors) < 20:
                self.errors.append("%s slow %.0f ms" % (
                    time.strftime("%H:%M:%S"), ms))
        if ok:
            self.ok += 1
        else:
            self.fail += 1
            if len(self.errors) < 20:
                self.errors.append("%s %s" % (time.strftime("%H:%M:%S"), why))

    def write(self):
        with open(self.out, "w") as f:
            json.dump({"ok": self.ok, "fail": self.fail,
                       "max_ms": round(self.max_ms, 1), "slow": self.slow,
                       "errors": self.errors}, f)


def paced(stopped, period, once):
    """once() every period seconds until stopped(); a late call does not
    make the next ones come in a burst."""
    nxt = time.monotonic()
    while not stopped():
        once()
        nxt += period
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
        else:
            nxt = time.monotonic()


def tcp_client(st, ip, port, rate):
    def once():
        t0 = time.monotonic()
        c = http.client.HTTPConnection(ip, port, timeout=5)
        try:
            c.request("GET", "/")
            r = c.getresponse()
            body = r.read()
            st.done(t0, r.status == 200 and body.startswith(b"s"),
                    "status %d" % r.status)
        except Exception as e:  # noqa: BLE001 - every failure counts
            st.done(t0, False, repr(e))
        finally:
            c.close()
    paced(lambda: st.stop, 1.0 / rate, once)


def keep_client(st, ip, port, rate):
    conn = [None]

    def once():
        t0 = time.monotonic()
        try:
            if conn[0] is None:
                conn[0] = http.client.HTTPConnection(ip, port, timeout=5)
            conn[0].request("GET", "/")
            r = conn[0].getresponse()
            body = r.read()
            st.done(t0, r.status == 200 and body.startswith(b"s"),
                    "status %d" % r.status)
        except Exception as e:  # noqa: BLE001
            st.done(t0, False, repr(e))
            conn[0].close()
            conn[0] = None
    paced(lambda: st.stop, 1.0 / rate, once)


def udp_client(st, ip, port, rate):
    seq = [0]

    def once():
        t0 = time.monotonic()
        seq[0] += 1
        q = ("q%d" % seq[0]).encode()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.sendto(q, (ip, port))
            d, _ = s.recvfrom(2048)
            st.done(t0, d.endswith(b" " + q), "wrong answer %r" % d[:40])
        except Exception as e:  # noqa: BLE001
            st.done(t0, False, repr(e))
        finally:
            s.close()
    paced(lambda: st.stop, 1.0 / rate, once)


def main():
    role = sys.argv[1]
    if role == "server":
        server(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "0.0.0.0")
        return
    ip, port, rate, out = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), \
        sys.argv[5]
    st = Stats(out)

    def stop(*_):
        st.stop = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    {"tcp": tcp_client, "keep": keep_client, "udp": udp_client}[role](
        st, ip, port, rate)
    st.write()


if __name__ == "__main__":
    main()
