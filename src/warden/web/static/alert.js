/* The alert page: silence this alert, expire a silence (operators), then reload the page. */
(function () {
  "use strict";
  var W = window.Warden;
  document.querySelectorAll("#silences button.expire").forEach(function (b) {
    b.addEventListener("click", function () {
      W.api("/api/v1/silences/" + encodeURIComponent(b.dataset.silence), { method: "DELETE" })
        .then(function () { location.reload(); });
    });
  });
  var form = document.getElementById("silence-alert");
  if (!form) return;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(form), err = document.getElementById("silence-error");
    var body = {
      matchers: String(data.get("matchers")).split("\n").map(function (x) { return x.trim(); }).filter(Boolean),
      duration_seconds: Number(data.get("duration")), comment: String(data.get("comment") || "")
    };
    W.api("/api/v1/silences", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function () { location.reload(); })
      .catch(function (e) { err.textContent = e.message; });
  });
})();
