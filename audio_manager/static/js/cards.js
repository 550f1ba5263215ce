// On a narrow screen tables are shown as stacked cards (app.css); each cell then shows its
// column's heading, taken here from the table head. Without JavaScript the cards still stack.
(function () {
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var label = heads[column];
        if (label && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
        column += cell.colSpan || 1;
      });
    });
  });
})();
