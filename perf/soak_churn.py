#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""REST churn of perf/soak.sh: changes over podswitch's Unix socket until
SIGTERM, then writes a JSON summary to OUT.

  soak_churn.py SOCKET OUT PERIOD_MS PLUG_JSON ENDPOINTS_JSON

PERIOD_MS 0: no table churn; PLUG_JSON "": no unplug/plug (to tell their
effects apart).

Every PERIOD_MS one call, in a cycle: add a route, apply a service, give it
endpoints, change the endpoints of the loaded services, delete an older
route, delete an older service. The endpoint change of the loaded services
("web" and "dns", from ENDPOINTS_JSON) flips a not-ready, not-serving
endpoint in and out: the endpoint table is rewritten each time while the
traffic must not notice. Another thread unplugs and plugs the pod port of
PLUG_JSON (a POST /v1/ports body) every second.

Every call is timed; a call that does not answer 2xx is a failure. The
summary has calls, failures, the slowest call and the calls over 1 s with
their time of day, so that a stall can be matched with the traffic's.
"""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time

# traffic.py's pacing: next to this file in a soak's copy, else in the tree
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_here, os.path.join(_here, "..", "test", "e2e")]
from traffic import paced  # noqa: E402

SLOW_S = 1.0


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("podswitch", timeout=30)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self.path)
        self.sock = s


class Client:
    """One keep-alive connection; counts and times every call."""

    def __init__(self, path, totals, lock):
        self.path = path
        self.conn = None
        self.totals = totals
        self.lock = lock

    def call(self, method, url, body=None):
        t0 = time.monotonic()
        status, why = 0, ""
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = UnixConn(self.path)
                data = json.dumps(body).encode() if body is not None else None
                hdr = {"Content-Type": "application/json"} if data else {}
                self.conn.request(method, url, body=data, headers=hdr)
                r = self.conn.getresponse()
                text = r.read()
                status = r.status
                why = text[:200].decode(errors="replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                # The server may close an idle keep-alive connection: one
                # reconnect, as any client does.
                self.conn.close()
                self.conn = None
                why = repr(e)
                if attempt == 1:
                    break
            except Exception as e:  # noqa: BLE001 - every failure counts
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                why = repr(e)
                break
        ms = (time.monotonic() - t0) * 1000.0
        t = self.totals
        with self.lock:
            t["calls"] += 1
            t["max_ms"] = max(t["max_ms"], ms)
            if ms > SLOW_S * 1000.0:
                t["slow"].append("%s %s %s %.0f ms" % (
                    time.strftime("%H:%M:%S"), method, url, ms))
                del t["slow"][50:]
            if not 200 <= status < 300:
                t["failed"] += 1
                t["errors"].append("%s %s %s -> %d %s" % (
                    time.strftime("%H:%M:%S"), method, url, status, why))
                del t["errors"][50:]
        return status


def service(name, vip):
    return {"kind": "Service", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "soak"},
            "spec": {"type": "ClusterIP", "clusterIP": vip,
                     "ports": [{"name": "p", "protocol": "TCP", "port": 80,
                                "targetPort": 8080}]}}


def slice_of(svc, ns, proto, port, ready, unready=()):
    eps = [{"addresses": [a], "conditions": {"ready": True}} for a in ready]
    eps += [{"addresses": [a], "conditions": {"ready": False,
                                               "serving": False,
                                               "terminating": True}}
            for a in unready]
    return {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "addressType": "IPv4",
            "metadata": {"name": svc + "-x", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": svc}},
            "ports": [{"name": "p", "protocol": proto, "port": port}],
            "endpoints": eps}


def churn(cl, period, eps, stop):
    """The 10 ms cycle; returns when stop is set, having undone its
    routes and services."""
    routes, svcs = [], []
    st = {"k": 0, "step": 0, "flip": False}

    def once():
        k = st["k"]
        op = st["step"] % 6
        st["step"] += 1
        if op == 0:
            dst = "10.250.%d.0/24" % (k % 250)
            if cl.call("POST", "/v1/routes",
                       {"dst": dst, "gateway": eps["gateway"]}) == 201:
                routes.append(dst)
        elif op == 1:
            name = "churn-%d" % k
            if cl.call("PUT", "/v1/services/soak/" + name,
                       service(name, "10.96.3.%d" % (k % 250 + 1))) < 300:
                svcs.append(name)
        elif op == 2:
            n = k % 3 + 1
            cl.call("PUT", "/v1/services/soak/churn-%d/endpoints" % k,
                    slice_of("churn-%d" % k, "soak", "TCP", 8080,
                             eps["servers"][:n]))
        elif op == 3:
            st["flip"] = not st["flip"]
            spare = [eps["spare"]] if st["flip"] else []
            svc = "web" if (k % 2) else "dns"
            proto, port = ("TCP", 8080) if svc == "web" else ("UDP", 5353)
            cl.call("PUT", "/v1/services/default/%s/endpoints" % svc,
                    slice_of(svc, "default", proto, port, eps["servers"],
                             spare))
        elif op == 4:
            if len(routes) > 8:
                cl.call("DELETE", "/v1/routes/" +
                        routes.pop(0).replace("/", "_"))
        else:
            if len(svcs) > 4:
                cl.call("DELETE", "/v1/services/soak/" + svcs.pop(0))
            st["k"] += 1

    paced(stop.is_set, period, once)
    for dst in routes:
        cl.call("DELETE", "/v1/routes/" + dst.replace("/", "_"))
    for name in svcs:
        cl.call("DELETE", "/v1/services/soak/" + name)
    cl.call("PUT", "/v1/services/default/web/endpoints",
            slice_of("web", "default", "TCP", 8080, eps["servers"]))
    cl.call("PUT", "/v1/services/default/dns/endpoints",
            slice_of("dns", "default", "UDP", 5353, eps["servers"]))


def plug(cl, body, stop, totals):
    """Unplug and plug the port every second; leaves it plugged."""
    plugged = True
    while not stop.wait(1.0):
        if plugged:
            plugged = cl.call("DELETE", "/v1/ports/" + body["name"]) != 204
        else:
            plugged = cl.call("POST", "/v1/ports", body) == 201
            totals["plug_cycles"] += plugged
    if not plugged:
        cl.call("POST", "/v1/ports", body)


def main():
    path, out, period = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000
    body = json.loads(sys.argv[4]) if sys.argv[4] else None
    eps = json.loads(sys.argv[5])
    totals = {"calls": 0, "failed": 0, "max_ms": 0.0, "slow": [],
              "errors": [], "plug_cycles": 0}
    lock = threading.Lock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    t = threading.Thread(target=plug, args=(Client(path, totals, lock), body,
                                            stop, totals))
    if body is not None:
        t.start()
    if period > 0:
        churn(Client(path, totals, lock), period, eps, stop)
    else:
        stop.wait()
    if body is not None:
        t.join()
    totals["max_ms"] = round(totals["max_ms"], 1)
    with open(out, "w") as f:
        json.dump(totals, f)


if __name__ == "__main__":
    main()
