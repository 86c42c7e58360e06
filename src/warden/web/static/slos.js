/* Warden SLO pages: the list and one SLO's error budget and burn rate charts (uPlot).
   Uses the helpers warden.js exports on window.Warden; figures are cached 30 s by the server. */
(function () {
  "use strict";
  var W = window.Warden;
  var POLL_MS = Math.max(W.POLL_MS, 30000);
  var THRESHOLDS = [
    { label: "page 14.4", value: 14.4, stroke: "#d0342c" },
    { label: "page 6", value: 6, stroke: "#e0701f" },
    { label: "ticket 1", value: 1, stroke: "#8a8f98" }
  ];

  function num(v, digits) { return v == null ? "-" : v.toFixed(digits); }
  function budgetPct(r) { return W.pct(r); }
  function alertPill(s) {
    if (s.page) return W.el("span", { "class": "pill state-down" }, "page");
    if (s.ticket) return W.el("span", { "class": "pill state-degraded" }, "ticket");
    return null;
  }
  function budgetCell(td, remaining) {
    td.textContent = "";
    var bar = W.el("div", { "class": "budget-bar" + (remaining != null && remaining < 0 ? " overspent" : "") });
    var fill = W.el("span");
    fill.style.width = (remaining == null ? 0 : Math.max(0, Math.min(1, remaining)) * 100) + "%";
    bar.appendChild(fill);
    td.appendChild(bar);
    td.appendChild(W.el("span", { "class": "budget-text" }, budgetPct(remaining)));
  }
  function live(text) {
    var target = document.getElementById("live");
    if (target) target.textContent = text;
  }

  function list(windows) {
    var body = document.querySelector("#slos tbody");
    document.querySelectorAll("#slos [data-width]").forEach(function (s) { s.style.width = s.dataset.width + "%"; });
    function row(s) {
      var tr = W.el("tr", { "data-slo": s.name });
      var name = W.el("td");
      name.appendChild(W.el("a", { href: "/slos/" + encodeURIComponent(s.name) }, s.name));
      if (s.latency != null) name.appendChild(W.el("span", { "class": "small" }, " ≤ " + W.ms(s.latency)));
      tr.appendChild(name);
      tr.appendChild(W.el("td", {}, s.objective + "%"));
      tr.appendChild(W.el("td", {}, (s.window / 86400) % 1 === 0 ? s.window / 86400 + "d" : s.window / 3600 + "h"));
      tr.appendChild(W.el("td", { "class": "sli" }, s.sli == null ? "-" : s.sli.toFixed(3) + "%"));
      var budget = W.el("td", { "class": "budget" }); budgetCell(budget, s.budget_remaining); tr.appendChild(budget);
      windows.forEach(function (w) { tr.appendChild(W.el("td", { "class": "burn", "data-window": w }, num(s.burn_rates[w], 2))); });
      var alert = W.el("td", { "class": "alert" }), pill = alertPill(s);
      if (pill) alert.appendChild(pill);
      tr.appendChild(alert);
      return tr;
    }
    function refresh() {
      W.api("/api/v1/slos").then(function (got) {
        body.textContent = "";
        got.slos.forEach(function (s) { body.appendChild(row(s)); });
        live("updated " + new Date().toLocaleTimeString());
      }).catch(function (e) { live("update failed: " + e.message); });
    }
    setInterval(refresh, POLL_MS);
  }

  function detail(name, windows) {
    var charts = {};
    function draw(key, target, data, series, opts) {
      if (charts[key] && data[0].length) { charts[key].setData(data); return; }
      if (charts[key]) charts[key].destroy();
      charts[key] = W.chart(document.getElementById(target), data, series, opts);
    }
    function render(got) {
      var s = got.slo, points = got.history.points;
      document.getElementById("sli").textContent = s.sli == null ? "-" : s.sli.toFixed(3) + "%";
      document.getElementById("budget").textContent = budgetPct(s.budget_remaining);
      document.getElementById("checks").textContent = s.good + " / " + s.total;
      var alert = document.getElementById("alert"), pill = alertPill(s);
      alert.textContent = "";
      if (pill) alert.appendChild(pill);
      windows.forEach(function (w) {
        var cell = document.querySelector('#burn-rates tr[data-window="' + w + '"] .rate');
        if (cell) cell.textContent = num(s.burn_rates[w], 2);
      });
      var times = points.map(function (p) { return p.time; });
      draw("budget", "budget-chart",
        [times, points.map(function (p) { return p.budget_remaining == null ? null : p.budget_remaining * 100; }), times.map(function () { return 0; })],
        [
          { label: "budget left %", stroke: "#2e9e44", fill: "rgba(46,158,68,.15)", spanGaps: true },
          { label: "exhausted", stroke: "#d0342c", dash: [6, 4], width: 1, points: { show: false } }
        ]);
      var burn = [times, points.map(function (p) { return p.burn_rate; })];
      var series = [{ label: "burn rate per " + (got.history.step >= 3600 ? got.history.step / 3600 + " h" : got.history.step / 60 + " min"), stroke: "#2456b3", paths: uPlot.paths.stepped({ align: -1 }) }];
      THRESHOLDS.forEach(function (t) {
        burn.push(times.map(function () { return t.value; }));
        series.push({ label: t.label, stroke: t.stroke, dash: [6, 4], width: 1, points: { show: false } });
      });
      draw("burn", "burn-chart", burn, series, { scales: { y: { range: function (u, lo, hi) { return [0, Math.max(hi, 15)]; } } } });
    }
    function refresh() {
      W.api("/api/v1/slos/" + encodeURIComponent(name)).then(function (got) {
        render(got);
        live("updated " + new Date().toLocaleTimeString());
      }).catch(function (e) { live("update failed: " + e.message); });
    }
    refresh();
    setInterval(refresh, POLL_MS);
  }

  window.WardenSlos = { list: list, detail: detail };
})();
