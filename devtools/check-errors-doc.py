#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that doc/guides/errors.rst catalogues every public function.

Every function declared in lib/eal/include/*.h, drivers/bus/pci/rte_bus_pci.h
and drivers/dma/edu/rte_edu.h must appear as ``name()`` in the catalogue, and
every autotest the catalogue names must be one of app/test/meson.build.
Usage: check-errors-doc.py [source root]
"""

import glob
import os
import re
import sys


def public_functions(root):
    headers = sorted(glob.glob(os.path.join(root, 'lib/eal/include/*.h')))
    headers += [os.path.join(root, 'drivers/bus/pci/rte_bus_pci.h'),
                os.path.join(root, 'drivers/dma/edu/rte_edu.h')]
    names = {}
    for h in headers:
        with open(h) as f:
            s = f.read()
        s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
        s = re.sub(r'//[^\n]*', '', s)
        s = re.sub(r'#[^\n]*(\\\n[^\n]*)*', '', s)
        # a declaration ends with ");", a definition (static inline) with "{"
        # trailing attributes: __attribute__((...)) or a macro such as
        # __rte_format_printf(3, 4)
        attr = r'(\s*[A-Za-z_]\w*\s*(\((\([^()]*\)|[^()])*\))?)*'
        for m in re.finditer(r'\b(rte_[a-z0-9_]+)\s*\([^;{()]*(\([^()]*\)[^;{()]*)*\)'
                             + attr + r'\s*;', s, flags=re.S):
            names.setdefault(m.group(1), os.path.relpath(h, root))
    return names


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    with open(os.path.join(root, 'doc/guides/errors.rst')) as f:
        doc = f.read()
    with open(os.path.join(root, 'app/test/meson.build')) as f:
        tests = set(re.findall(r"'([a-z0-9_]+_autotest)'", f.read()))
    funcs = public_functions(root)
    listed = set(re.findall(r'``(rte_[a-z0-9_]+)\(\)``', doc))
    cited = set(re.findall(r'``([a-z0-9_]+_autotest)``', doc))
    missing = sorted(n for n in funcs if n not in listed)
    unknown = sorted(cited - tests)
    for n in missing:
        print('errors.rst: %s() of %s is not catalogued: add its bad inputs, '
              'their rte_errno and the test that checks them' % (n, funcs[n]))
    for t in unknown:
        print('errors.rst: names %s, which is not a test of app/test/meson.build' % t)
    if not funcs:
        print('errors.rst: no public function found (wrong source root?)')
        return 1
    if missing or unknown:
        return 1
    print('errors.rst: all %d public functions catalogued, %d tests cited'
          % (len(funcs), len(cited)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
