#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check each library's exports against its version map and its headers.

Usage: check-symbols.py SRCROOT --lib MAP SHARED_OBJECT HEADER... [--lib ...]

For every library (a version map, the built shared object, its installed
headers) it fails when:
  - a function (or variable) that an installed header declares is in no
    section of the map (an application could not link it);
  - a map entry is not exported by the shared object, or is exported under
    another version node than the map's section;
  - the shared object exports a symbol that its map does not list;
  - an installed header that declares functions does not give them default
    visibility (#pragma GCC visibility push(default));
  - a header marks a function __rte_experimental that is not in
    EXPERIMENTAL, or EXPERIMENTAL lists a function its header does not mark;
  - an INTERNAL entry is not declared with __rte_internal in a header of
    the tree (lib/, drivers/);
  - any library exports a model, test or fault-injection symbol.
Prints one line per finding and a summary; exit status 1 on any finding.
"""

import os
import re
import subprocess
import sys

# Names that belong to test support, never to the product.
TEST_SYMBOL = re.compile(r'model|test|fail_nth|fault|fuzz', re.IGNORECASE)
SECTIONS = ('DPDK_23', 'EXPERIMENTAL', 'INTERNAL')


def strip_c(text):
    """Comments, preprocessor lines and brace bodies removed."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    # joined continuation lines, then no directive
    text = re.sub(r'\\\n', ' ', text)
    text = '\n'.join(l for l in text.split('\n')
                     if not l.lstrip().startswith('#'))
    # innermost braces first; extern "C" { ... } keeps its content
    text = re.sub(r'extern\s+"C"\s*\{', ' ', text)
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r'\{[^{}]*\}', ' ; ', text)
    return text


def header_decls(path):
    """{name: marker} of the functions and variables a header declares.

    marker is 'experimental', 'internal' or ''. Static inline functions,
    typedefs and struct/enum definitions declare nothing exported."""
    with open(path, encoding='utf-8') as f:
        text = strip_c(f.read())
    decls = {}
    for stmt in text.split(';'):
        stmt = ' '.join(stmt.split())
        if not stmt or stmt.startswith('typedef') or 'static' in stmt.split():
            continue
        if stmt == '}' or stmt.startswith(('struct ', 'enum ', 'union ')) \
                and '(' not in stmt:
            continue
        marker = ''
        if '__rte_experimental' in stmt:
            marker = 'experimental'
        elif '__rte_internal' in stmt:
            marker = 'internal'
        m = re.match(r'.*?RTE_DECLARE_PER_LCORE\(\s*[^,]+,\s*(\w+)\s*\)', stmt)
        if m:
            decls['per_lcore_' + m.group(1)] = marker
            continue
        name = None
        for m in re.finditer(r'(\w+)\s*\(', stmt):
            # attributes are not names; DPDK's __rte_panic() is
            if m.group(1) in ('__rte_format_printf', '__rte_aligned'):
                continue
            if not m.group(1).startswith('__') or \
                    m.group(1).startswith('__rte_'):
                name = m.group(1)
                break
        if name is None and re.search(r'\bextern\b', stmt):
            m = re.search(r'(\w+)\s*(\[[^\]]*\])?\s*$', stmt)
            name = m.group(1) if m else None
        if name is not None and re.match(r'[A-Za-z_]\w*$', name):
            decls[name] = marker
    return decls


def read_map(path):
    """{symbol: section} of a GNU ld version script."""
    with open(path, encoding='utf-8') as f:
        text = re.sub(r'#[^\n]*', '', f.read())
    syms = {}
    for m in re.finditer(r'(\w+)\s*\{(.*?)\}\s*(\w*)\s*;', text, flags=re.S):
        section, body = m.group(1), m.group(2)
        body = re.sub(r'\b(global|local)\s*:', ' ', body)
        for sym in body.replace('\n', ' ').split(';'):
            sym = sym.strip()
            if sym and sym != '*':
                syms[sym] = section
    return syms


def exported(so):
    """{symbol: version node} of the defined dynamic symbols of so."""
    out = subprocess.run(['nm', '-D', '--defined-only', '--with-symbol-versions', so],
                         check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2]
        if kind == 'A':     # a version node's own definition
            continue
        node = ''
        if '@' in name:
            name, node = name.split('@', 1)
            node = node.lstrip('@')
        syms[name] = node
    return syms


def tree_internal_marks(root):
    """Names declared with __rte_internal in any header under lib/, drivers/."""
    names = set()
    for top in ('lib', 'drivers'):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for fn in files:
                if fn.endswith('.h'):
                    for name, marker in header_decls(os.path.join(dirpath, fn)).items():
                        if marker == 'internal':
                            names.add(name)
    return names


def check_lib(root, mapfile, so, headers, internal_marked, problems):
    rel = os.path.relpath(mapfile, root)
    mapped = read_map(mapfile)
    for sym, section in mapped.items():
        if section not in SECTIONS:
            problems.append(f'{rel}: {sym} in unknown section {section} '
                            f'(use one of {", ".join(SECTIONS)})')
    exports = exported(so)
    decls = {}
    for h in headers:
        with open(h, encoding='utf-8') as f:
            if 'visibility push(default)' not in f.read() and header_decls(h):
                problems.append(f'{os.path.relpath(h, root)}: no "#pragma GCC visibility '
                                'push(default)" around its declarations (hidden, not exported)')
        for name, marker in header_decls(h).items():
            decls[name] = (marker, os.path.relpath(h, root))

    for name, (marker, h) in sorted(decls.items()):
        if name not in mapped:
            problems.append(f'{h}: {name} is declared but in no section of {rel}')
            continue
        section = mapped[name]
        if marker == 'experimental' and section != 'EXPERIMENTAL':
            problems.append(f'{h}: {name} is __rte_experimental but in {section} of {rel}')
        if marker == '' and section == 'EXPERIMENTAL':
            problems.append(f'{h}: {name} is in EXPERIMENTAL of {rel} but not marked __rte_experimental')
    for sym, section in sorted(mapped.items()):
        if sym not in exports:
            problems.append(f'{rel}: {sym} ({section}) is not exported by '
                            f'{os.path.basename(so)} (no such function, or hidden)')
        elif exports[sym] != section:
            problems.append(f'{rel}: {sym} is exported as {exports[sym] or "unversioned"}, map says {section}')
        if section == 'INTERNAL' and sym not in internal_marked:
            problems.append(f'{rel}: INTERNAL {sym} has no __rte_internal declaration in lib/ or drivers/')
        if section != 'INTERNAL' and sym not in decls:
            problems.append(f'{rel}: {section} {sym} is declared in no installed header of the library')
    for sym in sorted(exports):
        if sym not in mapped:
            problems.append(f'{os.path.basename(so)}: exports {sym}, which {rel} does not list')
        if TEST_SYMBOL.search(sym):
            problems.append(f'{os.path.basename(so)}: exports test-support symbol {sym}')
    counts = {s: sum(1 for v in mapped.values() if v == s) for s in SECTIONS}
    print(f'{os.path.basename(so)}: {len(exports)} exported; ' +
          ', '.join(f'{s} {n}' for s, n in counts.items()))


def main(argv):
    if len(argv) < 2 or '--lib' not in argv:
        print(__doc__)
        return 2
    root = argv[1]
    libs = []
    for arg in argv[2:]:
        if arg == '--lib':
            libs.append([])
        else:
            libs[-1].append(arg)
    internal_marked = tree_internal_marks(root)
    problems = []
    for lib in libs:
        if len(lib) < 2:
            print('--lib needs MAP SHARED_OBJECT [HEADER...]')
            return 2
        check_lib(root, lib[0], lib[1], lib[2:], internal_marked, problems)
    for p in problems:
        print(p)
    print(f'{len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
