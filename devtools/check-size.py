#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Report C functions and files that are too long.

usage: devtools/check-size.py [--max-function N] [--max-file N] [PATH...]

PATHs are files or directories (default: lib modules, from the top of the
repository); directories are searched for *.c and *.h. A function is found
the way the tree writes one (docs/contributing.md): its name and "(" at
column 0, the return type on the line above, "{" at column 0 after the
parameters and "}" at column 0 at its end. Its length counts from the name
line to the closing brace, both included. Prints one line per offender,
"file:line: ..." as a compiler does, then a count. Exit 1 if any.
"""
import argparse
import os
import re
import sys

NAME = re.compile(r'^([A-Za-z_]\w*)\s*\(')


def functions(lines):
    """Yield (name, first line number, length) of each definition."""
    i = 0
    n = len(lines)
    while i < n:
        m = NAME.match(lines[i])
        if m is None:
            i += 1
            continue
        # the parameters run to a "{" line (a definition) or a ";"
        # (a prototype, a macro call at file scope)
        j = i
        body = None
        while j < n:
            s = lines[j].rstrip()
            if s == '{' or (j > i and s.startswith('{')):
                body = j
                break
            if s.endswith('{') and s.endswith(') {'):
                body = j
                break
            if s.endswith(';') or (j > i and NAME.match(s)):
                break
            j += 1
        if body is None:
            i = j + 1 if j > i else i + 1
            continue
        k = body + 1
        while k < n and not lines[k].startswith('}'):
            k += 1
        yield m.group(1), i + 1, k - i + 1
        i = k + 1


def sources(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith('.')
                             and not d.startswith('build'))
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    yield os.path.join(root, f)


def main():
    ap = argparse.ArgumentParser(
        description='C functions and files over the size limits')
    ap.add_argument('--max-function', type=int, default=150)
    ap.add_argument('--max-file', type=int, default=1000)
    ap.add_argument('paths', nargs='*')
    a = ap.parse_args()
    paths = a.paths
    if not paths:
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        os.chdir(top)
        paths = [d for d in ('lib', 'modules') if os.path.isdir(d)]

    nfiles = nfuncs = 0
    for path in sources(paths):
        with open(path, encoding='utf-8', errors='replace') as f:
            lines = f.read().split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        if len(lines) > a.max_file:
            print(f'{path}:1: file is {len(lines)} lines '
                  f'(limit {a.max_file})')
            nfiles += 1
        for name, line, length in functions(lines):
            if length > a.max_function:
                print(f'{path}:{line}: function {name} is {length} lines '
                      f'(limit {a.max_function})')
                nfuncs += 1
    if nfiles or nfuncs:
        print(f'size: {nfuncs} functions over {a.max_function} lines, '
              f'{nfiles} files over {a.max_file} lines')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
