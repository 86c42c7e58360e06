"""What the ``browser`` probe measures in a page and how it judges it.

An init script, added to every context before the page's own scripts run, keeps the
Largest Contentful Paint, the Cumulative Layout Shift (largest session window, as Google
defines it), First Contentful Paint and every long task (50 ms or more) from
``PerformanceObserver``. Once the load event has fired and the page has been quiet (no long
task) for ``settle``, ``MEASURE`` reads them with the navigation and resource timings:

- phases: ``dns``, ``connect``, ``tls``, ``ttfb``, ``transfer`` of the document, ``dom``
  (document received to DOMContentLoaded) and ``onload`` (to the end of the load event);
- ``tti_seconds``: time to interactive, the end of the last long task, or DOMContentLoaded
  (not before First Contentful Paint) when there is none;
- ``tbt_seconds``: total blocking time, each long task's time over 50 ms after FCP;
- ``transfer_bytes``: bytes over the network for the document and its sub-resources (those
  of other origins count only if they send ``Timing-Allow-Origin``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warden.config._types import format_duration
from warden.probes._browser_config import BrowserConfig, Budget, Outcome
from warden.results import ErrorClass, Status

INIT_SCRIPT = """
(() => {
  if (window.top !== window || window.__wardenProbe) return;
  const w = { lcp: null, cls: 0, fcp: null, tasks: [], lastBusy: 0 };
  let session = 0, first = 0, last = 0;
  const observe = (type, each) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(each))
        .observe({ type: type, buffered: true });
    } catch (e) { /* not supported by this browser */ }
  };
  observe("largest-contentful-paint", (e) => { w.lcp = e.startTime; });
  observe("paint", (e) => { if (e.name === "first-contentful-paint") w.fcp = e.startTime; });
  observe("longtask", (e) => {
    w.tasks.push([e.startTime, e.duration]);
    w.lastBusy = Math.max(w.lastBusy, e.startTime + e.duration);
  });
  observe("layout-shift", (e) => {
    if (e.hadRecentInput) return;
    if (session && e.startTime - last < 1000 && e.startTime - first < 5000) {
      session += e.value;
    } else {
      session = e.value;
      first = e.startTime;
    }
    last = e.startTime;
    w.cls = Math.max(w.cls, session);
  });
  Object.defineProperty(window, "__wardenProbe", { value: w });
})();
"""

SETTLED = """
(quiet) => {
  const w = window.__wardenProbe;
  const nav = performance.getEntriesByType("navigation")[0];
  if (!nav || !nav.loadEventEnd) return false;
  return performance.now() - Math.max(w ? w.lastBusy : 0, nav.loadEventEnd) >= quiet;
}
"""

MEASURE = """
() => {
  const w = window.__wardenProbe || { lcp: null, cls: 0, fcp: null, tasks: [] };
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  let tti = Math.max(nav ? nav.domContentLoadedEventEnd : 0, w.fcp || 0);
  let tbt = 0;
  for (const [start, duration] of w.tasks) {
    const end = start + duration;
    tti = Math.max(tti, end);
    const from = w.fcp === null ? start : Math.max(start, w.fcp);
    if (end > from) tbt += Math.max(0, Math.min(end - from, duration - 50));
  }
  let transfer = nav ? nav.transferSize : 0;
  for (const r of resources) transfer += r.transferSize || 0;
  return {
    nav: nav ? nav.toJSON() : null, lcp: w.lcp, cls: w.cls, fcp: w.fcp, tti: tti, tbt: tbt,
    transfer: transfer, requests: resources.length + (nav ? 1 : 0),
  };
}
"""

BUDGETS = {
    "load": ("load_seconds", "load"),
    "interactive": ("tti_seconds", "time to interactive"),
    "lcp": ("lcp_seconds", "LCP"),
    "tbt": ("tbt_seconds", "total blocking time"),
    "cls": ("cls", "CLS"),
}
"""Budget name -> (the metric it limits, how a message names it)."""

_NET_ERRORS = (
    (("ERR_NAME_NOT_RESOLVED", "ERR_NAME_RESOLUTION_FAILED"), ErrorClass.DNS),
    (("ERR_CONNECTION_REFUSED",), ErrorClass.REFUSED),
    (("ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED", "ERR_EMPTY_RESPONSE"), ErrorClass.RESET),
    (("ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL"), ErrorClass.TLS),
    (("ERR_TIMED_OUT", "ERR_CONNECTION_TIMED_OUT"), ErrorClass.TIMEOUT),
    (("ERR_INVALID_RESPONSE", "ERR_INVALID_HTTP_RESPONSE"), ErrorClass.PROTOCOL),
)


def _seconds(ms: Any) -> float | None:
    return None if ms is None else max(0.0, float(ms)) / 1000.0


def measures(data: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(phases, metrics) in seconds from what ``MEASURE`` returned."""
    phases: dict[str, float] = {}
    metrics: dict[str, float] = {}
    nav = data.get("nav")
    if nav:

        def span(a: str, b: str) -> float:
            return max(0.0, float(nav.get(b) or 0) - float(nav.get(a) or 0)) / 1000.0

        secure = float(nav.get("secureConnectionStart") or 0)
        phases["dns"] = span("domainLookupStart", "domainLookupEnd")
        if secure > 0:
            phases["connect"] = span("connectStart", "secureConnectionStart")
            phases["tls"] = span("secureConnectionStart", "connectEnd")
        else:
            phases["connect"] = span("connectStart", "connectEnd")
        phases["ttfb"] = span("requestStart", "responseStart")
        phases["transfer"] = span("responseStart", "responseEnd")
        phases["dom"] = span("responseEnd", "domContentLoadedEventEnd")
        phases["onload"] = span("domContentLoadedEventEnd", "loadEventEnd")
        metrics["dom_content_loaded_seconds"] = _seconds(nav.get("domContentLoadedEventEnd")) or 0
        metrics["load_seconds"] = _seconds(nav.get("loadEventEnd")) or 0.0
    for key, name in (("fcp", "fcp_seconds"), ("lcp", "lcp_seconds"), ("tti", "tti_seconds")):
        value = _seconds(data.get(key))
        if value is not None:
            metrics[name] = value
    metrics["tbt_seconds"] = _seconds(data.get("tbt")) or 0.0
    metrics["cls"] = float(data.get("cls") or 0.0)
    metrics["transfer_bytes"] = float(data.get("transfer") or 0)
    metrics["requests"] = float(data.get("requests") or 0)
    return phases, metrics


def _show(metric: str, value: float) -> str:
    if metric == "cls":
        return f"{value:.3f}"
    return format_duration(round(value, 3))


def budget_findings(
    config: BrowserConfig, metrics: Mapping[str, float]
) -> list[tuple[Status, ErrorClass, str]]:
    """One finding per budget the page is over (DEGRADED or DOWN, class ``assertion``)."""
    out = []
    for name, (metric, label) in BUDGETS.items():
        budget: Budget | None = getattr(config.budgets, name)
        value = metrics.get(metric)
        if budget is None or value is None:
            continue
        over = budget.verdict(value)
        if not over:
            continue
        limit = budget.down if over == "down" else budget.degraded
        assert limit is not None
        status = Status.DOWN if over == "down" else Status.DEGRADED
        message = f"{label} {_show(metric, value)} is over budget {_show(metric, limit)}"
        out.append((status, ErrorClass.ASSERTION, message))
    return out


def problem_finding(
    outcome: Outcome, what: str, items: list[str]
) -> list[tuple[Status, ErrorClass, str]]:
    """A finding for JavaScript errors or failed requests, as ``outcome`` says."""
    if not items or outcome == "ignore":
        return []
    status = Status.DOWN if outcome == "down" else Status.DEGRADED
    plural = "" if len(items) == 1 else "s"
    return [(status, ErrorClass.ASSERTION, f"{len(items)} {what}{plural} (first: {items[0]})")]


def classify_error(message: str) -> ErrorClass:
    """The class of a failed navigation from Chromium's ``net::ERR_...`` code."""
    for codes, error in _NET_ERRORS:
        if any(code in message for code in codes):
            return error
    return ErrorClass.ERROR


def summary(metrics: Mapping[str, float]) -> str:
    """``load 0.42s, interactive 0.51s, LCP 0.3s, CLS 0.000`` for an UP result's message."""
    parts = []
    for metric, label in (
        ("load_seconds", "load"),
        ("tti_seconds", "interactive"),
        ("lcp_seconds", "LCP"),
        ("cls", "CLS"),
    ):
        if metric in metrics:
            parts.append(f"{label} {_show(metric, metrics[metric])}")
    return ", ".join(parts)
