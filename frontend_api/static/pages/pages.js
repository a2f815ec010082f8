// Progressive only: the pages work without it. A form marked data-once disables its
// buttons after the first submit, so a double tap sends one request (the idempotency key
// in the form covers a resend that still gets through).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-once")) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  }, 0);
});

// A chosen photo is named beside its button (the browser's own file label is hidden).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-file-name]")) return;
  var out = document.getElementById(input.dataset.fileName);
  if (out) out.textContent = input.files.length ? "已选：" + input.files[0].name : "";
});
