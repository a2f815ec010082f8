// The print button of the binding QR page (no inline script, so a strict CSP allows it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print");
  if (button) { button.hidden = false; button.addEventListener("click", function () { window.print(); }); }
});
