// A <select data-autosubmit> sends its form when changed (the page's CSP allows no inline
// handlers such as onchange="...", so the behaviour lives here).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
})();
