# SPDX-License-Identifier: BSD-3-Clause
# Sphinx configuration of the memvfio guides:
#   sphinx-build -W -b html doc/guides build/doc/html
# (or "ninja -C build doc" when meson found sphinx-build).

import os
import sys

# the public-api directive (doc/api/public_api.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'api'))
extensions = ['public_api']

project = 'memvfio'
copyright = 'memvfio contributors, BSD-3-Clause'
master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = ['_build']
# Debian's python3-sphinx brings alabaster; "classic" needs nothing more.
html_theme = 'classic'
html_title = 'memvfio guides'
html_show_sourcelink = False
highlight_language = 'none'
# option names such as --no-huge must stay as typed
smartquotes = False
# The link to the Doxygen HTML (api.rst) is a plain relative URL: it
# resolves when both are built by "ninja -C build doc" (doc/meson.build).
