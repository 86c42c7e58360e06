/* Warden real-user monitoring page: the p75 of each vital over time, one line per device
   class and one for all, with the good and poor thresholds dashed (uPlot). The data is the
   warden.rum/v1 report embedded in the page (what GET /api/v1/rum answers). */
(function () {
  "use strict";
  var W = window.Warden;
  var COLORS = { all: "#1d2330", mobile: "#2456b3", tablet: "#e0701f", desktop: "#8e44ad" };

  function draw(report, vital) {
    var target = document.getElementById("chart-" + vital.key);
    if (!target) return;
    var times = report.series.times, devices = Object.keys(report.series.devices);
    var scale = vital.unit === "s" ? 1000 : 1;
    if (!devices.length) { W.chart(target, [[]], []); return; }
    var data = [times], series = [];
    devices.forEach(function (device) {
      data.push(report.series.devices[device][vital.key].map(function (v) { return v == null ? null : v * scale; }));
      series.push({ label: device, stroke: COLORS[device] || "#16a2a8", width: device === "all" ? 2 : 1.5,
        spanGaps: true, points: { show: true, size: 5 } });  // a step alone shows as a dot
    });
    [["good", "#2e9e44"], ["poor", "#d0342c"]].forEach(function (line) {
      var at = vital[line[0]] * scale;
      data.push(times.map(function () { return at; }));
      series.push({ label: line[0] === "good" ? "good \u2264" : "poor >", stroke: line[1], dash: [5, 5], width: 1 });
    });
    W.chart(target, data, series);
  }
  function page() {
    var holder = document.getElementById("rum-data");
    if (!holder) return;
    var report = JSON.parse(holder.textContent);
    report.vitals.forEach(function (vital) { draw(report, vital); });
  }
  window.WardenRum = { page: page };
})();
