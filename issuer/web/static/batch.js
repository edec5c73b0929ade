// Batch page: poll the progress endpoint and move the <progress> bar; reload once when finished
// so the server renders every row's result. Without JavaScript the page still works (Refresh).
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box || box.getAttribute("data-done") === "true") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("batch-progress");
  function set(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (p) {
        bar.max = Math.max(p.total, 1);
        bar.value = p.processed;
        bar.textContent = p.processed + " / " + p.total;
        set("batch-counts", p.processed + " of " + p.total + " rows processed");
        set("count-issued", String(p.issued));
        set("count-duplicates", String(p.duplicates));
        set("count-errors", String(p.errors));
        var state = document.getElementById("batch-state");
        state.textContent = p.state;
        state.className = "badge " + p.state;
        if (p.done) { window.location.reload(); } else { window.setTimeout(poll, 500); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
}());
