// Small enhancements for provmap's pages. Every page works without them: they only add a
// print button and a "tick all" button, which need a script to do anything, the arrow keys
// in the pupil search's list, and a question before unsaved changes are left behind.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("[data-needs-js]").forEach(function (element) {
      element.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var print = event.target.closest("[data-print]");
    if (print) {
      window.print();
      return;
    }
    var toggle = event.target.closest("[data-check-all]");
    if (toggle) {
      var form = toggle.form || toggle.closest("form");
      var boxes = form.querySelectorAll(
        'input[type="checkbox"][name="' + toggle.getAttribute("data-check-all") + '"]'
      );
      var tick = Array.prototype.some.call(boxes, function (box) {
        return !box.checked;
      });
      boxes.forEach(function (box) {
        box.checked = tick;
      });
    }
  });

  // The header's pupil search: the arrow keys move between the box and the pupils listed
  // under it, Escape closes the list. Tab reaches them too, after the Search button.
  document.addEventListener("keydown", function (event) {
    var search = event.target.closest(".pupil-search");
    if (!search) {
      return;
    }
    var box = search.querySelector('input[type="search"]');
    var links = Array.prototype.slice.call(search.querySelectorAll(".pupil-search__results a"));
    var index = links.indexOf(event.target);
    if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[Math.min(index + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index === 0 ? box : links[index - 1]).focus();
    } else if (event.key === "Escape" && links.length) {
      search.querySelector(".pupil-search__results").innerHTML = "";
      box.focus();
    }
  });

  // A form marked data-unsaved-warning remembers that it was changed. Sending another form of
  // the page (a target, say) or leaving the page while it holds changes asks first, with the
  // form's own words, so the changes are not lost without a word.
  var unsaved = null;
  document.addEventListener("input", function (event) {
    var form = event.target.closest("form[data-unsaved-warning]");
    if (form) {
      unsaved = form;
    }
  });
  document.addEventListener(
    "submit",
    function (event) {
      if (!unsaved || event.target === unsaved) {
        unsaved = null;
        return;
      }
      if (window.confirm(unsaved.getAttribute("data-unsaved-warning"))) {
        unsaved = null;
      } else {
        event.preventDefault();
      }
    },
    true
  );
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    reveal(event.target);
  });
})();
