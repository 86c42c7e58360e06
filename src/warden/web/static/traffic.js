/* Warden traffic page: request rate and p95 per service over the chosen window (uPlot),
   from the stored service-level series; the route table is rendered by the server. */
(function () {
  "use strict";
  var W = window.Warden;
  var COLORS = ["#2456b3", "#2e9e44", "#e0701f", "#8e44ad", "#d0342c", "#16a2a8"];

  function serviceSeries(got, service) {  // service-level series only (not per code or route)
    return got.series.filter(function (s) {
      return s.labels.service && !s.labels.route && (!service || s.labels.service === service);
    });
  }
  function align(series, scale) {  // uPlot wants one x axis: the union of times, nulls between
    var times = {};
    series.forEach(function (s) { s.points.forEach(function (p) { times[p[0]] = true; }); });
    var xs = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
    var data = [xs];
    series.forEach(function (s) {
      var by = {};
      s.points.forEach(function (p) { by[p[0]] = p[1] * scale; });
      data.push(xs.map(function (x) { return x in by ? by[x] : null; }));
    });
    return data;
  }
  function draw(target, series, scale) {
    var opts = series.map(function (s, i) {
      return { label: s.labels.service, stroke: COLORS[i % COLORS.length], spanGaps: true };
    });
    W.chart(document.getElementById(target), align(series, scale), opts);
  }
  function page() {
    document.querySelectorAll("#routes [data-width]").forEach(function (s) { s.style.width = s.dataset.width + "%"; });
    var holder = document.getElementById("rate-chart");
    var seconds = Number(holder.dataset.seconds), service = holder.dataset.service || "";
    var until = Date.now() / 1000 + 1, since = until - seconds;
    function query(name) {
      return W.api("/api/v1/metrics/query?name=" + name + "&since=" + since + "&until=" + until);
    }
    query("http_requests_per_second").then(function (got) {
      draw("rate-chart", serviceSeries(got, service), 1);
    });
    query("http_request_duration_seconds_p95").then(function (got) {
      draw("p95-chart", serviceSeries(got, service), 1000);
    });
  }
  window.WardenTraffic = { page: page };
})();
