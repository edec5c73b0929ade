// Copy buttons: a button with data-copy="<input id>" copies that field's text. The button is
// hidden until this script runs: without JavaScript the read-only field is there to copy from.
// What it says comes from the page, in the page's language (data-copied, data-copied-label,
// data-manual), English when the page gives none.
(function () {
  "use strict";
  function said(button, text) {
    var box = button.closest(".new-share") || document;
    var note = box.querySelector(".copy-state");
    if (note) { note.textContent = text; }
  }
  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.focus();
    field.select();
    var text = function (name, english) { return button.getAttribute(name) || english; };
    var done = function () {
      said(button, text("data-copied", "Copied."));
      button.textContent = text("data-copied-label", "Copied");
    };
    var manual = function () { said(button, text("data-manual", "Select the link and copy it.")); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        (document.execCommand && document.execCommand("copy")) ? done() : manual();
      });
    } else {
      (document.execCommand && document.execCommand("copy")) ? done() : manual();
    }
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
  }
}());
