#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The backend of the end-to-end service tests: it says who it is and who
asked, so that a test sees which endpoint a connection reached and from
which address (DNAT, SNAT, hairpin).

  echo_server.py NAME [--bind ADDR] [--http PORT] [--udp PORT]
                 [--echo PORT] [--name-only]

  HTTP/1.0 on ADDR:PORT (default 0.0.0.0:8080): GET answers
      "NAME CLIENT_IP\\n" ("NAME\\n" with --name-only)
  UDP on 0.0.0.0:PORT (default 5353, 0: none): every datagram is answered
      with NAME
  --echo PORT: a TCP server on 0.0.0.0:PORT sending back every line it
      gets (a long-lived connection to watch)

Runs until killed. Unlike traffic.py's server it closes every HTTP
connection after one answer, so that each request is a new connection.
"""
import argparse
import http.server
import socket
import socketserver
import threading


def udp_server(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        _, a = s.recvfrom(2048)
        s.sendto(name.encode(), a)


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--http", type=int, default=8080)
    ap.add_argument("--udp", type=int, default=5353)
    ap.add_argument("--echo", type=int, default=0)
    ap.add_argument("--name-only", action="store_true")
    args = ap.parse_args()
    name = args.name

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            who = "" if args.name_only else " " + self.client_address[0]
            b = ("%s%s\n" % (name, who)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def log_message(self, *a):
            pass

    if args.udp:
        threading.Thread(target=udp_server, args=(name, args.udp),
                         daemon=True).start()
    if args.echo:
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        e = socketserver.ThreadingTCPServer(("0.0.0.0", args.echo), Echo)
        threading.Thread(target=e.serve_forever, daemon=True).start()
    # bursts of connections (300 curls, 500 maglev flows) must not
    # overflow the listen queue
    http.server.ThreadingHTTPServer.request_queue_size = 128
    http.server.ThreadingHTTPServer((args.bind, args.http), H).serve_forever()


if __name__ == "__main__":
    main()
