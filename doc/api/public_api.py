# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx extension: the ``public-api`` directive lists the public headers
and their functions, with the first sentence of each Doxygen comment, read
from the headers when the guides are built (so the list cannot go stale).
The full reference is the Doxygen HTML that ``ninja -C build doc`` writes
(doc/api/Doxyfile.in).

    .. public-api::
       :root: ../..
       :headers: lib/eal/include/rte_*.h drivers/*/*/rte_*.h
"""

import glob
import os
import re

from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList

COMMENT = re.compile(r'/\*\*(.*?)\*/', re.S)
# a declaration or inline definition at column 0 naming an rte_ function
DECL = re.compile(r'^(?![\s#*/]|return\b|typedef\b)[^\n;{}()]*?\b(rte_[a-z0-9_]+)\s*\(',
                  re.M)
ATTRS = re.compile(r'^[^;{}]*$', re.S)


def comment_text(raw):
    """The comment's lines without the leading ' * '."""
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        if line.startswith('*'):
            line = line[1:].strip()
        lines.append(line)
    return lines


def brief(raw):
    """First sentence of the description (or of @return when there is none)."""
    lines = comment_text(raw)
    text = []
    for line in lines:
        if line.startswith('@') or line.startswith('\\'):
            if text:
                break
            if line.startswith('@return'):
                text.append('Returns ' + line[len('@return'):].strip())
            continue
        if not line and text:
            break
        if line:
            text.append(line)
    s = re.sub(r'[@\\]p\s+(\w+)', r'\1', ' '.join(text))
    m = re.match(r'(.+?\.)(\s+[A-Z(]|$)', s)
    return (m.group(1) if m else s).strip()


def file_brief(src):
    for m in COMMENT.finditer(src):
        if '@file' in m.group(1):
            lines = [ln for ln in comment_text(m.group(1)) if not ln.startswith('@file')]
            return brief('\n'.join(lines))
    return ''


def functions(src):
    comments = [(m.start(), m.end(), m.group(1)) for m in COMMENT.finditer(src)]
    plain = [(m.start(), m.end()) for m in re.finditer(r'/\*.*?\*/', src, re.S)]
    seen = {}
    for m in DECL.finditer(src):
        name, pos = m.group(1), m.start()
        if name in seen or any(s <= pos < e for s, e in plain):
            continue
        doc = ''
        before = [c for c in comments if c[1] <= pos]
        if before and ATTRS.match(src[before[-1][1]:pos]):
            doc = brief(before[-1][2])
        seen[name] = doc
    return seen


def rst_escape(s):
    return s.replace('\\', '\\\\').replace('_', '\\_').replace('*', '\\*').replace('`', '\\`').replace('|', '\\|')


class PublicApi(Directive):
    option_spec = {'root': directives.unchanged, 'headers': directives.unchanged}

    def run(self):
        env = self.state.document.settings.env
        srcdir = os.path.dirname(env.doc2path(env.docname))
        root = os.path.normpath(os.path.join(srcdir, self.options.get('root', '.')))
        paths = []
        for pat in self.options.get('headers', '').split():
            paths += sorted(glob.glob(os.path.join(root, pat)))
        out = []
        total = 0
        for path in paths:
            env.note_dependency(path)
            with open(path, encoding='utf-8') as f:
                src = f.read()
            rel = os.path.relpath(path, root)
            funcs = functions(src)
            total += len(funcs)
            title = '``%s``' % os.path.basename(path)
            out += [title, '~' * len(title), '']
            desc = file_brief(src)
            out += ['%s (``%s``)' % (rst_escape(desc) if desc else 'No @file comment', rel), '']
            if not funcs:
                out += ['No functions (types and macros only).', '']
                continue
            out += ['.. list-table::', '   :widths: 35 65', '   :header-rows: 1', '',
                    '   * - function', '     - summary']
            for name in sorted(funcs):
                out += ['   * - ``%s()``' % name,
                        '     - %s' % (rst_escape(funcs[name]) or '*(no Doxygen comment)*')]
            out.append('')
        out += ['%d functions in %d headers.' % (total, len(paths)), '']
        node_list = []
        from docutils import nodes
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(StringList(out, source='public-api'), self.content_offset,
                                container, match_titles=True)
        node_list.extend(container.children)
        return node_list


def setup(app):
    app.add_directive('public-api', PublicApi)
    return {'version': '1', 'parallel_read_safe': True, 'parallel_write_safe': True}
