/* Warden real-user monitoring: sends this page view's Core Web Vitals to Warden.
   Served at /rum.js after the web-vitals library (window.webVitals). Include it with
     <script src="https://warden.example.com/rum.js" data-site="shop" async></script>
   It posts {page, device, metrics} to /rum/<site> next to where the script came from: the
   path only (no query string, no fragment), a device class from the viewport width and the
   values of LCP, INP, CLS and TTFB, each once per page view, when the page is hidden. No
   cookies, no identifiers. */
(function () {
  "use strict";
  var script = document.currentScript;
  var vitals = window.webVitals;
  if (!script || !vitals || !window.JSON) return;
  var site = script.getAttribute("data-site") || "";
  var endpoint = new URL("/rum/" + encodeURIComponent(site), script.src).href;
  var width = window.innerWidth || document.documentElement.clientWidth || 0;
  var device = width < 768 ? "mobile" : width < 1024 ? "tablet" : "desktop";
  var keepalive = typeof Request === "function" && "keepalive" in new Request("data:,");
  var queue = {}, sent = {};

  function send() {
    var names = Object.keys(queue);
    if (!names.length) return;
    var body = JSON.stringify({ page: location.pathname, device: device, metrics: queue });
    names.forEach(function (name) { sent[name] = true; });
    queue = {};
    if (keepalive) {  // text/plain: a simple request, no preflight; never any cookie
      fetch(endpoint, { method: "POST", body: body, keepalive: true, credentials: "omit",
        headers: { "Content-Type": "text/plain" } }).catch(function () {});
    } else if (navigator.sendBeacon) {
      navigator.sendBeacon(endpoint, body);
    }
  }
  function add(metric) {
    if (sent[metric.name]) return;
    queue[metric.name] = metric.value;
    // web-vitals reports LCP, CLS and INP as the page is hidden, after this page's listener
    if (document.visibilityState === "hidden") Promise.resolve().then(send);
  }
  vitals.onTTFB(add);
  vitals.onLCP(add);
  vitals.onCLS(add);
  vitals.onINP(add);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send();
  });
  window.addEventListener("pagehide", send);
})();
