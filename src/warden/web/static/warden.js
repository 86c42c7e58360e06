/* Warden dashboard: live updates over Server-Sent Events (/api/v1/events; other pages poll
   /api/v1), charts drawn by uPlot. */
(function () {
  "use strict";
  var POLL_MS = 5000;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    if (options.method && options.method !== "GET") options.headers["X-CSRF-Token"] = csrf;
    options.credentials = "same-origin";
    return fetch(path, options).then(function (r) {
      if (r.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname); }
      if (!r.ok) return r.json().then(function (e) { throw new Error(e.error ? e.error.message : r.statusText); });
      return r.status === 204 ? null : r.json();
    });
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function utc(ts) { return ts == null ? "-" : new Date(ts * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC"; }
  function pct(r) { return r == null ? "-" : (r * 100).toFixed(2) + "%"; }
  function ms(s) { return s == null ? "-" : (s * 1000).toFixed(1) + " ms"; }
  function cols(points, keys) {
    return [points.map(function (p) { return p[0]; })].concat(keys.map(function (_, i) {
      return points.map(function (p) { return p[i + 1]; });
    }));
  }
  function xRange(xs) {
    var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
    return hi - lo < 60 ? [lo - 1800, hi + 1800] : [lo, hi];  // one point: an hour around it
  }
  function chart(target, data, series, opts) {
    target.textContent = "";
    if (!data[0].length) { target.appendChild(el("p", { "class": "small empty" }, "No data in this range.")); return null; }
    var width = Math.max(300, target.clientWidth - 10);
    var few = data[0].length < 3;
    var options = Object.assign({ width: width, height: 220, series: [{}].concat(series.map(function (s) {
      return few ? Object.assign({ points: { show: true, size: 6 } }, s) : s;
    })) }, opts || {});
    if (!options.axes) {  // room for long tick labels (boot times, byte counts)
      options.axes = [{}, { size: function (u, values) {
        var longest = (values || []).reduce(function (n, v) { return Math.max(n, String(v).length); }, 0);
        return Math.max(50, longest * 7 + 16);
      } }];
    }
    var range = xRange(data[0]);
    options.scales = Object.assign({}, options.scales || {}, { x: { time: true, range: function () { return range; } } });
    options.plugins = (options.plugins || []).concat([deployLines()]);
    var plot = new uPlot(options, data, target);
    plotted.push(plot);
    return plot;
  }
  // Deploy and rollback markers (/api/v1/deploys) as dashed lines on every chart: read once
  // per page, then every chart is redrawn with them.
  var plotted = [], markers = null;
  function loadMarkers() {
    if (markers !== null) return;
    markers = [];
    api("/api/v1/deploys?since=" + Math.floor(Date.now() / 1000 - 399 * 86400)).then(function (got) {
      markers = got.markers || [];
      plotted.forEach(function (u) { if (u.root.isConnected) u.redraw(false, false); });
    }).catch(function () { markers = []; });
  }
  function deployLines() {
    loadMarkers();
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
      var lo = u.scales.x.min, hi = u.scales.x.max;
      ctx.save();
      ctx.font = Math.round(10 * devicePixelRatio) + "px sans-serif";
      markers.forEach(function (m) {
        if (m.at < lo || m.at > hi) return;
        var x = Math.round(u.valToPos(m.at, "x", true));
        ctx.strokeStyle = m.kind === "rollback" ? "#d0342c" : m.kind === "config_reload" ? "#8a8f98" : "#7b61ff";
        ctx.fillStyle = ctx.strokeStyle;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
        var label = m.kind === "config_reload" ? "config" : (m.kind === "rollback" ? "\u21a9 " : "") + m.service + (m.version ? " " + m.version : "");
        ctx.fillText(label, x + 3, top + 10 * devicePixelRatio);
      });
      ctx.restore();
    }] } };
  }
  function seriesLabel(labels) {  // {"collector":"host","cpu":"total"} -> "host · cpu=total"
    var keys = Object.keys(labels || {}).filter(function (k) { return k !== "collector"; }).sort();
    var parts = labels && labels.collector ? [labels.collector] : [];
    keys.forEach(function (k) { parts.push(k + "=" + labels[k]); });
    return parts.length ? parts.join(" \u00b7 ") : "(no labels)";
  }
  function emptyRow(body, text) {  // an empty table says so
    var cols = body.parentNode.querySelectorAll("thead th").length || 1;
    var tr = el("tr", { "class": "empty-row" }), td = el("td", { colspan: cols, "class": "empty small" }, text);
    tr.appendChild(td); body.appendChild(tr);
  }
  function beats(target, checks) {
    target.textContent = "";
    var bar = el("span", { "class": "beats", role: "img", "aria-label": "last " + checks.length + " checks" });
    checks.forEach(function (c) {
      bar.appendChild(el("i", { "class": "beat state-" + c.state, title: utc(c.time) + ": " + c.state + ", " + ms(c.latency) }));
    });
    target.appendChild(bar);
  }
  function sparkline(target, points) {
    target.textContent = "";
    if (!points || points.length < 2) return;
    new uPlot({
      width: 120, height: 28, legend: { show: false }, cursor: { show: false },
      axes: [{ show: false }, { show: false }], scales: { x: { time: true } },
      series: [{}, { stroke: "#2456b3", width: 1 }]
    }, cols(points, [0]), target);
  }
  var colors = { p50: "#2e9e44", p95: "#d89614", p99: "#d0342c", dns: "#7b61ff", connect: "#1f9bd1", tls: "#e0701f", ttfb: "#2e9e44", transfer: "#8a8f98" };

  function overview() {
    var body = document.querySelector("#monitors tbody");
    var live = document.getElementById("live");
    var form = document.getElementById("filters");
    var pagers = document.querySelectorAll(".pager");
    var size = Number(pagers.length ? pagers[0].dataset.size : 100) || 100;
    var page = Number(pagers.length ? pagers[0].dataset.page : 1) || 1;
    function query() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (value) params.append(key, value); });
      return params.toString();
    }
    function pageHref(n) {
      var params = new URLSearchParams(query());
      if (n > 1) params.set("page", n);
      var q = params.toString();
      return "/" + (q ? "?" + q : "");
    }
    function pageNumbers(pages) {
      var keep = [1, pages], out = [];
      for (var k = page - 2; k <= page + 2; k++) keep.push(k);
      keep.filter(function (n, i) { return n >= 1 && n <= pages && keep.indexOf(n) === i; })
        .sort(function (a, b) { return a - b; })
        .forEach(function (n) {
          if (out.length && n - out[out.length - 1] > 1) out.push(null);
          out.push(n);
        });
      return out;
    }
    function drawPager(total) {
      var pages = Math.max(1, Math.ceil(total / size)), num = function (n) { return n.toLocaleString("en-US"); };
      var text = total ? "Showing " + num((page - 1) * size + 1) + "\u2013" + num(Math.min(page * size, total)) + " of " + num(total) : "No monitors match.";
      pagers.forEach(function (nav) {
        nav.dataset.page = page;
        nav.textContent = "";
        nav.appendChild(el("span", { "class": "count" }, text));
        if (pages < 2) return;
        if (page > 1) nav.appendChild(el("a", { href: pageHref(page - 1), rel: "prev" }, "\u2039 Previous"));
        pageNumbers(pages).forEach(function (n) {
          if (n === null) nav.appendChild(el("span", { "class": "gap" }, "\u2026"));
          else if (n === page) nav.appendChild(el("span", { "class": "current", "aria-current": "page" }, String(n)));
          else nav.appendChild(el("a", { href: pageHref(n) }, String(n)));
        });
        if (page < pages) nav.appendChild(el("a", { href: pageHref(page + 1), rel: "next" }, "Next \u203a"));
      });
    }
    if ((new URLSearchParams(location.search).get("page") || "1") !== String(page)) {
      history.replaceState(null, "", pageHref(page));  // the server showed the last page instead
    }
    function row(m) {
      var tr = el("tr", { "data-monitor": m.name });
      var pill = el("td"); pill.appendChild(el("span", { "class": "pill state-" + m.state }, m.state)); tr.appendChild(pill);
      var name = el("td"); name.appendChild(el("a", { href: "/monitors/" + encodeURIComponent(m.name) }, m.name));
      if (m.message) name.appendChild(el("div", { "class": "msg" }, m.error + ": " + m.message));
      tr.appendChild(name);
      tr.appendChild(el("td", {}, m.group));
      tr.appendChild(el("td", {}, utc(m.since)));
      tr.appendChild(el("td", {}, ms(m.latency)));
      var bar = el("td", { "class": "checks" }); tr.appendChild(bar); beats(bar, m.checks || []);
      var spark = el("td", { "class": "spark" }); tr.appendChild(spark);
      ["24h", "7d", "30d"].forEach(function (k) { tr.appendChild(el("td", {}, pct(m.uptime[k]))); });
      body.appendChild(tr);
      sparkline(spark, m.sparkline);
    }
    function refresh() {
      var q = query();
      var paged = "/api/v1/monitors?sparkline=true&limit=" + size + "&offset=" + (page - 1) * size;
      Promise.all([api(paged + (q ? "&" + q : "")), api("/api/v1/status")]).then(function (got) {
        var data = got[0], summary = got[1];
        var last = Math.max(1, Math.ceil(data.total / size));
        if (page > last) {  // fewer monitors than when this page was drawn: show the last page
          page = last;
          history.replaceState(null, "", pageHref(page));
          refresh();
          return;
        }
        body.textContent = "";
        data.monitors.forEach(row);
        document.getElementById("no-monitors").hidden = data.monitors.length > 0;
        document.querySelectorAll("[data-count]").forEach(function (b) { b.textContent = summary.monitors[b.dataset.count]; });
        drawPager(data.total);
        live.textContent = "updated " + new Date().toLocaleTimeString();
      }).catch(function (e) { live.textContent = "update failed: " + e.message; });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      page = 1;
      history.replaceState(null, "", pageHref(page));
      refresh();
    });
    var select = document.getElementById("series"), target = document.getElementById("series-chart");
    api("/api/v1/metrics").then(function (got) {
      var seen = {};
      got.series.forEach(function (s) { if (!seen[s.name]) { seen[s.name] = 1; select.appendChild(el("option", { value: s.name }, s.name)); } });
      if (!got.series.length) target.appendChild(el("p", { "class": "small empty" }, "No host or service metrics are stored yet."));
    });
    function drawSeries() {
      if (!select.value) return;
      var now = Date.now() / 1000;
      api("/api/v1/metrics/query?name=" + encodeURIComponent(select.value) + "&since=" + (now - 6 * 3600)).then(function (got) {
        var times = {}, series = [];
        got.series.forEach(function (s) { s.points.forEach(function (p) { times[p[0]] = 1; }); });
        var xs = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
        var data = [xs];
        got.series.forEach(function (s, i) {
          var by = {}; s.points.forEach(function (p) { by[p[0]] = p[1]; });
          data.push(xs.map(function (x) { return x in by ? by[x] : null; }));
          series.push({ label: seriesLabel(s.labels), stroke: ["#2456b3", "#2e9e44", "#d0342c", "#d89614", "#7b61ff"][i % 5], spanGaps: true });
        });
        chart(target, data, series, { scales: { x: { time: true } } });
      });
    }
    select.addEventListener("change", drawSeries);
    function problemList(id, items, item) {
      var box = document.getElementById(id), list = box.querySelector("ul");
      list.textContent = "";
      items.forEach(function (x) { list.appendChild(item(x)); });
      box.querySelector(".empty").hidden = items.length > 0;
      box.querySelector("h2 .small").textContent = items.length;
    }
    function problems() {
      api("/api/v1/alerts?state=firing").then(function (got) {
        problemList("firing-alerts", got.alerts, function (a) {
          var li = el("li", a.muted ? { "class": "muted" } : {});
          li.appendChild(el("span", { "class": "pill state-" + (a.muted ? "unknown" : "down") }, a.muted ? "muted" : a.severity));
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("a", { href: "/alerts/" + encodeURIComponent(a.fingerprint) }, a.annotations.summary || a.name));
          li.appendChild(el("span", { "class": "small" }, " " + a.name + " \u00b7 since " + utc(a.starts_at) + (a.muted ? " \u00b7 " + (a.muted_reason || "") : "")));
          return li;
        });
      }).catch(function () {});
      api("/api/v1/incidents?status=open&limit=20").then(function (got) {
        problemList("open-incidents", got.incidents, function (i) {
          var li = el("li");
          li.appendChild(el("span", { "class": "pill status-" + i.status }, i.status));
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("a", { href: "/incidents/" + i.id }, "#" + i.id + " " + i.title));
          li.appendChild(el("span", { "class": "small" }, " " + i.severity + " \u00b7 opened " + utc(i.opened_at)));
          return li;
        });
      }).catch(function () {});
    }
    var pending = null;
    function update() {  // events come in bursts: one refresh for each burst
      if (pending) return;
      pending = setTimeout(function () { pending = null; refresh(); problems(); drawSeries(); }, 500);
    }
    refresh();
    if (window.EventSource) {
      var source, retry = 1000;
      var connect = function () {
        source = new EventSource("/api/v1/events");
        source.addEventListener("hello", function () { retry = 1000; live.dataset.live = "1"; update(); });
        source.addEventListener("state", update);
        source.addEventListener("stored", update);
        source.onerror = function () {
          live.dataset.live = "";
          live.textContent = "live updates lost; reconnecting\u2026";
          if (source.readyState === EventSource.CLOSED) {  // the browser gave up: try again later
            setTimeout(connect, retry);
            retry = Math.min(retry * 2, 30000);
          }
        };
      };
      connect();
    } else {
      setInterval(function () { refresh(); problems(); drawSeries(); }, POLL_MS);
    }
  }

  function monitor(name) {
    var base = "/api/v1/monitors/" + encodeURIComponent(name);
    var charts = {};
    function draw(key, target, data, series, opts) {
      if (charts[key] && data[0].length) { charts[key].setData(data); return; }
      if (charts[key]) charts[key].destroy();
      charts[key] = chart(document.getElementById(target), data, series, opts);
    }
    function tables(hist) {
      var runs = document.querySelector("#runs tbody"), fails = document.querySelector("#failures tbody");
      runs.textContent = ""; fails.textContent = "";
      hist.runs.forEach(function (r) {
        var tr = el("tr"); var td = el("td"); td.appendChild(el("span", { "class": "pill state-" + r.status }, r.status));
        tr.appendChild(td); tr.appendChild(el("td", {}, utc(r.start))); tr.appendChild(el("td", {}, utc(r.end)));
        tr.appendChild(el("td", {}, r.checks)); runs.appendChild(tr);
      });
      hist.failures.forEach(function (f) {
        var tr = el("tr"); tr.appendChild(el("td", {}, utc(f.time))); tr.appendChild(el("td", {}, f.error));
        tr.appendChild(el("td", {}, f.message)); fails.appendChild(tr);
      });
      if (!hist.runs.length) emptyRow(runs, "No checks stored yet.");
      if (!hist.failures.length) emptyRow(fails, "No failed or degraded checks.");
    }
    function refresh() {
      api(base).then(function (m) {
        var state = document.getElementById("state");
        state.textContent = m.state; state.className = "pill state-" + m.state;
        document.getElementById("since").textContent = utc(m.since);
        document.getElementById("message").textContent = m.message ? m.error + ": " + m.message : "";
        ["24h", "7d", "30d"].forEach(function (k) { document.getElementById("up-" + k).textContent = pct(m.uptime[k]); });
        document.getElementById("cert").textContent = m.cert_days_left == null ? "-" : m.cert_days_left.toFixed(1);
      });
      api(base + "/latency").then(function (got) {
        var p = got.points;
        draw("lat", "latency-chart", [p.map(function (x) { return x.time; })].concat(["p50", "p95", "p99"].map(function (k) {
          return p.map(function (x) { return x[k] == null ? null : x[k] * 1000; });
        })), ["p50", "p95", "p99"].map(function (k) { return { label: k + " ms", stroke: colors[k] }; }));
        var phases = ["dns", "connect", "tls", "ttfb", "transfer"].filter(function (k) {
          return p.some(function (x) { return x.phases[k] != null; });
        });
        draw("phases", "phases-chart", [p.map(function (x) { return x.time; })].concat(phases.map(function (k) {
          return p.map(function (x) { return x.phases[k] == null ? null : x.phases[k] * 1000; });
        })), phases.map(function (k) { return { label: k + " ms", stroke: colors[k] }; }));
      });
      api(base + "/uptime?days=30").then(function (got) {
        var d = got.days;
        draw("uptime", "uptime-chart", [d.map(function (x) { return x.day; }), d.map(function (x) { return x.ratio == null ? null : x.ratio * 100; })],
          [{ label: "uptime %", stroke: "#2e9e44", fill: "rgba(46,158,68,.3)", paths: uPlot.paths.bars({ size: [0.8] }) }],
          { scales: { y: { range: [0, 100] } } });
      });
      api(base + "/history?limit=20").then(tables);
      screenshot();
      locations();
    }
    function locations() {  // monitors run by probe agents: each location's view and the quorum
      var body = document.querySelector("#location-rows tbody");
      if (!body) return;
      api("/api/v1/agents/monitors/" + encodeURIComponent(name)).then(function (got) {
        document.getElementById("quorum").textContent = got.state + ": " + got.down + " of " + got.known +
          " reporting locations down, " + got.required + " needed (quorum " + got.quorum + ")";
        body.textContent = "";
        got.locations.forEach(function (l) {
          var tr = el("tr"); tr.appendChild(el("td", {}, l.location));
          var td = el("td"); td.appendChild(el("span", { "class": "pill state-" + l.state }, l.state)); tr.appendChild(td);
          tr.appendChild(el("td", {}, l.latency_ms == null ? "-" : l.latency_ms.toFixed(1) + " ms"));
          tr.appendChild(el("td", {}, l.checked_at == null ? "-" : utc(l.checked_at)));
          var said = [l.error, l.message].filter(Boolean).join(": ");
          tr.appendChild(el("td", {}, l.why_unknown || said));
          body.appendChild(tr);
        });
      }).catch(function () {});
    }
    function screenshot() {  // browser monitors: what the page showed at the newest failure
      var box = document.getElementById("screenshot");
      if (!box) return;
      api(base + "/screenshots").then(function (got) {
        var last = got.screenshots[0];
        box.hidden = !last;
        if (!last) return;
        var img = document.getElementById("screenshot-img");
        if (img.getAttribute("src") !== last.url) img.setAttribute("src", last.url);
        document.getElementById("screenshot-link").setAttribute("href", last.url);
        document.getElementById("screenshot-meta").textContent = utc(last.time) + " \u00b7 " + last.status;
      }).catch(function () {});
    }
    var button = document.getElementById("check-now");
    if (button) button.addEventListener("click", function () {
      button.disabled = true;
      api(base + "/check", { method: "POST" }).then(refresh).finally(function () { button.disabled = false; });
    });
    refresh();
    setInterval(refresh, POLL_MS);
  }

  function alerts(canOperate) {
    var alertBody = document.querySelector("#alerts tbody"), silBody = document.querySelector("#silences tbody");
    function refresh() {
      api("/api/v1/alerts").then(function (got) {
        alertBody.textContent = "";
        var shown = got.alerts.filter(function (a) { return a.state !== "inactive"; });
        document.getElementById("no-alerts").textContent = shown.length ? "" : "No alerts.";
        shown.forEach(function (a) {
          var tr = el("tr"); var td = el("td");
          var look = a.muted ? "muted" : a.state === "firing" ? "down" : a.state === "pending" ? "degraded" : "up";
          td.appendChild(el("span", { "class": "pill state-" + look }, a.muted ? "muted" : a.state));
          tr.appendChild(td); td = el("td");
          td.appendChild(el("a", { href: "/alerts/" + encodeURIComponent(a.fingerprint) }, a.rule));
          tr.appendChild(td); tr.appendChild(el("td", {}, a.severity));
          tr.appendChild(el("td", {}, Object.keys(a.labels).map(function (k) { return k + "=" + a.labels[k]; }).join(" ")));
          tr.appendChild(el("td", {}, utc(a.starts_at || a.active_since)));
          tr.appendChild(el("td", { "class": "small" }, a.muted_reason || "")); alertBody.appendChild(tr);
        });
      });
      api("/api/v1/silences").then(function (got) {
        silBody.textContent = "";
        got.silences.forEach(function (s) {
          var tr = el("tr", { "data-silence": s.id, "class": s.active ? "active" : "expired" });
          tr.appendChild(el("td", {}, s.matchers.join(", "))); tr.appendChild(el("td", {}, utc(s.starts_at)));
          tr.appendChild(el("td", {}, utc(s.ends_at))); tr.appendChild(el("td", {}, s.created_by));
          tr.appendChild(el("td", {}, s.comment));
          var act = el("td");
          if (s.active && canOperate) {
            var b = el("button", { type: "button", "class": "expire" }, "Expire");
            b.addEventListener("click", function () { api("/api/v1/silences/" + encodeURIComponent(s.id), { method: "DELETE" }).then(refresh); });
            act.appendChild(b);
          } else { act.textContent = s.active ? "active" : "expired"; }
          tr.appendChild(act); silBody.appendChild(tr);
        });
        if (!got.silences.length) emptyRow(silBody, "No silences.");
      });
    }
    var form = document.getElementById("new-silence");
    if (form) form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form), err = document.getElementById("silence-error");
      var body = {
        matchers: String(data.get("matchers")).split("\n").map(function (x) { return x.trim(); }).filter(Boolean),
        duration_seconds: Number(data.get("duration")), comment: String(data.get("comment") || "")
      };
      api("/api/v1/silences", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function () { err.textContent = ""; form.reset(); refresh(); })
        .catch(function (e) { err.textContent = e.message; });
    });
    refresh();
    setInterval(refresh, POLL_MS);
  }

  window.Warden = {
    overview: overview, monitor: monitor, alerts: alerts,
    api: api, el: el, emptyRow: emptyRow, utc: utc, pct: pct, ms: ms, cols: cols, chart: chart, seriesLabel: seriesLabel, POLL_MS: POLL_MS
  };
})();
