/* The area picker: search as you type (without diacritics: "hoa tu" finds "Hòa Tú"), folding
   the tree, and a commune (any area) choosing everything below it. The page works without it:
   the boxes are plain checkboxes in a list. */
(function () {
  "use strict";

  function fold(text) {
    return text.toLowerCase().replace(/đ/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim();
  }

  function setup(picker) {
    var nodes = Array.prototype.slice.call(picker.querySelectorAll(".ap-node"));
    var multiple = picker.hasAttribute("data-multiple");
    var search = picker.querySelector(".ap-search");
    var chosen = picker.querySelector(".ap-chosen");
    var none = picker.querySelector(".ap-none");
    var collapsed = {};
    picker.classList.add("ap-enhanced");
    picker.querySelector(".ap-tools").hidden = false;

    function box(node) { return node.querySelector("input"); }
    function path(node) { return node.getAttribute("data-path"); }
    function below(node) {
      var p = path(node);
      return nodes.filter(function (n) { var q = path(n); return p && q !== p && q.indexOf(p) === 0; });
    }
    function above(node) {
      var p = path(node);
      return nodes.filter(function (n) { var q = path(n); return q && q !== p && p.indexOf(q) === 0; });
    }

    // Fold every branch below the top, except those leading to a chosen area.
    var open = {};
    nodes.forEach(function (n) {
      var b = box(n);
      if (b && b.checked && b.value) above(n).forEach(function (a) { open[path(a)] = true; });
    });
    nodes.forEach(function (n, i) {
      var toggle = n.querySelector(".ap-toggle");
      if (!toggle) return;
      toggle.hidden = false;
      var top = n.style.getPropertyValue("--depth").trim() === "0";
      if (!top && !open[path(n)]) collapsed[path(n)] = true;
      toggle.addEventListener("click", function () {
        if (collapsed[path(n)]) delete collapsed[path(n)]; else collapsed[path(n)] = true;
        render();
      });
    });

    function render() {
      var query = search ? fold(search.value) : "";
      var shown = 0;
      if (query) {
        var keep = {};
        nodes.forEach(function (n) {
          var match = n.getAttribute("data-key").indexOf(query) !== -1;
          n.classList.toggle("ap-match", match);
          if (match) {
            keep[path(n)] = true;
            above(n).forEach(function (a) { keep[path(a)] = true; });
          }
        });
        nodes.forEach(function (n) {
          n.hidden = !keep[path(n)];
          if (!n.hidden) shown++;
        });
      } else {
        nodes.forEach(function (n) {
          n.classList.remove("ap-match");
          var hide = above(n).some(function (a) { return collapsed[path(a)]; });
          n.hidden = hide;
          if (!hide) shown++;
        });
      }
      nodes.forEach(function (n) {
        var toggle = n.querySelector(".ap-toggle");
        if (toggle) toggle.setAttribute("aria-expanded", query || !collapsed[path(n)] ? "true" : "false");
      });
      if (none) none.hidden = shown > 0;
      summary();
    }

    function summary() {
      if (!chosen) return;
      var names = [];
      nodes.forEach(function (n) {
        var b = box(n);
        if (!b || !b.checked || !b.value) return;
        var covered = above(n).some(function (a) { var ab = box(a); return ab && ab.checked; });
        n.classList.toggle("ap-covered", covered);
        if (!covered) names.push(b.getAttribute("data-name"));
      });
      chosen.textContent = names.length
        ? chosen.getAttribute("data-some") + " " + names.join(", ")
        : chosen.getAttribute("data-none");
    }

    picker.addEventListener("change", function (event) {
      var input = event.target;
      if (!multiple || input.type !== "checkbox") { summary(); return; }
      var node = input.closest(".ap-node");
      below(node).forEach(function (n) { var b = box(n); if (b) b.checked = input.checked; });
      if (!input.checked) {
        above(node).forEach(function (a) { var b = box(a); if (b) b.checked = false; });
      }
      summary();
    });

    // Arrow keys move between the boxes shown (checkboxes; radio buttons move by themselves).
    picker.addEventListener("keydown", function (event) {
      var input = event.target;
      if (input.type !== "checkbox" || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
      var shown = nodes.filter(function (n) { return !n.hidden && box(n); }).map(box);
      var at = shown.indexOf(input) + (event.key === "ArrowDown" ? 1 : -1);
      event.preventDefault();
      if (at >= 0 && at < shown.length) shown[at].focus();
      else if (at < 0 && search) search.focus();
    });

    if (search) {
      search.addEventListener("input", render);
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") event.preventDefault();
        if (event.key === "ArrowDown" || event.key === "Enter") {
          var shown = nodes.filter(function (n) { return !n.hidden && box(n); });
          var first = shown.filter(function (n) { return n.classList.contains("ap-match"); })[0] || shown[0];
          if (first) { event.preventDefault(); box(first).focus(); }
        }
      });
    }
    // A chosen commune shows its hamlets chosen too.
    if (multiple) {
      nodes.forEach(function (n) {
        var b = box(n);
        if (b && b.checked) below(n).forEach(function (d) { var db = box(d); if (db) db.checked = true; });
      });
    }
    render();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-area-picker]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
