"""What a page references, read with the standard library's HTML parser.

Collects scripts, stylesheets and images (with their loading, size and ``<picture>`` source
types), inline script/style sizes, ``<base href>`` and a CSP given in ``<meta http-equiv>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass(frozen=True, slots=True)
class ImageRef:
    url: str
    index: int  # order among the page's <img> elements
    loading: str | None
    width: int | None
    height: int | None
    modern_sources: tuple[str, ...]  # image/webp, image/avif offered by a <picture>


@dataclass(slots=True)
class PageRefs:
    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    inline_script_bytes: int = 0
    inline_style_bytes: int = 0
    meta_csp: str | None = None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    digits = value.strip().removesuffix("px")
    return int(digits) if digits.isdigit() else None


class _Collector(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.refs = PageRefs()
        self._inline: str | None = None  # "script" or "style" while inside an inline one
        self._picture: list[str] | None = None

    def _url(self, value: str | None) -> str | None:
        if not value or value.startswith(("data:", "javascript:", "#", "about:")):
            return None
        return urljoin(self.base, value.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v for k, v in attrs}
        if tag == "base" and a.get("href"):
            self.base = urljoin(self.base, a["href"] or "")
        elif tag == "script":
            src = self._url(a.get("src"))
            if src:
                self.refs.scripts.append(src)
            else:
                self._inline = "script"
        elif tag == "style":
            self._inline = "style"
        elif tag == "link":
            rel = (a.get("rel") or "").lower().split()
            href = self._url(a.get("href"))
            if "stylesheet" in rel and href:
                self.refs.styles.append(href)
        elif tag == "picture":
            self._picture = []
        elif tag == "source" and self._picture is not None:
            kind = (a.get("type") or "").lower()
            if kind in {"image/webp", "image/avif"}:
                self._picture.append(kind)
        elif tag == "img":
            self._img(a)
        elif tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.refs.meta_csp = a.get("content") or ""

    def _img(self, a: dict[str, str | None]) -> None:
        src = self._url(a.get("src"))
        if not src:
            return
        self.refs.images.append(
            ImageRef(
                url=src,
                index=len(self.refs.images),
                loading=(a.get("loading") or "").lower() or None,
                width=_int(a.get("width")),
                height=_int(a.get("height")),
                modern_sources=tuple(self._picture or ()),
            )
        )

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._inline = None
        elif tag == "picture":
            self._picture = None

    def handle_data(self, data: str) -> None:
        if self._inline == "script":
            self.refs.inline_script_bytes += len(data.encode())
        elif self._inline == "style":
            self.refs.inline_style_bytes += len(data.encode())


def parse_page(html: str, url: str) -> PageRefs:
    """The references of ``html`` (served at ``url``), resolved to absolute URLs."""
    collector = _Collector(url)
    collector.feed(html)
    collector.close()
    refs = collector.refs
    refs.scripts = list(dict.fromkeys(refs.scripts))
    refs.styles = list(dict.fromkeys(refs.styles))
    return refs
