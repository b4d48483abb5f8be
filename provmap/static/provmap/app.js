// Small enhancements for provmap's pages. Every page works without them: they only add a
// print button and a "tick all" button, which need a script to do anything.
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

  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    reveal(event.target);
  });
})();
