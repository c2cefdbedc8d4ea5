// Small progressive enhancement of the assessment pages; they work without this file.
(function () {
  "use strict";
  // A link to a challenge or a form inside a closed <details> opens it, so the target shows.
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
  }
  document.addEventListener("DOMContentLoaded", openTarget);
  window.addEventListener("hashchange", openTarget);
})();
