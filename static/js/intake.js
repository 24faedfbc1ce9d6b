/* The intake form shows the fields of the channel chosen: the envelope for a letter by post,
   the time and who took it for a call or a visit, the sender for an e-mail. Without script
   every field is shown and the server ignores those of the other channels. */
(function () {
  "use strict";
  var form = document.getElementById("intake");
  if (!form) { return; }
  var groups = form.querySelectorAll("[data-channel-fields]");

  function chosen() {
    var checked = form.querySelector("input[name=channel]:checked");
    return checked ? checked.value : "post";
  }

  function show() {
    var channel = chosen();
    groups.forEach(function (group) {
      var wanted = group.getAttribute("data-channel-fields").split(" ").indexOf(channel) >= 0;
      group.hidden = !wanted;
    });
  }

  form.querySelectorAll("input[name=channel]").forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();
}());
