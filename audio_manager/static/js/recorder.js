// Records a voice in the browser (MediaRecorder) and puts it into the form's file field, so it
// is uploaded like any other recording. Works without it: the file field stays usable.
(function () {
  "use strict";
  document.querySelectorAll("[data-recorder]").forEach(function (box) {
    var input = document.getElementById(box.getAttribute("data-target"));
    var start = box.querySelector("[data-record]");
    var stop = box.querySelector("[data-stop]");
    var status = box.querySelector("[data-status]");
    var preview = box.querySelector("[data-preview]");
    if (!window.MediaRecorder || !navigator.mediaDevices || !input) { box.hidden = true; return; }
    var recorder = null, chunks = [];
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = function (e) { if (e.data.size) { chunks.push(e.data); } };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = recorder.mimeType || "audio/webm";
          var file = new File(chunks, "recording." + (type.indexOf("ogg") >= 0 ? "ogg" : "webm"), { type: type });
          var transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          preview.src = URL.createObjectURL(file);
          preview.hidden = false;
          status.textContent = "✓ " + Math.round(file.size / 1024) + " KB";
          start.hidden = false; stop.hidden = true;
        };
        recorder.start();
        status.textContent = "●";
        start.hidden = true; stop.hidden = false;
      }).catch(function (err) { status.textContent = String(err); });
    });
    stop.addEventListener("click", function () { if (recorder) { recorder.stop(); } });
  });
})();
