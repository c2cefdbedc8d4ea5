// Live progress of an import: polls the job's JSON every second and updates the counters.
// Without this file the page still works: its "Refresh" link reloads it.
(function () {
  "use strict";
  var FIELDS = ["rows_done", "rows_total", "rows_imported", "rows_already_present", "rows_failed"];

  function start() {
    var panel = document.querySelector("[data-progress-url]");
    if (!panel || panel.getAttribute("data-finished") === "true") { return; }
    var url = panel.getAttribute("data-progress-url");
    var bar = panel.querySelector("progress");
    var status = panel.querySelector(".status");
    var delay = 1000;

    function number(value) {
      return value === null || value === undefined ? "?" : Number(value).toLocaleString("en-GB");
    }
    function set(name, text) {
      panel.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
        el.textContent = text;
      });
    }
    function show(data) {
      FIELDS.forEach(function (name) { set(name, number(data[name])); });
      set("percent", String(data.percent || 0));
      set("elapsed_text", data.elapsed_text || "—");
      set("status_label", data.status_label);
      if (status) { status.className = "status status--" + data.status; }
      if (data.status !== "queued") {
        panel.querySelectorAll("[data-while-queued]").forEach(function (el) { el.hidden = true; });
      }
      if (bar) {
        bar.max = data.rows_total || 1;
        bar.value = data.rows_done || 0;
        bar.textContent = (data.percent || 0) + "%";
      }
    }
    function poll() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          show(data);
          if (data.finished) {
            // The final state brings the row errors and the failure, if any: load it whole.
            window.location.reload();
            return;
          }
          delay = 1000;
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 15000);
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
