// The header's Menu button on a phone: shows and hides the sections and Sign out.
// Without this script (nojs.css) the menu simply stays open.
(function () {
  "use strict";
  function setUp() {
    var header = document.querySelector("header.top");
    var toggle = header && header.querySelector(".menu-toggle");
    if (!toggle) return;
    header.classList.add("has-menu");
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      if (open && switcher) switcher.open = false;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    var switcher = header.querySelector(".switcher");
    if (switcher) switcher.addEventListener("toggle", function () {
      if (switcher.open) { header.classList.remove("menu-open"); toggle.setAttribute("aria-expanded", "false"); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        header.classList.remove("menu-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
