// Draws a version's waveform from its peaks JSON (min/max pairs) onto a canvas.
(function () {
  "use strict";
  function draw(canvas, peaks) {
    var ctx = canvas.getContext("2d");
    var data = peaks.data || [];
    var pairs = data.length / 2;
    var scale = Math.pow(2, (peaks.bits || 8) - 1);
    var w = canvas.width, h = canvas.height, mid = h / 2;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = getComputedStyle(canvas).color || "#1d4ed8";
    for (var x = 0; x < w; x++) {
      var i = Math.floor((x / w) * pairs) * 2;
      var lo = data[i] / scale, hi = data[i + 1] / scale;
      ctx.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
    }
  }
  window.drawWaveforms = function (root) {
    (root || document).querySelectorAll("canvas[data-peaks]").forEach(function (canvas) {
      fetch(canvas.getAttribute("data-peaks"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (peaks) { draw(canvas, peaks); })
        .catch(function () { canvas.hidden = true; });
    });
  };
  window.drawWaveforms();
})();
