"""Fetches the page (following redirects), parses it, fetches its assets within limits, and
asks the final origin for HTTP/2 by ALPN."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import urljoin, urlsplit

from warden.audit._base import AuditOptions
from warden.audit.web._facts import Asset, Hop, WebFacts
from warden.audit.web._fetch import Fetched, Fetcher
from warden.audit.web._html import ImageRef, PageRefs, parse_page
from warden.audit.web._imagesize import image_size
from warden.engine.clock import Clock
from warden.errors import AuditError

MAX_REDIRECTS = 10
_ACCEPT_HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
_ACCEPT = {
    "script": "*/*",
    "style": "text/css,*/*;q=0.1",
    "image": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
}


def _contexts(options: AuditOptions) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(verifying h2-offering context for the ALPN check, non-verifying one for fetching)."""
    try:
        verify = ssl.create_default_context(
            cafile=str(options.ca_file) if options.ca_file else None
        )
    except (OSError, ssl.SSLError) as exc:
        raise AuditError(f"cannot load CA file {options.ca_file}: {exc}") from exc
    verify.set_alpn_protocols(["h2", "http/1.1"])
    fetch = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    fetch.check_hostname = False
    fetch.verify_mode = ssl.CERT_NONE
    fetch.set_alpn_protocols(["http/1.1"])
    return verify, fetch


async def _handshake(
    host: str, port: int, ctx: ssl.SSLContext, timeout: float
) -> tuple[str | None, str | None]:
    async with asyncio.timeout(timeout):
        _, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=host)
    obj = writer.get_extra_info("ssl_object")
    alpn = obj.selected_alpn_protocol() if obj is not None else None
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return alpn or "http/1.1", None


async def alpn_probe(
    url: str, verify_ctx: ssl.SSLContext, timeout: float
) -> tuple[str | None, str | None]:
    """(ALPN protocol negotiated when offering h2, certificate error or None) for ``url``.

    A certificate that does not verify is reported, and ALPN is then asked without verifying.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    try:
        return await _handshake(host, port, verify_ctx, timeout)
    except ssl.SSLCertVerificationError as exc:
        error = str(exc.verify_message)
    except (OSError, TimeoutError) as exc:
        return None, f"handshake failed: {exc}"
    loose = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    loose.set_alpn_protocols(["h2", "http/1.1"])
    try:
        alpn, _ = await _handshake(host, port, loose, timeout)
    except (OSError, TimeoutError):
        alpn = None
    return alpn, error


async def gather(url: str, options: AuditOptions, clock: Clock) -> WebFacts:
    if not url.lower().startswith(("http://", "https://")):
        raise AuditError(f"{url!r}: use an http:// or https:// URL")
    verify_ctx, fetch_ctx = _contexts(options)
    fetcher = Fetcher(options.timeout, fetch_ctx, options.max_asset_bytes, now=clock.monotonic)
    try:
        return await _gather(url, options, fetcher, verify_ctx)
    finally:
        await fetcher.aclose()


async def _gather(
    url: str, options: AuditOptions, fetcher: Fetcher, verify_ctx: ssl.SSLContext
) -> WebFacts:
    notes: list[str] = []
    start = fetcher.now()
    hops: list[Hop] = []
    current = url
    while True:
        page = await fetcher.get(current, _ACCEPT_HTML)
        if page.error:
            raise AuditError(f"cannot fetch {current}: {page.error}")
        location = page.header("location")
        if not (300 <= page.status < 400 and location):
            break
        hops.append(Hop(current, page.status, location, page.elapsed))
        if len(hops) > MAX_REDIRECTS:
            raise AuditError(f"more than {MAX_REDIRECTS} redirects from {url}")
        current = urljoin(current, location)
    alpn: str | None = None
    tls_error: str | None = None
    if current.lower().startswith("https://"):
        alpn, tls_error = await alpn_probe(current, verify_ctx, options.timeout)
    html = page.decoded(options.max_asset_bytes).decode("utf-8", "replace")
    is_html = "html" in page.content_type or html.lstrip()[:15].lower().startswith("<!doctype html")
    refs = parse_page(html, current) if is_html else PageRefs()
    if not is_html:
        notes.append(f"the page is {page.content_type or 'untyped'}, not HTML: no assets read")
    wanted: list[tuple[str, str, ImageRef | None]] = [("style", u, None) for u in refs.styles]
    wanted += [("script", u, None) for u in refs.scripts]
    wanted += [("image", i.url, i) for i in refs.images]
    seen: set[str] = set()
    unique = []
    for w in wanted:
        if w[1] not in seen:
            seen.add(w[1])
            unique.append(w)
    todo = unique[: options.max_assets]
    skipped = len(unique) - len(todo)
    if skipped:
        notes.append(f"{skipped} assets not fetched (limit of {options.max_assets})")
    budget = [options.max_total_bytes - page.wire_bytes]

    async def one(kind: str, asset_url: str, image: ImageRef | None) -> Asset | None:
        if budget[0] <= 0:
            return None
        fetched = await fetcher.get(asset_url, _ACCEPT[kind])
        budget[0] -= fetched.wire_bytes
        return _asset(kind, fetched, image, options.max_asset_bytes)

    results = await asyncio.gather(*(one(*w) for w in todo))
    assets = [a for a in results if a is not None]
    if len(assets) < len(todo):
        notes.append(
            f"{len(todo) - len(assets)} assets not fetched (byte budget {options.max_total_bytes})"
        )
    end = max(
        [page.started + page.elapsed, *(a.fetched.started + a.fetched.elapsed for a in assets)]
    )
    origins = {
        f"{'https' if tls else 'http'}://{host}:{port}": (
            s.connections, s.requests, s.reused, s.server_closed
        )
        for (tls, host, port), s in fetcher.stats.items()
    }  # fmt: skip
    return WebFacts(
        url=url,
        final_url=current,
        hops=hops,
        page=page,
        html_bytes=len(html.encode()),
        refs=refs,
        assets=assets,
        skipped_assets=skipped,
        alpn=alpn,
        tls_error=tls_error,
        origins=origins,
        load_seconds=end - start,
        notes=notes,
    )


def _asset(kind: str, fetched: Fetched, image: ImageRef | None, limit: int) -> Asset:
    if fetched.error or fetched.status >= 400:
        return Asset(kind, fetched, 0, image)
    decoded = fetched.decoded(limit)
    pixels = image_size(decoded[:65536]) if kind == "image" else None
    return Asset(kind, fetched, len(decoded), image, pixels)
