// Bulk job page: polls the job's JSON progress, moves the bar, then shows the results table
// without reloading the page. Without JavaScript the page's refresh link does the same.
"use strict";
(function () {
  var job = document.getElementById("bulk-job");
  if (!job || job.dataset.state !== "running") { return; }
  var bar = document.getElementById("bulk-progress");
  var status = document.getElementById("bulk-status");
  // The words come from the page, in the reader's language: the verdicts' labels, and
  // sentences with {name} placeholders filled in here.
  var labels = JSON.parse(job.dataset.labels || "{}");

  function say(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function showResults(body) {
    var tbody = document.getElementById("bulk-rows");
    body.rows.forEach(function (item) {
      var tr = document.createElement("tr");
      tr.dataset.verdict = item.verdict;
      cell(tr, String(item.position));
      cell(tr, item.reference);
      cell(tr, item.input).className = "input";
      cell(tr, labels[item.verdict] || item.verdict);
      cell(tr, item.holder);
      cell(tr, item.degree);
      cell(tr, item.failing_checks.join(", "));
      cell(tr, item.detail);
      tbody.appendChild(tr);
    });
    document.getElementById("bulk-results").hidden = false;
    document.getElementById("bulk-download").hidden = false;
    var refresh = document.getElementById("bulk-refresh");
    if (refresh) { refresh.hidden = true; }
    job.dataset.state = body.job.state;
  }

  function poll() {
    fetch(job.dataset.progressUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (progress) {
        bar.max = progress.total;
        bar.value = progress.done;
        var counts = { done: progress.done, total: progress.total };
        bar.textContent = say(job.dataset.textOf, counts);
        if (progress.state === "running") {
          status.textContent = say(job.dataset.textChecking, counts);
          window.setTimeout(poll, 1000);
          return;
        }
        status.textContent = progress.state === "done"
          ? say(job.dataset.textFinished, counts)
          : say(job.dataset.textStopped, { error: progress.error });
        return fetch(job.dataset.resultsUrl, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.json(); })
          .then(showResults);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
