"""Real-user monitoring: Core Web Vitals reported by the visitors' browsers.

``/rum.js`` (web-vitals from the npm registry plus ``snippet.js``) measures LCP, INP, CLS and
TTFB in a visitor's browser and posts them to ``/rum/<site>``; ``collect`` checks and counts
them per site, page and device class and writes them as stored histograms; ``report`` reads
them back as p75 per page and device over any window. Configured by the ``rum:`` section
(``config``).

``warden.config`` is imported first so that its schema (which embeds this package's config
model) is built before any module here asks for ``warden.config._base``.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (import order: see the docstring)
