// Follows an install import without reloading the page; reloads when it ends.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-url]");
  if (!box) { return; }
  var bar = box.querySelector("[data-import-progress]");
  var label = box.querySelector("[data-import-done]");
  function poll() {
    fetch(box.getAttribute("data-import-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.status !== "queued" && job.status !== "running") { window.location.reload(); return; }
        bar.value = job.processed_rows;
        label.textContent = job.processed_rows;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
