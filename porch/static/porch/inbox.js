// The inbox's keyboard shortcuts (listed on the page under "Keyboard shortcuts"):
//   j / k   next / previous conversation: in the list, moves the selection (Enter opens it);
//           on a conversation, opens the next or previous one of the queue
//   r       write a reply (in the list: opens the selected conversation at its reply box)
//   e, x    resolve the conversation (on a conversation's page)
//   ?       show or hide the list of shortcuts
// Nothing happens while the focus is in a field, or with Ctrl, Alt or Cmd held.
// A static file (the CSP allows no inline script); the list's rows are refreshed by htmx,
// so the selection is kept by position and put back after each refresh.
(function () {
  "use strict";
  var selected = -1;
  var selectedId = null; // the conversation, so a refresh that adds rows above keeps it

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-testid='inbox-row']"));
  }

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  function select(index, focus) {
    var all = rows();
    if (!all.length) {
      return;
    }
    selected = Math.max(0, Math.min(index, all.length - 1));
    selectedId = all[selected].getAttribute("data-id");
    all.forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
    });
    var link = all[selected].querySelector("a[data-testid='open-conversation']");
    if (link && focus) {
      link.focus();
      all[selected].scrollIntoView({ block: "nearest" });
    }
  }

  function selectedLink() {
    var row = rows()[selected];
    return row ? row.querySelector("a[data-testid='open-conversation']") : null;
  }

  function follow(name) {
    var link = document.querySelector("[data-shortcut='" + name + "']");
    if (link) {
      window.location.assign(link.href);
    }
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (help) {
      help.open = !help.open;
      if (help.open) {
        help.querySelector("summary").focus();
      }
    }
  }

  function focusReply() {
    var box = document.getElementById("id_text");
    if (box) {
      box.focus();
      box.scrollIntoView({ block: "center" });
      return true;
    }
    return false;
  }

  function onList(key) {
    if (key === "j" || key === "k") {
      select(selected < 0 ? 0 : selected + (key === "j" ? 1 : -1), true);
    } else if (key === "r") {
      var link = selectedLink() || (select(0, false), selectedLink());
      if (link) {
        window.location.assign(link.href + "#reply");
      }
    } else {
      return false;
    }
    return true;
  }

  function onConversation(key) {
    if (key === "j" || key === "k") {
      follow(key === "j" ? "next" : "previous");
    } else if (key === "r") {
      focusReply();
    } else if (key === "e" || key === "x") {
      var resolve = document.querySelector("[data-shortcut='resolve']");
      if (resolve) {
        resolve.click();
      }
    } else {
      return false;
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    var handled;
    if (key === "?") {
      toggleHelp();
      handled = true;
    } else if (document.querySelector("[data-testid='inbox']")) {
      handled = onList(key);
    } else if (document.getElementById("id_text") || document.querySelector("[data-shortcut]")) {
      handled = onConversation(key);
    }
    if (handled) {
      event.preventDefault();
    }
  });

  // The list refreshes every few seconds: keep the selected row selected.
  document.addEventListener("htmx:afterSwap", function () {
    if (selected >= 0) {
      var had = document.activeElement === document.body; // its focused link was replaced
      var ids = rows().map(function (row) { return row.getAttribute("data-id"); });
      var at = ids.indexOf(selectedId);
      select(at >= 0 ? at : selected, had);
    }
  });

  // Opened with r from the list: straight to the reply box (a deferred script runs once
  // the page is parsed; "load" again, in case the browser scrolls to #reply after it).
  if (window.location.hash === "#reply") {
    focusReply();
    window.addEventListener("load", focusReply);
  }
})();
