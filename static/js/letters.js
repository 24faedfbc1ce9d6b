/* The case page's letters section (templates/letters/_case_section.html). */
(function () {
  "use strict";

  // The new due date and the reason belong to extension notices only.
  var form = document.getElementById("letter-request");
  if (form) {
    var kind = form.querySelector("[name=kind]");
    var extra = form.querySelector(".extension-fields");
    var toggle = function () { extra.hidden = kind.value !== "extension"; };
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
