// The compile form shows only the fields its kind of period needs: the year and the quarter
// for a quarterly report, the year for an annual one, the first and last day for a custom
// period. Without this file every field shows, and the help under each says when it applies.
(function () {
  "use strict";
  var NEEDS = {
    quarterly: ["year", "quarter"],
    annual: ["year"],
    custom: ["period_start", "period_end"]
  };
  var PERIOD_FIELDS = ["year", "quarter", "period_start", "period_end"];
  function start() {
    var form = document.querySelector("form.compile-form");
    if (!form) { return; }
    var radios = form.querySelectorAll('input[name="kind"]');
    function show() {
      var chosen = form.querySelector('input[name="kind"]:checked');
      var needed = NEEDS[chosen ? chosen.value : ""] || PERIOD_FIELDS;
      PERIOD_FIELDS.forEach(function (name) {
        var input = form.querySelector('[name="' + name + '"]');
        var field = input && input.closest(".field");
        // A field with an error stays in view whatever the kind.
        if (field) { field.hidden = needed.indexOf(name) < 0 && !field.classList.contains("field--invalid"); }
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", show); });
    show();
  }
  document.addEventListener("DOMContentLoaded", start);
})();
