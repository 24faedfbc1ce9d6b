/* The case page's letters section (templates/letters/_case_section.html). */
(function () {
  "use strict";

  // The new due date and the reason belong to extension notices only; what to complete
  // (補正), to a request for documents sent while the case is in progress.
  var form = document.getElementById("letter-request");
  if (form) {
    var kind = form.querySelector("[name=kind]");
    var extra = form.querySelector(".extension-fields");
    var completion = form.querySelector(".completion-fields");
    var toggle = function () {
      extra.hidden = kind.value !== "extension";
      if (completion) { completion.hidden = kind.value !== "deficiency"; }
    };
    kind.addEventListener("change", toggle);
    toggle();
  }

  // While a letter is being generated, ask how many are still pending and reload when done.
  var section = document.getElementById("letters");
  if (!section || !section.querySelector(".pending-letter")) { return; }
  var url = section.getAttribute("data-status-url");
  var timer = setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) { if (data.pending === 0) { clearInterval(timer); location.reload(); } })
      .catch(function () { clearInterval(timer); });
  }, 2000);
}());
