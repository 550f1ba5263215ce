// Bulletin preview: "Play them in order" plays each part's audio, then the gap, then the next.
(function () {
  "use strict";
  var button = document.querySelector("[data-play-bulletin]");
  if (!button) return;
  var parts = Array.prototype.slice.call(document.querySelectorAll("[data-bulletin-part]"));
  if (!parts.length) return;
  var gapMs = Math.max(0, parseFloat(button.getAttribute("data-gap")) || 0) * 1000;
  var timer = null;
  button.hidden = false;
  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
    parts.forEach(function (audio) { audio.pause(); audio.onended = null; });
  }
  function play(index) {
    if (index >= parts.length) return;
    var audio = parts[index];
    audio.currentTime = 0;
    audio.onended = function () {
      audio.onended = null;
      timer = setTimeout(function () { play(index + 1); }, gapMs);
    };
    audio.play();
  }
  button.addEventListener("click", function () { stop(); play(0); });
})();
