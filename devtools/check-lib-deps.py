#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The dependency graph of podswitch's static libraries, from a build.

    devtools/check-lib-deps.py BUILD_DIR [--dot]

Reads the static libraries of lib/ and modules/ from meson's
introspection data, and what each defines and needs from `nm`: library A
depends on library B when A uses a symbol B defines. Prints the graph
(text, or Graphviz with --dot) and exits 1 when:

  - the graph has a cycle (every library links whole into the daemon, so
    the linker would not say);
  - a library of lib/ needs one of modules/, or the infra module needs a
    feature module (infra is the bottom of the modules);
  - a library uses another without declaring it (link_with in meson,
    recorded by the build in modules/lib-deps.h).

Declared dependencies that no symbol needs are listed, not refused.
"""

import argparse
import json
import os
import re
import subprocess
import sys

INFRA = "ps_mod_infra"


def fail(msg):
    print(f"check-lib-deps: {msg}", file=sys.stderr)
    sys.exit(2)


def libraries(build):
    """name -> (archive path, 'lib' or 'modules') for our static libraries."""
    info = os.path.join(build, "meson-info")
    try:
        with open(os.path.join(info, "intro-targets.json")) as f:
            targets = json.load(f)
        with open(os.path.join(info, "meson-info.json")) as f:
            src = json.load(f)["directories"]["source"]
    except (OSError, ValueError, KeyError) as e:
        fail(f"{build}: not a meson build directory ({e})")
    libs = {}
    for t in targets:
        if t["type"] != "static library":
            continue
        rel = os.path.relpath(t["defined_in"], src)
        top = rel.split(os.sep)[0]
        if top in ("lib", "modules"):
            libs[t["name"]] = (t["filename"][0], top)
    return libs


def symbols(archive, defined):
    """The external symbols an archive defines, or those it leaves
    undefined (weak references excluded: nothing needs them)."""
    opt = "--defined-only" if defined else "--undefined-only"
    try:
        out = subprocess.run(["nm", "-g", opt, "--format=posix", archive],
                             check=True, capture_output=True,
                             text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f"nm {archive}: {e}")
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        # "name type [value size]"; member headers end with ':'
        if len(parts) < 2 or parts[0].endswith(":"):
            continue
        if not defined and parts[1] in ("w", "v"):
            continue
        syms.add(parts[0])
    return syms


def symbol_graph(libs):
    """lib -> {lib it needs: sorted symbols}; warnings of symbols defined
    twice."""
    owner, warnings = {}, []
    for name in sorted(libs):
        for s in symbols(libs[name][0], True):
            if s in owner and owner[s] != name:
                warnings.append(f"{s} defined in {owner[s]} and {name}")
            owner.setdefault(s, name)
    graph = {}
    for name in sorted(libs):
        edges = {}
        for s in symbols(libs[name][0], False):
            o = owner.get(s)
            if o is not None and o != name:
                edges.setdefault(o, []).append(s)
        graph[name] = {d: sorted(v) for d, v in edges.items()}
    return graph, warnings


def cycles(graph):
    """The strongly connected components of more than one library
    (Tarjan), each as a list."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def topo(graph, libs):
    """Libraries with what they need first (ties: lib/ before modules/,
    then by name); in a cycle, what is left comes last."""
    done, order = set(), []
    while len(order) < len(graph):
        ready = [v for v in sorted(graph, key=lambda v: (libs[v][1], v))
                 if v not in done and set(graph[v]) <= done]
        if not ready:
            order += [v for v in sorted(graph) if v not in done]
            break
        done.add(ready[0])
        order.append(ready[0])
    return order


def declared(build):
    """What each library declares it links: modules/meson.build writes
    it as '#define ps_mod_l2 "ps_mod_infra ps_fdb"' lines."""
    path = os.path.join(build, "modules", "lib-deps.h")
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    return {m.group(1): set(m.group(2).split())
            for m in re.finditer(r'^#define (\S+) "([^"]*)"$', text, re.M)}


def cycle_path(graph, comp):
    """One cycle through the component, as "a -> b -> a"."""
    comp = set(comp)
    start = min(comp)
    path, seen, v = [start], {start}, start
    while True:
        nxt = sorted(w for w in graph[v] if w in comp)
        back = [w for w in nxt if w in seen]
        if back:
            w = back[0]
            return " -> ".join(path[path.index(w):] + [w])
        v = nxt[0]
        path.append(v)
        seen.add(v)


def why(graph, a, b, n=3):
    s = graph[a][b]
    more = f", ... ({len(s)} symbols)" if len(s) > n else ""
    return ", ".join(s[:n]) + more


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="the meson build directory")
    ap.add_argument("--dot", action="store_true",
                    help="print the graph in Graphviz dot")
    args = ap.parse_args()

    libs = libraries(args.build)
    if not libs:
        fail(f"{args.build}: no static library of lib/ or modules/")
    graph, warnings = symbol_graph(libs)
    decl = declared(args.build)
    errors = []

    for comp in cycles(graph):
        errors.append(f"cycle among {', '.join(comp)}, for example "
                      + cycle_path(graph, comp))
    for a in sorted(graph):
        for b in sorted(graph[a]):
            if libs[a][1] == "lib" and libs[b][1] == "modules":
                errors.append(f"{a} (lib/) needs {b} (modules/): "
                              f"{why(graph, a, b)}")
            if a == INFRA and libs[b][1] == "modules":
                errors.append(f"{a} needs the feature module {b}: "
                              f"{why(graph, a, b)}")
            if decl is not None and b not in decl.get(a, set()):
                errors.append(f"{a} uses {b} without link_with: "
                              f"{why(graph, a, b)}")

    if args.dot:
        print("digraph podswitch_libs {")
        print("\trankdir=BT;")
        print("\tnode [shape=box];")
        for a in topo(graph, libs):
            style = ', style="rounded"' if libs[a][1] == "modules" else ""
            print(f'\t"{a}" [label="{a}"{style}];')
            for b in sorted(graph[a]):
                print(f'\t"{a}" -> "{b}";')
        print("}")
    else:
        print("library dependencies (what each uses; needed ones first):")
        for a in topo(graph, libs):
            deps = " ".join(sorted(graph[a])) or "-"
            print(f"  {a:16} -> {deps}")
    out = sys.stderr if args.dot else sys.stdout
    if decl is None:
        print("note: no modules/lib-deps.h in the build: declarations "
              "not checked", file=out)
    else:
        for a in sorted(decl):
            unused = sorted(d for d in decl[a]
                            if a in graph and d in libs
                            and d not in graph[a])
            if unused:
                print(f"note: {a} declares {' '.join(unused)} and uses "
                      "none of its symbols", file=out)
    for w in warnings:
        print(f"warning: {w}", file=out)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"ok: {len(graph)} libraries, no cycle", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
