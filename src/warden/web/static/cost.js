/* Warden cost charts (uPlot): monthly spend as bars stacked by service with the budget line,
   and the daily usage spend of the main services with the anomalous days marked. Plain uPlot
   only, so the offline HTML report (warden cost report --format html) inlines this file too;
   page() is the dashboard's /cost page, fed by /api/v1/cost/report?series=1. */
(function () {
  "use strict";
  var COLORS = ["#2563eb", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
                "#65a30d", "#b45309", "#9333ea"];
  var OTHER = "other services";

  function money(v) {
    if (v == null) return "-";
    var a = Math.abs(v);
    return a >= 1e6 ? (v / 1e6).toFixed(2) + "M" : a >= 1e4 ? (v / 1e3).toFixed(1) + "k" : v.toFixed(0);
  }
  function epoch(month) {
    var p = month.split("-");
    return Date.UTC(+p[0], +p[1] - 1, 1) / 1000;
  }
  function width(target) { return Math.max(320, (target.clientWidth || 900) - 10); }

  // months: [{month, cost, by_service: {name: cost}}]; budget: {label, monthly} or null
  function bars(target, months, budget, top) {
    top = top || 8;
    var totals = {};
    months.forEach(function (m) {
      Object.keys(m.by_service).forEach(function (s) { totals[s] = (totals[s] || 0) + (m.by_service[s] || 0); });
    });
    var names = Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a]; });
    var shown = names.slice(0, top), rest = names.slice(top);
    if (rest.length) shown.push(OTHER);
    var raw = shown.map(function (s) {
      return months.map(function (m) {
        if (s !== OTHER) return m.by_service[s] || 0;
        return rest.reduce(function (n, r) { return n + (m.by_service[r] || 0); }, 0);
      });
    });
    var xs = months.map(function (m) { return epoch(m.month); });
    var stacked = [], acc = xs.map(function () { return 0; });
    raw.forEach(function (vals) {
      acc = acc.map(function (a, i) { return a + vals[i]; });
      stacked.push(acc.slice());
    });
    var order = stacked.map(function (_, i) { return i; }).reverse();  // tallest first, painted over
    var data = [xs].concat(order.map(function (i) { return stacked[i]; }));
    var series = [{ value: function (u, v) { return v == null ? "" : new Date(v * 1000).toISOString().slice(0, 7); } }];
    var bar = uPlot.paths.bars({ size: [0.7, 80] });
    order.forEach(function (i) {
      var c = COLORS[i % COLORS.length];
      series.push({ label: shown[i], stroke: c, fill: c + "cc", width: 0, paths: bar, points: { show: false },
                    value: function (u, v, si, di) { return di == null ? "" : money(raw[i][di]); } });
    });
    if (budget) {
      data.push(xs.map(function () { return budget.monthly; }));
      series.push({ label: "budget (" + budget.label + ")", stroke: "#d0342c", width: 2, dash: [6, 4],
                    points: { show: true, size: 5 }, value: function (u, v) { return money(v); } });
    }
    var pad = 86400 * 16;
    return new uPlot({
      width: width(target), height: 300, series: series,
      scales: { x: { time: true, range: function (u, a, b) { return [a - pad, b + pad]; } },
                y: { range: function (u, a, b) { return [0, Math.max(b, budget ? budget.monthly : 0) * 1.08]; } } },
      axes: [{ splits: function () { return xs; },
               values: function (u, vals) { return vals.map(function (v) { return new Date(v * 1000).toISOString().slice(0, 7); }); } },
             { size: 60, values: function (u, vals) { return vals.map(money); } }]
    }, data, target);
  }

  // daily: {x: [epoch], services: {name: [cost|null]}}; anomalies: [{service, day, cost}]
  function daily(target, got, anomalies) {
    var names = Object.keys(got.services);
    var data = [got.x].concat(names.map(function (s) { return got.services[s]; }));
    var series = [{}].concat(names.map(function (s, i) {
      return { label: s, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false },
               value: function (u, v) { return money(v); } };
    }));
    var marks = got.x.map(function () { return null; });
    anomalies.forEach(function (a) {
      var t = Date.parse(a.day + "T00:00:00Z") / 1000, i = got.x.indexOf(t);
      if (i >= 0) marks[i] = Math.max(marks[i] || 0, a.cost);
    });
    data.push(marks);
    series.push({ label: "anomaly", stroke: "#d0342c", width: 0,
                  points: { show: true, size: 10, fill: "#d0342c", stroke: "#d0342c" },
                  value: function (u, v) { return money(v); } });
    return new uPlot({ width: width(target), height: 260, series: series, scales: { x: { time: true } },
                       axes: [{}, { size: 60, values: function (u, vals) { return vals.map(money); } }] }, data, target);
  }

  function page() {
    var root = document.getElementById("cost-page");
    var month = root ? root.getAttribute("data-month") : "";
    window.Warden.api("/api/v1/cost/report?series=1" + (month ? "&month=" + month : "")).then(function (got) {
      var b = document.getElementById("cost-months"), d = document.getElementById("cost-daily");
      if (b && got.months && got.months.length) bars(b, got.months, got.budget_line);
      if (d && got.daily) daily(d, got.daily, (got.anomalies || {}).items || []);
    });
  }
  window.WardenCost = { bars: bars, daily: daily, page: page };
})();
