/* Warden incident pages: the list (filters, declare) and one incident (timeline, actions),
   kept live by polling /api/v1/incidents; uses window.Warden from warden.js. */
(function () {
  "use strict";
  var W = window.Warden, api = W.api, el = W.el, utc = W.utc;

  function duration(i) {
    var end = i.resolved_at != null ? i.resolved_at : Date.now() / 1000;
    var s = Math.max(0, Math.floor(end - i.opened_at)), out = "";
    [["d", 86400], ["h", 3600], ["m", 60]].forEach(function (u) {
      var n = Math.floor(s / u[1]);
      if (n) { out += n + u[0]; s -= n * u[1]; }
    });
    if (s || !out) out += s + "s";
    return out + (i.open ? " so far" : "");
  }
  function statusPill(status) { return el("span", { "class": "pill status-" + status }, status); }
  function sevBadge(severity) { return el("span", { "class": "sev sev-" + severity }, severity); }
  function send(method, path, body) {
    var options = { method: method };
    if (body !== undefined) {
      options.headers = { "Content-Type": "application/json" };
      options.body = JSON.stringify(body);
    }
    return api(path, options);
  }
  function formData(form) {
    var out = {};
    new FormData(form).forEach(function (value, key) {
      value = String(value).trim();
      if (value) out[key] = value;
    });
    return out;
  }

  function list() {
    var body = document.querySelector("#incidents tbody"), live = document.getElementById("live");
    var filters = document.getElementById("incident-filters");
    function query() {
      var params = new URLSearchParams();
      new FormData(filters).forEach(function (value, key) { if (value) params.append(key, value); });
      return params.toString();
    }
    function row(i) {
      var tr = el("tr", { "data-incident": i.id });
      tr.appendChild(el("td", {}, i.id));
      var st = el("td"); st.appendChild(statusPill(i.status)); tr.appendChild(st);
      var sev = el("td"); sev.appendChild(sevBadge(i.severity)); tr.appendChild(sev);
      var title = el("td"); title.appendChild(el("a", { href: "/incidents/" + i.id }, i.title)); tr.appendChild(title);
      tr.appendChild(el("td", {}, utc(i.opened_at)));
      tr.appendChild(el("td", {}, duration(i)));
      tr.appendChild(el("td", {}, i.acked_by || ""));
      body.appendChild(tr);
    }
    function refresh() {
      api("/api/v1/incidents?limit=100&" + query()).then(function (got) {
        body.textContent = "";
        got.incidents.forEach(row);
        document.getElementById("no-incidents").textContent = got.incidents.length ? "" : "No incidents.";
        live.textContent = "updated " + new Date().toLocaleTimeString();
      }).catch(function (e) { live.textContent = "update failed: " + e.message; });
    }
    filters.addEventListener("submit", function (ev) {
      ev.preventDefault();
      history.replaceState(null, "", "/incidents?" + query());
      refresh();
    });
    var declare = document.getElementById("declare");
    if (declare) declare.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = formData(declare), err = document.getElementById("declare-error");
      data.monitors = (data.monitors || "").split(/[\s,]+/).filter(Boolean);
      send("POST", "/api/v1/incidents", data).then(function (made) {
        window.location = "/incidents/" + made.incident.id;
      }).catch(function (e) { err.textContent = e.message; });
    });
    refresh();
    setInterval(refresh, W.POLL_MS);
  }

  function incident(id, canOperate) {
    var base = "/api/v1/incidents/" + id, err = document.getElementById("action-error");
    var shownMoves = null, shownSeverity = null;
    function setText(elId, text) { document.getElementById(elId).textContent = text; }
    function header(i, monitors) {
      setText("title", i.title);
      var st = document.getElementById("status"); st.textContent = i.status; st.className = "pill status-" + i.status;
      var sev = document.getElementById("severity"); sev.textContent = i.severity; sev.className = "sev sev-" + i.severity;
      setText("resolved", utc(i.resolved_at));
      setText("duration", duration(i));
      setText("acked", i.acked_by ? i.acked_by + " at " + utc(i.acked_at) : "nobody yet");
      var mons = document.getElementById("affected-monitors"); mons.textContent = monitors.length ? "" : "none";
      monitors.forEach(function (m, n) {
        if (n) mons.appendChild(document.createTextNode(", "));
        mons.appendChild(el("a", { href: "/monitors/" + encodeURIComponent(m) }, m));
      });
    }
    function alerts(list) {
      var body = document.querySelector("#incident-alerts tbody"); body.textContent = "";
      setText("no-alerts", list.length ? "" : "No alerts.");
      list.forEach(function (a) {
        var tr = el("tr");
        tr.appendChild(el("td", {}, Object.keys(a.labels).sort().map(function (k) { return k + "=" + a.labels[k]; }).join(" ")));
        tr.appendChild(el("td", {}, a.declared ? "declared" : "alert"));
        tr.appendChild(el("td", {}, utc(a.first_at)));
        tr.appendChild(el("td", {}, utc(a.resolved_at)));
        body.appendChild(tr);
      });
    }
    function timeline(events) {
      var ol = document.getElementById("timeline"); ol.textContent = "";
      events.forEach(function (e) {
        var li = el("li", { "class": "event kind-" + e.kind, "data-kind": e.kind });
        li.appendChild(el("time", {}, utc(e.at))); li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", { "class": "kind" }, e.kind)); li.appendChild(document.createTextNode(" "));
        li.appendChild(el("b", { "class": "author" }, e.author)); li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", { "class": "text" }, e.text));
        ol.appendChild(li);
      });
    }
    function controls(i) {
      if (!canOperate) return;
      document.getElementById("ack").hidden = !i.open;
      document.getElementById("resolve").hidden = i.next_statuses.indexOf("resolved") < 0;
      var move = document.getElementById("move"), select = document.getElementById("next-status");
      move.hidden = !i.next_statuses.length;
      var assess = document.querySelector("#assess select");
      if (i.severity !== shownSeverity) { shownSeverity = i.severity; assess.value = i.severity; }
      var key = i.next_statuses.join(",");
      if (key !== shownMoves) {  // rebuilt only when the allowed moves change
        shownMoves = key; select.textContent = "";
        i.next_statuses.forEach(function (s) { select.appendChild(el("option", { value: s }, s)); });
      }
    }
    function show(d) {
      header(d.incident, d.monitors); alerts(d.alerts); timeline(d.timeline); controls(d.incident);
    }
    function refresh() { return api(base).then(show); }
    function act(promise, form) {
      return promise.then(function (d) { err.textContent = ""; if (form) { form.reset(); shownSeverity = null; } show(d); })
        .catch(function (e) { err.textContent = e.message; });
    }
    function onSubmit(formId, make) {
      var form = document.getElementById(formId);
      form.addEventListener("submit", function (ev) { ev.preventDefault(); act(make(formData(form)), form); });
    }
    if (canOperate) {
      document.getElementById("ack").addEventListener("click", function () { act(send("POST", base + "/ack")); });
      onSubmit("move", function (data) { return send("PATCH", base, data); });
      onSubmit("assess", function (data) { return send("PATCH", base, { severity: data.severity }); });
      onSubmit("add-note", function (data) { return send("POST", base + "/notes", { text: data.text || "" }); });
      onSubmit("resolve", function (data) { return send("POST", base + "/resolve", data); });
    }
    document.getElementById("postmortem-show").addEventListener("click", function () {
      var pre = document.getElementById("postmortem");
      fetch(base + "/postmortem", { credentials: "same-origin", headers: { "Accept": "text/markdown" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(r.statusText)); })
        .then(function (text) { pre.textContent = text; pre.hidden = false; })
        .catch(function (e) { pre.textContent = "postmortem failed: " + e.message; pre.hidden = false; });
    });
    refresh();
    setInterval(refresh, W.POLL_MS);
  }

  window.WardenIncidents = { list: list, incident: incident };
})();
