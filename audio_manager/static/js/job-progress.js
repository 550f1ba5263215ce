// Follows a render job without reloading the page, then shows the result when it ends.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-url]");
  if (!box) { return; }
  var status = box.getAttribute("data-job-status");
  if (status !== "queued" && status !== "running") { return; }
  var label = box.querySelector("[data-job-label]");
  function poll() {
    fetch(box.getAttribute("data-job-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        box.setAttribute("data-job-status", job.status);
        label.textContent = job.status === "running" ? label.getAttribute("data-running") || "…" : label.textContent;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
