// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Times are written in UTC; the hover adds the reader's local time.
  function localise() {
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      el.title = el.textContent + " — your local time: " + when.toLocaleString(undefined, {
        day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short"
      });
    });
  }
  // The first invalid field of a form gets the focus, so a keyboard user lands on the problem.
  function focusFirstError() {
    var invalid = document.querySelector(".field--invalid input, .field--invalid select, .field--invalid textarea, [aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { localise(); focusFirstError(); });
})();
