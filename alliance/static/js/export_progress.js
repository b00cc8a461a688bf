// The export job page: poll the job's status and move the progress bar until it ends,
// then reload so the page lists the files (or the error). No inline scripts: the CSP.
(function () {
  "use strict";
  var panel = document.querySelector("[data-status-url]");
  if (!panel) { return; }
  var state = panel.getAttribute("data-state");
  if (state === "done" || state === "failed") { return; }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("progress");
  var percent = panel.querySelector(".export-percent");
  var message = panel.querySelector(".export-message");
  var delay = 400;

  function show(job) {
    var value = Math.max(0, Math.min(1, Number(job.progress) || 0));
    bar.value = value;
    bar.textContent = Math.round(value * 100) + "%";
    percent.textContent = Math.round(value * 100) + "%";
    panel.setAttribute("data-progress", String(value));
    if (message && typeof job.message === "string") { message.textContent = job.message; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { window.setTimeout(poll, delay * 5); });
  }
  window.setTimeout(poll, delay);
})();
