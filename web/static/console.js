/* Behaviour the console's templates ask for with data- attributes.
   The pages' Content-Security-Policy runs no inline handlers (onsubmit="…"), so:
   - <form data-confirm="question">: asks before sending;
   - <form data-disable-on-submit>: its send button is disabled once sent (no double send);
   - <select data-autosubmit>: choosing an option sends its form. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if (form.hasAttribute("data-disable-on-submit")) {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
    }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.submit();
    }
  });
})();
