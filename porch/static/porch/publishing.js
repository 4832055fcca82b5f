// The composer: copies the text into each picked account's version (until edited), asks
// the server for each network's own count (its TextRules are the truth), turns a counter
// red past the limit, offers a thread split, and shows a preview per network. For a
// followers-only post it shows, beside each picked account whose network has none, the
// choice to post publicly there or leave it out; "Insert offer" puts an offer's text at the
// cursor (without this script the page lists the offers to copy instead).
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) { return; }
  var main = document.getElementById("text");
  var timer = null;
  var caret = main;  // the text box the owner was last in: offers are inserted there

  function versions() { return form.querySelectorAll(".version"); }
  function picked(id) {
    var box = form.querySelector('input[name="accounts"][value="' + id + '"]');
    return box && box.checked;
  }

  function followersOnly() {
    var box = form.querySelector('input[name="visibility"][value="followers"]');
    return box && box.checked;
  }

  function sync() {
    versions().forEach(function (version) {
      var id = version.dataset.account;
      var area = version.querySelector("textarea");
      version.hidden = !picked(id);
      if (!area.dataset.edited) { area.value = main.value; }
    });
    form.querySelectorAll(".public-there").forEach(function (note) {
      note.hidden = !(followersOnly() && picked(note.dataset.account));
    });
    clearTimeout(timer);
    timer = setTimeout(count, 150);
  }

  function count() {
    var data = new FormData();
    data.append("text", main.value);
    versions().forEach(function (version) {
      var id = version.dataset.account;
      if (!picked(id)) { return; }
      data.append("accounts", id);
      data.append("text_" + id, version.querySelector("textarea").value);
    });
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    fetch(form.dataset.countUrl, { method: "POST", body: data, headers: { "X-CSRFToken": token } })
      .then(function (answer) { return answer.json(); })
      .then(show);
  }

  function show(answer) {
    Object.keys(answer.accounts).forEach(function (id) {
      var facts = answer.accounts[id];
      var version = form.querySelector('.version[data-account="' + id + '"]');
      var counter = version.querySelector(".counter");
      var thread = version.querySelector('input[name="thread_' + id + '"]');
      counter.textContent = facts.length + " / " + facts.max;
      counter.classList.toggle("over", !facts.fits);
      version.querySelector(".split").hidden = facts.fits || thread.checked;
      version.querySelector(".thread-choice").hidden = facts.fits;
      if (facts.fits) { thread.checked = false; }
      preview(version, thread.checked ? facts.parts : [version.querySelector("textarea").value]);
    });
  }

  function preview(version, parts) {
    var box = version.querySelector(".preview");
    box.replaceChildren();
    parts.forEach(function (text, index) {
      var part = document.createElement("div");
      part.className = "part";
      part.textContent = parts.length > 1 ? (index + 1) + "/" + parts.length + " " + text : text;
      box.appendChild(part);
    });
  }

  function insert(option) {
    var area = caret;
    var start = area.selectionStart, end = area.selectionEnd;
    var before = area.value.slice(0, start);
    var text = (before && !/\s$/.test(before) ? " " : "") + option.value;
    area.setRangeText(text, start, end, "end");
    if (option.dataset.visibility === "followers") {
      form.querySelector('input[name="visibility"][value="followers"]').checked = true;
    }
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var pick = document.getElementById("snippet");
  if (pick) {
    pick.closest(".snippet-pick").hidden = false;
    form.querySelector(".snippet-list").hidden = true;
    pick.addEventListener("change", function (event) {
      event.stopPropagation();
      var option = pick.options[pick.selectedIndex];
      if (option && option.value) { insert(option); }
      pick.value = "";
    });
  }
  form.addEventListener("focusin", function (event) {
    if (event.target.tagName === "TEXTAREA") { caret = event.target; }
  });

  main.addEventListener("input", sync);
  form.addEventListener("change", sync);
  versions().forEach(function (version) {
    var area = version.querySelector("textarea");
    if (area.value && area.value !== main.value) { area.dataset.edited = "1"; }
    area.addEventListener("input", function () { area.dataset.edited = "1"; sync(); });
    version.querySelector(".split").addEventListener("click", function () {
      version.querySelector('input[name^="thread_"]').checked = true;
      count();
    });
  });
  sync();
})();
