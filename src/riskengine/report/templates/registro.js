/* The register's filters (area, unit, level) and sortable columns. Without JavaScript the register is
   complete and printable: the filter form stays hidden and the rows keep their printed order. */
(function () {
  "use strict";
  var table = document.querySelector("table.registro");
  var form = document.getElementById("registro-filtri");
  if (!table || !form) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var count = document.getElementById("registro-conteggio");
  var lang = document.documentElement.lang || "it";

  function matches(row, field, value) {
    return !value || (" " + (row.getAttribute("data-" + field) || "") + " ").indexOf(" " + value + " ") >= 0;
  }

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var keep = matches(row, "aree", form.elements.area.value) &&
                 matches(row, "unita", form.elements.unita.value) &&
                 matches(row, "livello", form.elements.livello.value);
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    count.textContent = count.getAttribute("data-modello").replace("{n}", shown).replace("{totale}", rows.length);
  }

  function key(cell) {
    var order = cell ? cell.getAttribute("data-ordine") : null;
    if (order !== null && order !== "") { return parseFloat(order); }
    return cell ? cell.textContent.trim() : "";
  }

  function sortBy(th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.slice().sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var c = (typeof x === "number" && typeof y === "number") ? x - y
        : String(x).localeCompare(String(y), lang, { numeric: true });
      return ascending ? c : -c;
    }).forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ordina";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(th, index); });
  });
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
