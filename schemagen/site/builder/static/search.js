// Search as you type on the index: hides the entries whose text lacks any of the typed words.
// The entries' text comes from the JSON index embedded in the page (no request: works from file://).
(function () {
  "use strict";
  var entries = JSON.parse(document.getElementById("search-index").textContent);
  var input = document.getElementById("search");
  var count = document.getElementById("search-count");
  var empty = document.getElementById("search-empty");
  var sections = document.querySelectorAll("[data-search-section]");

  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    entries.forEach(function (entry) {
      var match = words.every(function (word) { return entry.text.indexOf(word) !== -1; });
      document.getElementById(entry.id).hidden = !match;
      if (match) { shown += 1; }
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("li:not([hidden])");
    });
    count.textContent = words.length ? shown + " of " + entries.length : "";
    empty.hidden = shown !== 0;
  }

  function firstShown() {
    return document.querySelector(".entries li:not([hidden]) a");
  }

  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && firstShown()) {
      firstShown().click();
    } else if (event.key === "Escape") {
      input.value = "";
      filter();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== input) {
      event.preventDefault();
      input.focus();
    }
  });
  filter();  // a query the browser restored on going back
})();
