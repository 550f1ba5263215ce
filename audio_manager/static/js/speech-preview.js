// The edit page's "what the voice will read" (kept up to date while the editor types, through
// POST /api/v1/speech/preview) and "Listen to this voice" (plays the voice's sample in place).
// Without JavaScript, both buttons still work: they reload the page or open the sample.
(function () {
  "use strict";
  function csrf(form) { return form.querySelector("input[name=csrf_token]").value; }

  document.querySelectorAll("form.speech-form").forEach(function (form) {
    var section = form.closest(".language-panel");
    var language = section.getAttribute("data-language");
    var script = form.querySelector("textarea[data-preview-url]");
    var spoken = form.querySelector("[data-spoken]");
    var previewButton = form.querySelector("[data-preview-button]");
    var timer = null;
    var sent = 0;

    function preview() {
      var ticket = ++sent;
      fetch(script.getAttribute("data-preview-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf(form) },
        body: JSON.stringify({ language: language, text: script.value }),
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (ticket !== sent) { return; }  // an answer to older text
          if (res.ok) { spoken.textContent = res.body.spoken; spoken.classList.remove("error"); }
          else if (res.body.error) { spoken.textContent = res.body.error.message; spoken.classList.add("error"); }
        })
        .catch(function () { /* offline: the last preview stays */ });
    }

    if (script && spoken && window.fetch) {
      if (previewButton) { previewButton.hidden = true; }
      script.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(preview, 400);
      });
    }

    var box = form.querySelector(".voice-sample");
    var listen = box && box.querySelector("[data-listen]");
    var player = box && box.querySelector("[data-sample]");
    var select = form.querySelector("select[data-voice]");
    if (!listen || !player || !select) { return; }
    listen.addEventListener("click", function (event) {
      var chosen = select.value || (select.options.length > 1 ? select.options[1].value : "");
      if (!chosen) { return; }
      event.preventDefault();
      var parts = chosen.split(":");
      var url = box.getAttribute("data-sample-url")
        .replace("ENGINE", encodeURIComponent(parts[0]))
        .replace("VOICE", encodeURIComponent(parts.slice(1).join(":")));
      player.hidden = false;
      player.src = url;
      player.play().catch(function () { /* the player shows its own error */ });
    });
  });
})();
