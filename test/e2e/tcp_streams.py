#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Long-lived TCP streams for test_restart.sh.

server PORT OUT: accept connections; for each, count bytes and the longest
    time between two arrivals of data; rewrite OUT (JSON, keyed by the
    client's address:port as the server sees it) twice a second.
client HOST PORT N SECONDS OUT: open N connections, send 64 bytes on each
    every 20 ms for SECONDS, close them cleanly; OUT says per stream
    whether it ended without error and how many bytes were sent.
"""
import json
import socket
import sys
import threading
import time


def server(port, out):
    lock = threading.Lock()
    conns = {}

    def serve(c, key):
        last = time.monotonic()
        st = conns[key]
        while True:
            try:
                b = c.recv(65536)
            except OSError as e:
                st["end"] = "error: %s" % e
                break
            now = time.monotonic()
            if not b:
                st["end"] = "eof"
                break
            with lock:
                st["bytes"] += len(b)
                st["max_gap_ms"] = max(st["max_gap_ms"], int((now - last) * 1000))
            last = now
        c.close()

    def dump():
        while True:
            time.sleep(0.5)
            with lock:
                text = json.dumps(conns)
            with open(out + ".tmp", "w") as f:
                f.write(text)
            import os
            os.replace(out + ".tmp", out)

    threading.Thread(target=dump, daemon=True).start()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(256)
    while True:
        c, a = s.accept()
        key = "%s:%d" % a
        with lock:
            conns[key] = {"bytes": 0, "max_gap_ms": 0, "end": None}
        threading.Thread(target=serve, args=(c, key), daemon=True).start()


def client(host, port, n, seconds, out):
    res = [None] * n
    socks = []
    for i in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.settimeout(60)
        socks.append(s)
    payload = b"x" * 64
    t_end = time.monotonic() + seconds

    def run(i):
        s = socks[i]
        sent = 0
        try:
            while time.monotonic() < t_end:
                s.sendall(payload)
                sent += len(payload)
                time.sleep(0.02)
            s.shutdown(socket.SHUT_WR)
            # the server closes after our FIN: wait for its FIN
            s.settimeout(60)
            while s.recv(4096):
                pass
            res[i] = {"ok": True, "sent": sent, "local": "%s:%d" % s.getsockname()}
        except OSError as e:
            res[i] = {"ok": False, "sent": sent, "error": str(e),
                      "local": "%s:%d" % s.getsockname()}
        s.close()

    th = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]), sys.argv[3])
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               float(sys.argv[5]), sys.argv[6])
