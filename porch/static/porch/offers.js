// The counter page: scan a code's QR with the camera where the browser can
// (BarcodeDetector, Chrome on Android); the type-in box always works without it.
(function () {
  "use strict";
  var box = document.querySelector("[data-scan]");
  var video = document.querySelector("[data-scan-video]");
  var input = document.getElementById("code");
  if (!box || !video || !input || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  // A QR leads to .../c/<code>/: the code is its last part; anything else is typed as is.
  function codeOf(text) {
    var found = /\/c\/([^/?#]+)\/?(?:[?#].*)?$/.exec(text);
    return decodeURIComponent(found ? found[1] : text).slice(0, 64);
  }
  var button = box.querySelector("[data-scan-button]");
  box.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function stop() {
        stream.getTracks().forEach(function (track) { track.stop(); });
        video.hidden = true;
      }
      function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stop();
            input.value = codeOf(codes[0].rawValue);
            input.form.requestSubmit();
          } else {
            window.requestAnimationFrame(look);
          }
        }, stop);
      }
      look();
    }, function () { box.hidden = true; });
  });
})();
