/* Warden capacity page: per resource, its history, the forecast line and 80 % band, and the
   limit (uPlot), from /api/v1/capacity?series=1 (the server renders the figures). */
(function () {
  "use strict";
  var W = window.Warden;

  var UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];
  function bytes(v) {
    var i = 0;
    while (Math.abs(v) >= 1000 && i < UNITS.length - 1) { v /= 1000; i++; }
    return (i ? v.toFixed(v < 10 ? 1 : 0) : v.toFixed(0)) + " " + UNITS[i];
  }
  function draw(target, r) {
    var xs = [], used = [], mid = [], lo = [], hi = [];
    r.history.forEach(function (p) { xs.push(p[0]); used.push(p[1]); mid.push(null); lo.push(null); hi.push(null); });
    var first = xs.length ? xs[0] : 0, last = xs.length ? xs[xs.length - 1] : 0;
    // without a time to full, project as far ahead as the history reaches back (2 days at least)
    var full = r.full_100 && r.full_100.at ? null : last + Math.max(last - first, 2 * 86400);
    r.projection.forEach(function (p) {
      if (full !== null && p[0] > full) return;
      if (xs.length && p[0] <= xs[xs.length - 1]) return;
      xs.push(p[0]); used.push(null); mid.push(p[1]); lo.push(p[2]); hi.push(p[3]);
    });
    var limit = xs.map(function () { return r.limit; });
    var series = [
      { label: "used", stroke: "#2456b3", width: 1.5 },
      { label: "forecast", stroke: "#8e44ad", dash: [6, 4] },
      { label: "80% range low", stroke: "rgba(142,68,173,.35)", width: 1, points: { show: false } },
      { label: "80% range high", stroke: "rgba(142,68,173,.35)", width: 1, points: { show: false } },
      { label: "limit", stroke: "#d0342c", dash: [3, 3], width: 1, points: { show: false } }
    ];
    var axes = r.unit === "bytes" ? [{}, { size: 70, values: function (u, vals) { return vals.map(bytes); } }] : undefined;
    W.chart(target, [xs, used, mid, lo, hi, limit], series, {
      axes: axes,
      bands: [{ series: [4, 3], fill: "rgba(142,68,173,.12)" }],
      scales: { y: { range: function (u, a, b) { return [0, Math.max(b, r.limit * 1.05)]; } } }
    });
  }
  function page() {
    W.api("/api/v1/capacity?series=1").then(function (got) {
      got.resources.forEach(function (r, i) {
        var target = document.getElementById("chart-" + i);
        if (target) draw(target, r);
      });
    });
  }
  window.WardenCapacity = { page: page };
})();
