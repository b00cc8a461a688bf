// The copy button next to a secret shown once (a new API token, a temporary password):
// copies the text of the element the button names and says so. No inline scripts: the CSP.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy-target]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = !(navigator.clipboard && window.isSecureContext);
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) { return; }
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
      }, function () {
        button.textContent = button.getAttribute("data-failed");
      });
    });
  });
}());
