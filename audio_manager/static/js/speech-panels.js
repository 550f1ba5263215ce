// The edit page's language panels: "Generate" and "Use this recording" send the panel without
// reloading the page, show progress while the render job runs, then show the new version.
(function () {
  "use strict";
  function csrf(form) { return form.querySelector("input[name=csrf_token]").value; }

  function refresh(section, url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var box = section.querySelector(".panel-latest");
        box.innerHTML = html;
        if (window.drawWaveforms) { window.drawWaveforms(box); }
      });
  }

  function follow(section, form, job) {
    var status = form.querySelector(".panel-status");
    fetch(job.job_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.status === "done" || state.status === "failed") {
          status.textContent = "";
          status.removeAttribute("data-busy");
          refresh(section, job.panel_url);
          return;
        }
        window.setTimeout(function () { follow(section, form, job); }, 1000);
      })
      .catch(function () { window.setTimeout(function () { follow(section, form, job); }, 3000); });
  }

  document.querySelectorAll("form.speech-form").forEach(function (form) {
    var section = form.closest(".language-panel");
    var status = form.querySelector(".panel-status");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var action = event.submitter ? event.submitter.value : "generate";
      data.set("action", action);
      if (action !== "upload") { data.delete(section.getAttribute("data-language") + "-recording"); }
      status.innerHTML = "<progress></progress>";
      status.setAttribute("data-busy", "1");
      fetch(form.getAttribute("action"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf(form) },
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) {
            status.removeAttribute("data-busy");
            status.textContent = res.body.error ? res.body.error.message : "Error";
            status.className = "panel-status error";
            return;
          }
          status.className = "panel-status";
          follow(section, form, res.body);
        })
        .catch(function (err) { status.textContent = String(err); status.removeAttribute("data-busy"); });
    });
  });
})();
