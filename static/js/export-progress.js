// The export page's progress bar: polls the export's status (JSON) until it is finished.
// No external resources; without JavaScript the page still shows the state at load time.
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("export-bar");
  var text = document.getElementById("export-status-text");
  var percent = document.getElementById("export-percent");
  var ready = document.getElementById("export-ready");
  var link = document.getElementById("export-download");
  var failed = document.getElementById("export-failed");
  var manifest = document.getElementById("export-manifest");
  var manifestHash = document.getElementById("export-manifest-hash");
  var delay = 700;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    percent.textContent = data.percent;
    text.textContent = data.label;
    box.setAttribute("data-status", data.status);
    if (data.status === "done") {
      link.href = data.download_url;
      ready.hidden = false;
      manifestHash.textContent = data.manifest_sha256;
      manifest.hidden = false;
    }
    failed.hidden = data.status !== "failed";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.status !== "done" && data.status !== "failed") {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        // A dropped connection is retried, more slowly.
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  var state = box.getAttribute("data-status");
  if (state !== "done" && state !== "failed") { poll(); }
})();
