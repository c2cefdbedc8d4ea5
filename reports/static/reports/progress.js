// Live progress of a report's compilation: polls its JSON every second and updates the steps.
// Without this file the page still works: its "Refresh" link reloads it.
(function () {
  "use strict";
  function start() {
    var panel = document.querySelector("[data-progress-url]");
    if (!panel || panel.getAttribute("data-finished") === "true") { return; }
    var url = panel.getAttribute("data-progress-url");
    var bar = panel.querySelector("progress");
    var delay = 1000;
    function set(name, text) {
      panel.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) { el.textContent = text; });
    }
    function poll() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (data.finished) { window.location.reload(); return; }
          set("steps_done", String(data.steps_done));
          set("steps_total", data.steps_total ? String(data.steps_total) : "?");
          set("step", data.step || "Waiting for a worker");
          set("elapsed_text", data.elapsed_text ? "elapsed " + data.elapsed_text : "not started yet");
          if (bar) { bar.max = data.steps_total || 1; bar.value = data.steps_done || 0; }
          delay = 1000;
          window.setTimeout(poll, delay);
        })
        .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
    }
    window.setTimeout(poll, delay);
  }
  document.addEventListener("DOMContentLoaded", start);
})();
