// 好差评 rate form: show the reasons only for a bad level (4, 5) and count the characters
// of the comment. Without JavaScript the form works the same (reasons always shown, the
// server drops them for a good level).
(function () {
  "use strict";
  function setUp(form) {
    var tags = form.querySelector("[data-rt-tags]");
    var levels = form.querySelectorAll("input[name=level]");
    function sync() {
      if (!tags) return;
      var checked = form.querySelector("input[name=level]:checked");
      tags.hidden = !(checked && checked.hasAttribute("data-bad"));
    }
    levels.forEach(function (input) { input.addEventListener("change", sync); });
    sync();
    var text = form.querySelector("textarea[name=text]");
    var counter = form.querySelector("[data-rt-counter]");
    if (text && counter) {
      var max = parseInt(text.getAttribute("maxlength"), 10) || 500;
      var template = counter.getAttribute("data-rt-counter");
      var update = function () {
        counter.textContent = template.replace("%(n)s", String(text.value.length)).replace("%(max)s", String(max));
      };
      text.addEventListener("input", update);
      update();
    }
  }
  function init() { document.querySelectorAll("form[data-rt-rate]").forEach(setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
