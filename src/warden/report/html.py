"""Self-contained HTML reports: a page of HTML blocks and uPlot charts that opens offline.

``render_page(title, blocks)`` lays out, in order, HTML fragments (``Markup``, e.g. from
``render_fragment``) and ``Chart``s. uPlot's JavaScript and CSS (copied by ``make assets`` to
``warden/web/static/vendor/``) are inlined, and each chart's data is embedded as JSON, so the
file needs no network. Fragments are rendered by Jinja2 with autoescaping on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from warden.errors import WardenError

VENDOR_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor"
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")

_ENV = Environment(autoescape=True, keep_trailing_newline=True)

_PAGE = _ENV.from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="warden">
<title>{{ title }}</title>
<style>{{ uplot_css }}</style>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto;
       max-width: 1180px; padding: 0 16px; color: #111827; }
h1 { font-size: 22px; margin-bottom: 2px; } h2 { font-size: 17px; margin-top: 28px; }
.subtitle { color: #6b7280; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f9fafb; font-weight: 600; }
.pass { color: #15803d; font-weight: 600; } .fail { color: #b91c1c; font-weight: 600; }
.muted { color: #6b7280; } .chart { margin: 12px 0 24px; }
.chart h3 { font-size: 15px; margin: 0 0 4px; }
</style>
<script>{{ uplot_js }}</script>
</head>
<body>
<h1>{{ title }}</h1>
{% if subtitle %}<p class="subtitle">{{ subtitle }}</p>{% endif %}
{% for block in blocks %}
{% if block.chart %}
<div class="chart"><h3>{{ block.chart.title }}</h3><div id="{{ block.chart.id }}"></div></div>
<script type="application/json" id="{{ block.chart.id }}-data">{{ block.data }}</script>
{% else %}{{ block.html }}{% endif %}
{% endfor %}
<script>
(function () {
  function build(el, spec) {
    var width = Math.max(el.parentNode.clientWidth || 900, 320);
    var axes = [{label: spec.x_label}, {label: spec.y_label}];
    var scales = {x: {time: spec.x_time}};
    if (spec.y2_label) {
      axes.push({label: spec.y2_label, side: 1, scale: "y2", grid: {show: false}});
      scales.y2 = {};
    }
    var series = [{label: spec.x_label}];
    spec.series.forEach(function (s) {
      var one = {label: s.label, stroke: s.color, width: 1.5, spanGaps: !!s.span_gaps};
      if (s.axis === "y2") { one.scale = "y2"; }
      if (s.fill) { one.fill = s.color + "22"; }
      if (s.dash) { one.dash = [6, 4]; }
      series.push(one);
    });
    var opts = {width: width, height: spec.height, series: series, axes: axes, scales: scales};
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var plot = new uPlot(opts, data, el);
    window.addEventListener("resize", function () {
      plot.setSize({width: Math.max(el.parentNode.clientWidth || 900, 320), height: spec.height});
    });
  }
  document.querySelectorAll("script[type='application/json'][id$='-data']").forEach(function (s) {
    var id = s.id.slice(0, -5);
    build(document.getElementById(id), JSON.parse(s.textContent));
  });
})();
</script>
</body>
</html>
"""
)


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart. ``axis="y2"`` draws it against a second scale on the right."""

    label: str
    values: Sequence[float | None]
    color: str | None = None
    axis: str = "y"
    fill: bool = False
    dash: bool = False
    span_gaps: bool = False  # a line across missing values (series sampled at other times)


@dataclass(frozen=True, slots=True)
class Chart:
    """A line chart over a shared x axis (seconds, or epoch seconds with ``x_time``)."""

    id: str
    title: str
    x: Sequence[float]
    series: Sequence[Series]
    x_label: str = "time (s)"
    y_label: str = ""
    y2_label: str | None = None
    x_time: bool = False
    height: int = 260
    extra: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        return {
            "x": list(self.x),
            "x_label": self.x_label,
            "y_label": self.y_label,
            "y2_label": self.y2_label,
            "x_time": self.x_time,
            "height": self.height,
            "series": [
                {
                    "label": s.label,
                    "values": [_finite(v) for v in s.values],
                    "color": s.color or PALETTE[i % len(PALETTE)],
                    "axis": s.axis,
                    "fill": s.fill,
                    "dash": s.dash,
                    "span_gaps": s.span_gaps,
                }
                for i, s in enumerate(self.series)
            ],
            **self.extra,
        }


def _finite(v: float | None) -> float | None:
    if v is None or not math.isfinite(v):
        return None
    return v


def uplot_assets(vendor_dir: Path = VENDOR_DIR) -> tuple[str, str]:
    """uPlot's (JavaScript, CSS); raises WardenError when ``make assets`` has not run."""
    try:
        js = (vendor_dir / "uPlot.iife.min.js").read_text(encoding="utf-8")
        css = (vendor_dir / "uPlot.min.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise WardenError(
            f"uPlot is missing from {vendor_dir} (run `make assets`): {exc.strerror}"
        ) from exc
    return js, css


def render_fragment(source: str, **context: Any) -> Markup:
    """Render a Jinja2 template string with autoescaping; the result can be a page block."""
    return Markup(_ENV.from_string(source).render(**context))  # noqa: S704 - autoescaped


def _json_for_script(data: Any) -> Markup:
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - escaped for a script element above


def render_page(
    title: str,
    blocks: Sequence[Markup | Chart],
    subtitle: str = "",
    vendor_dir: Path = VENDOR_DIR,
) -> str:
    """The whole HTML document, with uPlot and every chart's data inlined."""
    js, css = uplot_assets(vendor_dir)
    prepared = []
    ids: set[str] = set()
    for block in blocks:
        if isinstance(block, Chart):
            if block.id in ids:
                raise WardenError(f"two charts share the id {block.id!r}")
            ids.add(block.id)
            prepared.append({"chart": block, "data": _json_for_script(block.spec())})
        else:
            prepared.append({"chart": None, "html": block})
    return _PAGE.render(
        title=title,
        subtitle=subtitle,
        blocks=prepared,
        uplot_js=Markup(js),  # noqa: S704 - the vendored library, inlined as-is
        uplot_css=Markup(css),  # noqa: S704 - the vendored stylesheet
    )
