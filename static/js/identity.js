/* The document form shows only what the chosen type needs (the server checks it all again). */
(function () {
  "use strict";
  var form = document.getElementById("document-form");
  if (!form) { return; }
  var typeSelect = form.querySelector("#id_document_type");
  var cardBack = form.querySelector("#id_includes_card_back");
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
      return;
    }
    show(form.querySelector("[data-show=address]"), rule.address);
    show(form.querySelector("[data-show=expires]"), rule.expires);
    show(form.querySelector("[data-show=card-back]"), rule.cardBack);
    if (!rule.cardBack && cardBack) { cardBack.checked = false; }
    var required = rule.maskings.slice();
    if (cardBack && cardBack.checked && required.indexOf("my_number") < 0) { required.push("my_number"); }
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
  if (cardBack) { cardBack.addEventListener("change", update); }
  update();
}());
