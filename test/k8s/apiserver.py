#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A test Kubernetes API server: the test double for podswitch-agent.

No kube-apiserver package exists for the test machines, so this speaks the
part of the API that node agents (kube-proxy, flannel, podswitch-agent) and
`kubectl get` use, with objects in the shapes the real server sends. Its
fidelity is checked with the real kubectl (test/k8s/test_apiserver.sh).

Resources: v1 Services, v1 Nodes, v1 Namespaces, v1 Pods,
discovery.k8s.io/v1 EndpointSlices and networking.k8s.io/v1
NetworkPolicies (the namespaced ones cluster-wide and per namespace).

Protocol (as kube-apiserver):
  GET  /version, /api, /apis, /api/v1, /apis/discovery.k8s.io[/v1]
       discovery (legacy shapes; kubectl falls back to them).
  GET  <collection>?limit=N&continue=TOKEN
       a List ("ServiceList", ...) whose metadata.resourceVersion is the
       store's version; items carry no kind/apiVersion, as the real ones.
       With limit, metadata.continue (and remainingItemCount) until the
       last page. A token older than the compaction point answers 410
       (reason Expired).
  GET  <collection>?watch=1&resourceVersion=RV&allowWatchBookmarks=true
       &timeoutSeconds=T
       a chunked stream, one JSON event per line: ADDED, MODIFIED, DELETED
       with the whole object, BOOKMARK (an object with only
       metadata.resourceVersion) every --bookmark-interval seconds when
       asked, and ERROR with a Status (code 410 "too old resource version")
       when RV is older than the compaction point, after which the stream
       ends. No RV (or "0"): ADDED for every object first. The stream ends
       after timeoutSeconds.
  GET|PUT|PATCH|DELETE <collection>/<name>, POST <collection>
       one object; PATCH takes application/merge-patch+json (and
       strategic-merge-patch, applied as a merge patch). Every write bumps
       the resourceVersion and is an event for the watches.
  Authentication: with --token, "Authorization: Bearer TOKEN" is required
  (401 otherwise); with --client-ca, a client certificate signed by it is
  accepted instead.

Control endpoints for tests (/_test/..., same authentication):
  PUT  /_test/objects           an object or a List: create or replace each
                                (kind decides the resource), one event each
  DELETE /_test/objects/<resource>/<ns or ->/<name>
  POST /_test/drop              cut every open watch stream (no final chunk)
  POST /_test/expire            compact: every version handed out is too old
                                (watches from it get the ERROR 410; list
                                continue tokens 410); open watches are cut
  POST /_test/delay?ms=N        hold every answer N ms (0: off)
  POST /_test/pause             stop answering: open watches are cut and
                                new requests wait (unanswered) until resume
  POST /_test/resume
  POST /_test/bookmarks?seconds=S   bookmark interval
  GET  /_test/stats             counters: requests, lists, watches (open
                                and total), per resource, and the version
"""

import argparse
import base64
import bisect
import copy
import json
import socket
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RESOURCES = {
    # name: (group/version prefix, kind, namespaced)
    "services": ("/api/v1", "Service", True),
    "endpointslices": ("/apis/discovery.k8s.io/v1", "EndpointSlice", True),
    "nodes": ("/api/v1", "Node", False),
    "namespaces": ("/api/v1", "Namespace", False),
    "pods": ("/api/v1", "Pod", True),
    "networkpolicies": ("/apis/networking.k8s.io/v1", "NetworkPolicy",
                        True),
}
# API groups other than the legacy core one
GROUPS = ("discovery.k8s.io", "networking.k8s.io")
KIND_TO_RES = {v[1]: k for k, v in RESOURCES.items()}
API_VERSION = {"services": "v1", "nodes": "v1", "namespaces": "v1",
               "pods": "v1", "endpointslices": "discovery.k8s.io/v1",
               "networkpolicies": "networking.k8s.io/v1"}
SHORT = {"services": ["svc"], "nodes": ["no"], "namespaces": ["ns"],
         "pods": ["po"], "endpointslices": [], "networkpolicies": ["netpol"]}


def now_rfc3339():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason,
            "code": code}


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


class Store:
    def __init__(self):
        self.lock = threading.Condition()
        self.rv = 100
        self.compacted = 0          # versions below this are too old
        self.objs = {r: {} for r in RESOURCES}
        self.events = []            # (rv, resource, type, obj)
        self.event_rvs = []         # their rvs, for bisect
        self.drop_gen = 0           # bumped to cut open watches
        self.paused = False
        self.delay_ms = 0
        self.bookmark_s = 1.0
        self.stats = {"requests": 0, "lists": {}, "watches": {},
                      "open_watches": {}, "writes": 0}
        for r in RESOURCES:
            self.stats["lists"][r] = 0
            self.stats["watches"][r] = 0
            self.stats["open_watches"][r] = 0

    def key(self, res, obj):
        md = obj.get("metadata", {})
        ns = md.get("namespace", "") if RESOURCES[res][2] else ""
        return (ns, md.get("name", ""))

    def _ensure_ns(self, ns):
        if ns and ("", ns) not in self.objs["namespaces"]:
            self._put("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": ns},
                                     "spec": {"finalizers": ["kubernetes"]},
                                     "status": {"phase": "Active"}})

    def _put(self, res, obj):
        obj = copy.deepcopy(obj)
        obj["kind"] = RESOURCES[res][1]
        obj["apiVersion"] = API_VERSION[res]
        md = obj.setdefault("metadata", {})
        if not md.get("name"):
            raise ValueError("metadata.name: required")
        if RESOURCES[res][2]:
            md.setdefault("namespace", "default")
            self._ensure_ns(md["namespace"])
        else:
            md.pop("namespace", None)
        k = self.key(res, obj)
        old = self.objs[res].get(k)
        self.rv += 1
        if old is not None:
            md["uid"] = old["metadata"]["uid"]
            md["creationTimestamp"] = old["metadata"]["creationTimestamp"]
        else:
            md.setdefault("uid", str(uuid.uuid4()))
            md.setdefault("creationTimestamp", now_rfc3339())
        md["resourceVersion"] = str(self.rv)
        self.objs[res][k] = obj
        self.events.append((self.rv, res,
                            "MODIFIED" if old is not None else "ADDED", obj))
        self.event_rvs.append(self.rv)
        self.stats["writes"] += 1
        self.lock.notify_all()
        return obj, old is None

    def since(self, rv, res, ns):
        """Events after rv of res (in ns); lock held."""
        i = bisect.bisect_right(self.event_rvs, rv)
        return [(t, o) for (_, r, t, o) in self.events[i:]
                if r == res and (ns is None or
                                 o["metadata"].get("namespace") == ns)]

    def put(self, res, obj):
        with self.lock:
            return self._put(res, obj)

    def delete(self, res, ns, name):
        with self.lock:
            old = self.objs[res].pop((ns if RESOURCES[res][2] else "", name),
                                     None)
            if old is None:
                return None
            self.rv += 1
            gone = copy.deepcopy(old)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            self.events.append((self.rv, res, "DELETED", gone))
            self.event_rvs.append(self.rv)
            self.stats["writes"] += 1
            self.lock.notify_all()
            return gone


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "podswitch-test-apiserver"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("apiserver: " + (fmt % args) + "\n")

    # ---------------------------------------------------------- plumbing
    @property
    def st(self):
        return self.server.store

    def send_json(self, code, obj):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def fail(self, code, reason, message):
        self.send_json(code, status(code, reason, message))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw else None

    def authorized(self):
        tok = self.server.token
        if tok is None:
            return True
        if self.headers.get("Authorization", "") == "Bearer " + tok:
            return True
        if self.server.client_ca and isinstance(self.connection,
                                                ssl.SSLSocket):
            if self.connection.getpeercert():
                return True
        return False

    def gate(self):
        """Pause, delay, authentication; False after answering."""
        st = self.st
        with st.lock:
            st.stats["requests"] += 1
            while st.paused:
                st.lock.wait(0.2)
            delay = st.delay_ms
        if delay:
            time.sleep(delay / 1000.0)
        if not self.authorized():
            self.fail(401, "Unauthorized", "Unauthorized")
            return False
        return True

    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")

    # ---------------------------------------------------------- routing
    def route(self, method):
        u = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        parts = [p for p in u.path.split("/") if p]
        try:
            if parts[:1] == ["_test"]:
                if not self.authorized():
                    return self.fail(401, "Unauthorized", "Unauthorized")
                return self.control(method, parts[1:], q)
            if not self.gate():
                return None
            if method == "GET" and self.discovery(u.path):
                return None
            res, ns, name = self.parse_path(parts)
            if res is None:
                return self.fail(404, "NotFound",
                                 "the server could not find the requested "
                                 "resource")
            if method == "GET" and name is None:
                if q.get("watch") in ("1", "true"):
                    return self.watch(res, ns, q)
                return self.list(res, ns, q)
            return self.one(method, res, ns, name)
        except (BrokenPipeError, ConnectionResetError):
            return None
        except (ValueError, json.JSONDecodeError) as e:
            return self.fail(400, "BadRequest", str(e))

    def parse_path(self, parts):
        """(resource, namespace or None, name or None) or (None,)*3."""
        for gv in ["api/v1"] + ["apis/%s/v1" % g for g in GROUPS]:
            g = gv.split("/")
            if parts[:len(g)] != g:
                continue
            rest = parts[len(g):]
            ns = None
            if len(rest) >= 3 and rest[0] == "namespaces" and \
                    rest[2] in RESOURCES:
                ns, rest = rest[1], rest[2:]
            if not rest or rest[0] not in RESOURCES or len(rest) > 2:
                return None, None, None
            res = rest[0]
            if RESOURCES[res][0] != "/" + gv:
                return None, None, None
            if ns is not None and not RESOURCES[res][2]:
                return None, None, None
            return res, ns, rest[1] if len(rest) == 2 else None
        return None, None, None

    # ---------------------------------------------------------- discovery
    def discovery(self, path):
        path = path.rstrip("/")
        if path == "/version":
            self.send_json(200, {"major": "1", "minor": "30",
                                 "gitVersion": "v1.30.0-podswitch-test",
                                 "platform": "linux/amd64"})
        elif path == "/api":
            self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                 "serverAddressByClientCIDRs": [
                                     {"clientCIDR": "0.0.0.0/0",
                                      "serverAddress": self.server.address}]})
        elif path == "/apis":
            groups = []
            for g in GROUPS:
                gv = {"groupVersion": g + "/v1", "version": "v1"}
                groups.append({"name": g, "versions": [gv],
                               "preferredVersion": gv})
            self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                 "groups": groups})
        elif path in ["/apis/" + g for g in GROUPS]:
            g = path[len("/apis/"):]
            gv = {"groupVersion": g + "/v1", "version": "v1"}
            self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1",
                                 "name": g,
                                 "versions": [gv], "preferredVersion": gv})
        elif path in ["/api/v1"] + ["/apis/%s/v1" % g for g in GROUPS]:
            gv = path[len("/api/"):] if path.startswith("/api/") \
                else path[len("/apis/"):]
            rl = []
            for r, (prefix, kind, nsd) in RESOURCES.items():
                if prefix != path:
                    continue
                rl.append({"name": r, "singularName": kind.lower(),
                           "namespaced": nsd, "kind": kind,
                           "verbs": ["create", "delete", "get", "list",
                                     "patch", "update", "watch"],
                           "shortNames": SHORT[r]})
            self.send_json(200, {"kind": "APIResourceList",
                                 "apiVersion": "v1", "groupVersion": gv,
                                 "resources": rl})
        else:
            return False
        return True

    # ---------------------------------------------------------- list
    def list(self, res, ns, q):
        st = self.st
        limit = int(q.get("limit") or 0)
        cont = q.get("continue")
        with st.lock:
            st.stats["lists"][res] += 1
            start = 0
            rv = st.rv
            if cont:
                try:
                    tok = json.loads(base64.b64decode(cont))
                    rv, start = int(tok["rv"]), int(tok["start"])
                except (ValueError, KeyError, TypeError):
                    return self.fail(400, "BadRequest",
                                     "invalid continue token")
                if rv < st.compacted:
                    return self.fail(
                        410, "Expired",
                        "The provided continue parameter is too old to "
                        "display a consistent list result. You can start "
                        "a new list without the continue parameter.")
            keys = sorted(k for k in st.objs[res]
                          if ns is None or k[0] == ns)
            page = keys[start:start + limit] if limit else keys[start:]
            items = []
            for k in page:
                o = dict(st.objs[res][k])
                o.pop("kind", None)
                o.pop("apiVersion", None)
                items.append(o)
            md = {"resourceVersion": str(rv)}
            nxt = start + len(page)
            if limit and nxt < len(keys):
                md["continue"] = base64.b64encode(json.dumps(
                    {"rv": rv, "start": nxt}).encode()).decode()
                md["remainingItemCount"] = len(keys) - nxt
        self.send_json(200, {"kind": RESOURCES[res][1] + "List",
                             "apiVersion": API_VERSION[res],
                             "metadata": md, "items": items})

    # ---------------------------------------------------------- watch
    def chunk(self, obj):
        data = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, res, ns, q):
        st = self.st
        timeout = float(q.get("timeoutSeconds") or 1800)
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        rv_s = q.get("resourceVersion") or "0"
        try:
            rv = int(rv_s)
        except ValueError:
            return self.fail(400, "BadRequest",
                             "invalid resourceVersion %r" % rv_s)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        deadline = time.monotonic() + timeout
        next_bm = time.monotonic() + st.bookmark_s
        with st.lock:
            st.stats["watches"][res] += 1
            st.stats["open_watches"][res] += 1
            gen = st.drop_gen
            if rv == 0:
                # no version: the current state first, as ADDED
                pending = [("ADDED", o) for _, o in
                           sorted(st.objs[res].items())
                           if ns is None or o["metadata"].get(
                               "namespace") == ns]
                rv = st.rv
            elif rv < st.compacted:
                pending = None
            else:
                pending = st.since(rv, res, ns)
                rv = st.rv
        try:
            if pending is None:
                self.chunk({"type": "ERROR", "object": status(
                    410, "Expired", "too old resource version: %d (%d)" %
                    (int(rv_s), st.compacted))})
                self.wfile.write(b"0\r\n\r\n")
                return None
            while True:
                for t, o in pending:
                    self.chunk({"type": t, "object": o})
                pending = []
                with st.lock:
                    while True:
                        if st.drop_gen != gen:
                            # cut: no final chunk, the client sees EOF
                            self.close_connection = True
                            try:
                                self.connection.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass
                            return None
                        new = st.since(rv, res, ns)
                        now = time.monotonic()
                        if new or now >= deadline or \
                                (bookmarks and now >= next_bm):
                            break
                        st.lock.wait(min(deadline, next_bm if bookmarks
                                         else deadline) - now)
                    rv = st.rv
                    cur = st.rv
                if new:
                    pending = new
                    continue
                if time.monotonic() >= deadline:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                    return None
                if bookmarks:
                    self.chunk({"type": "BOOKMARK", "object": {
                        "kind": RESOURCES[res][1],
                        "apiVersion": API_VERSION[res],
                        "metadata": {"resourceVersion": str(cur)}}})
                    next_bm = time.monotonic() + st.bookmark_s
        finally:
            with st.lock:
                st.stats["open_watches"][res] -= 1

    # ---------------------------------------------------------- one object
    def one(self, method, res, ns, name):
        st = self.st
        nsd = RESOURCES[res][2]
        if nsd and ns is None and method != "POST":
            return self.fail(404, "NotFound", "namespace required")
        key = (ns if nsd else "", name)
        if method == "GET":
            with st.lock:
                o = st.objs[res].get(key)
            if o is None:
                return self.fail(404, "NotFound", '%s "%s" not found' %
                                 (res, name))
            return self.send_json(200, o)
        if method == "DELETE":
            gone = st.delete(res, ns or "", name)
            if gone is None:
                return self.fail(404, "NotFound", '%s "%s" not found' %
                                 (res, name))
            return self.send_json(200, gone)
        body = self.body()
        if not isinstance(body, dict):
            raise ValueError("body: must be an object")
        if method == "PATCH":
            ctype = self.headers.get("Content-Type", "")
            if "json-patch+json" in ctype:
                return self.fail(415, "UnsupportedMediaType",
                                 "json-patch is not supported here")
            with st.lock:
                o = st.objs[res].get(key)
                if o is None:
                    return self.fail(404, "NotFound",
                                     '%s "%s" not found' % (res, name))
                new, _ = st._put(res, merge_patch(o, body))
            return self.send_json(200, new)
        if nsd:
            body.setdefault("metadata", {}).setdefault("namespace", ns)
        if method == "PUT":
            body.setdefault("metadata", {})["name"] = name
        new, created = st.put(res, body)
        return self.send_json(201 if created else 200, new)

    # ---------------------------------------------------------- control
    def control(self, method, parts, q):
        st = self.st
        cmd = parts[0] if parts else ""
        if cmd == "objects" and method in ("PUT", "POST"):
            body = self.body()
            items = body.get("items", []) if body.get("kind", "").endswith(
                "List") else [body]
            n = 0
            with st.lock:
                for it in items:
                    res = KIND_TO_RES.get(it.get("kind"))
                    if res is None:
                        raise ValueError("kind %r: not served" %
                                         it.get("kind"))
                    st._put(res, it)
                    n += 1
                rv = st.rv
            return self.send_json(200, {"objects": n,
                                        "resourceVersion": str(rv)})
        if cmd == "objects" and method == "DELETE" and len(parts) == 4:
            res, ns, name = parts[1], parts[2], parts[3]
            if res not in RESOURCES:
                raise ValueError("resource %r" % res)
            gone = st.delete(res, "" if ns == "-" else ns, name)
            return self.send_json(200 if gone else 404,
                                  {"deleted": gone is not None})
        with st.lock:
            if cmd == "drop":
                st.drop_gen += 1
            elif cmd == "expire":
                # as an etcd compaction after other writes: every version
                # handed out so far is too old, the next one is fine
                st.rv += 1
                st.compacted = st.rv
                st.drop_gen += 1
            elif cmd == "delay":
                st.delay_ms = int(q.get("ms", "0"))
            elif cmd == "pause":
                st.paused = True
                st.drop_gen += 1
            elif cmd == "resume":
                st.paused = False
            elif cmd == "bookmarks":
                st.bookmark_s = float(q.get("seconds", "1"))
            elif cmd == "stats":
                out = dict(st.stats, resourceVersion=st.rv,
                           compacted=st.compacted, paused=st.paused,
                           objects={r: len(v) for r, v in st.objs.items()})
                out = json.loads(json.dumps(out))
            else:
                return self.fail(404, "NotFound", "no control %r" % cmd)
            st.lock.notify_all()
        return self.send_json(200, out if cmd == "stats" else {"ok": cmd})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:6443")
    ap.add_argument("--cert", help="TLS certificate (PEM); none: plain HTTP")
    ap.add_argument("--key", help="its key")
    ap.add_argument("--client-ca", help="accept client certificates of this CA")
    ap.add_argument("--token", help="bearer token required")
    ap.add_argument("--objects", help="a List (JSON) to start with")
    ap.add_argument("--bookmark-interval", type=float, default=1.0)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)
    srv = ThreadingHTTPServer((host, int(port)), Handler)
    srv.daemon_threads = True
    srv.request_queue_size = 128
    srv.store = Store()
    srv.store.bookmark_s = a.bookmark_interval
    srv.token = a.token
    srv.client_ca = a.client_ca
    srv.verbose = a.verbose
    srv.address = a.listen
    if a.objects:
        with open(a.objects) as f:
            lst = json.load(f)
        for it in lst.get("items", []):
            srv.store.put(KIND_TO_RES[it["kind"]], it)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.load_verify_locations(a.client_ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
        # the handshake happens in the request's thread, not in accept
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    print("apiserver: listening on %s (%s)" % (a.listen,
          "https" if a.cert else "http"), file=sys.stderr, flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
