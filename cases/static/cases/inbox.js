// The triage inbox, for keyboard users and quick hands. Without this file every action still
// works: checkboxes and buttons, and duplicate suggestions open as a page of their own.
(function () {
  "use strict";

  var rows = [];
  var current = -1;

  function typing(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    if (tag === "INPUT") {
      // Shortcuts keep working on a ticked checkbox or a button; not in a field being typed in.
      return !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
    }
    return tag === "SELECT" || tag === "TEXTAREA" || target.isContentEditable;
  }

  function focusRow(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) { rows[current].classList.remove("is-current"); }
    current = index;
    var row = rows[current];
    row.classList.add("is-current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function rowBox(row) { return row.querySelector("input[type=checkbox][name=signals]"); }

  function countSelected() {
    var count = document.querySelectorAll("input[type=checkbox][name=signals]:checked").length;
    var out = document.querySelector("[data-selected-count]");
    if (out) { out.textContent = String(count); }
    var all = document.getElementById("select-all");
    if (all) {
      all.checked = count > 0 && count === rows.length;
      all.indeterminate = count > 0 && count < rows.length;
    }
  }

  function markSelected(box) {
    var row = box.closest("tr");
    if (row) { row.classList.toggle("is-selected", box.checked); }
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (field) { field.focus(); if (field.select && field.tagName === "INPUT") { field.select(); } }
  }

  // --- Duplicate suggestions, fetched when a row's disclosure is first opened ---------------
  function loadDuplicates(details, init) {
    var body = details.querySelector(".dups__body");
    var summary = details.querySelector("summary");
    body.textContent = "Looking for possible duplicates…";
    fetch(details.getAttribute("data-src"), Object.assign({
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }, init || {})).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok && response.status !== 400) { throw new Error(String(response.status)); }
        return html;
      });
    }).then(function (html) {
      body.innerHTML = html;
      details.setAttribute("data-loaded", "1");
      var list = body.querySelector("[data-count]");
      var count = list ? list.getAttribute("data-count") : "0";
      details.setAttribute("data-count", count);
      summary.textContent = count === "0" ? "Possible duplicates: none" : "Possible duplicates: " + count;
    }).catch(function () {
      body.innerHTML = "";
      var link = document.createElement("a");
      link.href = details.getAttribute("data-src");
      link.textContent = "The suggestions could not be loaded here; open them as a page.";
      body.appendChild(link);
    });
  }

  function onDecision(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("dups__decide")) { return; }
    var details = form.closest("details.dups");
    if (!details) { return; }  // the page of its own: an ordinary post and redirect
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) {
      data.append(event.submitter.name, event.submitter.value);
    }
    var src = details.getAttribute("data-src");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status >= 500) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var body = details.querySelector(".dups__body");
      body.innerHTML = html;
      var list = body.querySelector("[data-count]");
      var count = list ? list.getAttribute("data-count") : "0";
      details.setAttribute("data-count", count);
      details.querySelector("summary").textContent =
        count === "0" ? "Possible duplicates: none left" : "Possible duplicates: " + count;
      var next = body.querySelector(".dups__decide button");
      (next || details.querySelector("summary")).focus();
    }).catch(function () {
      details.setAttribute("data-src", src);
      form.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    rows = Array.prototype.slice.call(document.querySelectorAll(".inbox-table tbody tr[data-signal]"));

    var all = document.getElementById("select-all");
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        rows.forEach(function (row) {
          var box = rowBox(row);
          box.checked = all.checked;
          markSelected(box);
        });
        countSelected();
      });
    }
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[type=checkbox][name=signals]")) {
        markSelected(event.target);
        countSelected();
      }
    });
    rows.forEach(function (row, index) {
      row.addEventListener("focusin", function () {
        if (current >= 0 && rows[current]) { rows[current].classList.remove("is-current"); }
        current = index;
        row.classList.add("is-current");
      });
    });
    countSelected();

    document.querySelectorAll("details.dups[data-src]").forEach(function (details) {
      details.addEventListener("toggle", function () {
        if (details.open && !details.hasAttribute("data-loaded")) { loadDuplicates(details); }
      });
    });
    document.addEventListener("submit", onDecision);

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "Escape" && typing(event.target)) {
        event.target.blur();
        if (rows.length) { focusRow(current < 0 ? 0 : current); }
        return;
      }
      if (typing(event.target)) { return; }
      var row = rows[current];
      switch (event.key) {
        case "j": focusRow(current + 1); break;
        case "k": focusRow(current < 0 ? 0 : current - 1); break;
        case "x":
          if (!row) { focusRow(0); row = rows[current]; }
          if (row) { var box = rowBox(row); box.checked = !box.checked; markSelected(box); countSelected(); }
          break;
        case "o":
        case "Enter":
          // Enter on a link or a button inside the row keeps its own meaning.
          if (!row || (event.key === "Enter" && event.target !== row)) { return; }
          var link = row.querySelector("a[data-open]");
          if (!link) { return; }
          link.click();
          break;
        case "u":
          if (!row) { return; }
          var details = row.querySelector("details.dups");
          if (details) { details.open = !details.open; details.querySelector("summary").focus(); }
          break;
        case "l": focusField("id_situation"); break;
        case "d": focusField("id_reason"); break;
        case "/": focusField("id_q"); break;
        case "?":
          var help = document.getElementById("inbox-keys");
          if (help) { help.open = !help.open; help.querySelector("summary").focus(); }
          break;
        default: return;
      }
      event.preventDefault();
    });
  });
})();
