/* The outcome form offers only the grounds of the chosen outcome (the server checks it all
   again: requests_app/outcomes.py), and the measure only for an alternative measure. */
(function () {
  "use strict";
  document.querySelectorAll("form.outcome-form[data-grounds]").forEach(function (form) {
    var byOutcome = JSON.parse(form.dataset.grounds);
    var outcome = form.querySelector("select[name$='-outcome']");
    var ground = form.querySelector("select[name$='-refusal_ground']");
    var measure = form.querySelector("textarea[name$='-measure']");
    if (!outcome) { return; }

    function update() {
      var allowed = byOutcome[outcome.value] || [];
      if (ground) {
        Array.prototype.forEach.call(ground.options, function (option) {
          option.hidden = option.value !== "" && allowed.indexOf(option.value) < 0;
        });
        if (ground.value && allowed.indexOf(ground.value) < 0) { ground.value = ""; }
        if (allowed.length === 1) { ground.value = allowed[0]; }
        ground.closest(".field").hidden = allowed.length === 0;
      }
      if (measure) {
        measure.closest(".field").hidden = outcome.value !== "different_measure";
      }
    }
    outcome.addEventListener("change", update);
    update();
  });
}());
