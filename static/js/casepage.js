/* The case page's sections fold. A section opens by itself when the page is opened at its
   anchor (or at something inside it), and when a form in it came back with errors; the first
   field in error then gets the focus. */
(function () {
  "use strict";
  function openAround(element) {
    var details = element && element.closest("details.fold");
    if (details) { details.open = true; }
  }

  function openAtHash() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) { return; }
    openAround(target);
    var inner = target.querySelector("details.fold");
    if (inner) { inner.open = true; }
    target.scrollIntoView();
  }

  var invalid = document.querySelectorAll("[aria-invalid=true], .has-error, .alert.error");
  invalid.forEach(openAround);
  var first = document.querySelector("[aria-invalid=true]");
  if (first) { first.focus(); }
  openAtHash();
  window.addEventListener("hashchange", openAtHash);
}());
