// The listening stream refreshes itself (htmx, every few seconds, on #hits[data-live]).
// A refresh replaces the hits, and with them a Reply being written: while a reply is open
// or a field in the hits has the focus, the refresh is skipped (htmx tries again at the
// next tick). This lives here, not in an hx-trigger filter: the page's CSP allows no eval.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var live = event.detail && event.detail.elt;
    if (!live || !live.matches || !live.matches("[data-live]")) {
      return;
    }
    var focused = document.activeElement;
    var typing = focused && live.contains(focused) && focused.matches("textarea, input, select");
    if (typing || live.querySelector("details[open]")) {
      event.preventDefault();
    }
  });
})();
