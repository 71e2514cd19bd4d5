#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bulk TCP and UDP both ways, for the end-to-end tests of kernel peers
with default offloads (TSO: the kernel hands segments of up to 64 KB to
the veth, checksums partial).

  bulk_server.py [--bind ADDR] [--port PORT] [--size BYTES]

  HTTP/1.1 on ADDR:PORT (default 0.0.0.0:8090):
    GET /big.bin  SIZE bytes (default 1 MiB), the same every time
    PUT or POST   answers with the sha256 (hex) of the body received
  UDP on ADDR:PORT: every datagram is sent back as it came (large ones
  too: 1400 bytes cross as one frame).

  bulk_server.py --sha [--size BYTES]: print the sha256 of /big.bin.

Runs until killed.
"""
import argparse
import hashlib
import http.server
import socket
import socketserver
import threading


def payload(size):
    block = bytes((i * 7 + 3) & 0xff for i in range(4096))
    return (block * (size // 4096 + 1))[:size]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""

    def log_message(self, *args):
        pass

    def reply(self, data):
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/big.bin":
            self.send_error(404)
            return
        self.reply(self.body)

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256()
        while n > 0:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            h.update(chunk)
            n -= len(chunk)
        self.reply((h.hexdigest() + "\n").encode())

    do_POST = do_PUT


def udp_echo(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=8090)
    ap.add_argument("--size", type=int, default=1 << 20)
    ap.add_argument("--sha", action="store_true")
    a = ap.parse_args()
    Handler.body = payload(a.size)
    if a.sha:
        print(hashlib.sha256(Handler.body).hexdigest())
        return
    threading.Thread(target=udp_echo, args=(a.bind, a.port),
                     daemon=True).start()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    with socketserver.ThreadingTCPServer((a.bind, a.port), Handler) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
