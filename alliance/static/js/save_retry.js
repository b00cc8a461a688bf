// After a save the book was too busy to take (503), send the same form again by itself,
// a little later each time; the server stops asking after a few tries.
(function () {
  "use strict";
  var form = document.querySelector("[data-retry-save]");
  if (!form) { return; }
  var retry = Number((form.querySelector("input[name=retry]") || {}).value || 1);
  window.setTimeout(function () {
    // requestSubmit fires the submit event, so the editor copies its text into the form first.
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }, 1500 * retry);
})();
