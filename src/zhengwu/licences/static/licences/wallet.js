/* Dynamic licence code / personal code: renew the QR every ~50 s and count down.
   The page works without this script: it shows the code with its end time and a
   "new code" link that reloads the page. */
(function () {
  "use strict";
  var box = document.querySelector("[data-dynamic-code]");
  if (!box) { return; }
  var url = box.getAttribute("data-token-url");
  var qr = box.querySelector("[data-qr]");
  var count = box.querySelector("[data-countdown]");
  var text = box.querySelector("[data-token]");
  var expires = Date.parse(box.getAttribute("data-expires"));
  var offset = Date.now() - Date.parse(box.getAttribute("data-now"));
  var renewing = false;
  var template = count ? count.getAttribute("data-template") : "";
  var expiredText = count ? count.getAttribute("data-expired") : "";

  function left() { return Math.max(0, Math.round((expires - (Date.now() - offset)) / 1000)); }

  function renew() {
    if (renewing) { return; }
    renewing = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        qr.innerHTML = data.svg;
        if (text) { text.textContent = data.token; }
        box.setAttribute("data-token-value", data.token);
        expires = Date.parse(data.expires_at);
      })
      .catch(function () { /* keep the countdown; the reload link still works */ })
      .then(function () { renewing = false; });
  }

  function tick() {
    var s = left();
    if (count) { count.textContent = s > 0 ? template.replace("%s", String(s)) : expiredText; }
    if (s <= 10) { renew(); }
  }
  tick();
  window.setInterval(tick, 1000);
}());
