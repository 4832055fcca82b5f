// While Porch is open: tell the owner of a new complaint with a notice and a short sound.
// Polls the inbox's pulse (data-pulse on #porch-notify) every 20 s, every minute while the
// tab is hidden; remembers the newest complaint it has seen per workspace. No outside push service.
(function () {
  "use strict";
  var VISIBLE_EVERY = 20000;
  var HIDDEN_EVERY = 60000;
  var box, pulseUrl, key, timer = null, busy = false;

  function supported() { return "Notification" in window; }

  function seen() {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function remember(value) {
    try { window.localStorage.setItem(key, String(value)); } catch (e) { /* private mode */ }
  }

  function ring() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      [0, 0.18].forEach(function (start, i) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.type = "sine";
        tone.frequency.value = i ? 880 : 660;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
        gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + 0.16);
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + start);
        tone.stop(audio.currentTime + start + 0.17);
      });
      window.setTimeout(function () { audio.close(); }, 800);
    } catch (e) { /* no sound: the notice is enough */ }
  }

  function announce(answer) {
    ring();
    if (!supported() || Notification.permission !== "granted") return;
    var notice = new Notification("New complaint in Porch", {
      body: answer.text || "A customer is unhappy: open the inbox.",
      tag: "porch-complaint-" + answer.latest_complaint,
      icon: box.dataset.icon || undefined
    });
    notice.onclick = function () {
      window.focus();
      if (answer.url) window.location.href = answer.url;
      notice.close();
    };
  }

  function check() {
    if (busy) return;
    busy = true;
    fetch(pulseUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        var latest = answer.latest_complaint;
        var before = seen();
        if (latest !== null && before !== null && Number(latest) > Number(before)) announce(answer);
        if (latest !== null && (before === null || Number(latest) > Number(before))) remember(latest);
        if (latest === null && before === null) remember(0);
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { busy = false; schedule(); });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, document.hidden ? HIDDEN_EVERY : VISIBLE_EVERY);
  }

  function offerPermission() {
    var ask = box.querySelector("[data-testid=notify-ask]");
    var later = box.querySelector("[data-testid=notify-later]");
    var here = window.location.pathname;
    var inbox = pulseUrl.replace(/pulse\/$/, "");
    var home = inbox.replace(/inbox\/$/, "");
    var dismissed = false;
    try { dismissed = window.localStorage.getItem("porch:notify-later") === "1"; } catch (e) { /* */ }
    var onPage = here === home || here === inbox;
    if (!supported() || Notification.permission !== "default" || dismissed || !onPage) return;
    box.hidden = false;
    ask.addEventListener("click", function () {
      var done = function () { box.hidden = true; };
      var asked = Notification.requestPermission(done);
      if (asked && asked.then) asked.then(done);
    });
    later.addEventListener("click", function () {
      try { window.localStorage.setItem("porch:notify-later", "1"); } catch (e) { /* */ }
      box.hidden = true;
    });
  }

  function setUp() {
    box = document.getElementById("porch-notify");
    if (!box || !box.dataset.pulse || !window.fetch) return;
    pulseUrl = box.dataset.pulse;
    key = "porch:latest-complaint:" + box.dataset.workspace;
    offerPermission();
    document.addEventListener("visibilitychange", function () { if (!document.hidden) check(); else schedule(); });
    check();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
