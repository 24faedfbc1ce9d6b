/* The document form shows only what the chosen type needs (the server checks it all again).
   The back of a My Number card has nothing to copy and is destroyed at once: only whose it
   is and the day it arrived are asked. */
(function () {
  "use strict";
  var form = document.getElementById("document-form");
  if (!form) { return; }
  var typeSelect = form.querySelector("#id_document_type");
  var rules = {};
  document.querySelectorAll("[data-type-rules]").forEach(function (row) {
    rules[row.dataset.typeRules] = {
      address: row.dataset.showsAddress === "1",
      expires: row.dataset.expires === "1",
      maskings: row.dataset.maskings ? row.dataset.maskings.split(" ") : [],
      cardBack: row.dataset.cardBack === "1"
    };
  });

  function show(element, visible) {
    if (element) { element.hidden = !visible; }
  }

  function fieldOf(selector) {
    var input = form.querySelector(selector);
    return input ? input.closest(".field") : null;
  }

  function update() {
    var rule = rules[typeSelect.value];
    if (!rule) {
      form.querySelectorAll("[data-show], .field").forEach(function (el) { el.hidden = false; });
      show(form.querySelector("[data-show=card-back-note]"), false);
      return;
    }
    show(form.querySelector("[data-show=card-back-note]"), rule.cardBack);
    show(form.querySelector("[data-show=shown]"), !rule.cardBack);
    show(form.querySelector("[data-show=copy]"), !rule.cardBack);
    show(form.querySelector("[data-show=address]"), rule.address);
    show(form.querySelector("[data-show=expires]"), rule.expires);
    var required = rule.maskings.slice();
    form.querySelectorAll("input[name=maskings]").forEach(function (box) {
      var wanted = required.indexOf(box.value) >= 0;
      if (!wanted) { box.checked = false; }
      show(box.closest("div"), wanted);
    });
    var any = required.length > 0;
    show(fieldOf("#id_maskings_0"), any);
    show(fieldOf("#id_masking_method"), any);
    show(fieldOf("#id_masked_by"), any);
  }

  typeSelect.addEventListener("change", update);
  update();
}());
