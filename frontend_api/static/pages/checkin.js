// The projector page: every few seconds, fetch the current code (its QR as SVG) and who
// has checked in, and swap them in place, so the page never reloads. Without JavaScript
// the page still shows a code valid for a minute.
(function () {
  var root = document.querySelector("[data-live-url]");
  if (!root) return;
  var url = root.getAttribute("data-live-url");
  var seconds = Number(root.getAttribute("data-poll-seconds")) || 5;
  var qr = root.querySelector("[data-testid=qr]");
  var count = root.querySelector("[data-testid=count]");
  var names = root.querySelector("[data-testid=names]");
  var state = root.querySelector("[data-testid=live-state]");
  var lastToken = null;

  function render(data) {
    if (data.token !== lastToken) {
      qr.innerHTML = data.qr_svg;  // our own server's SVG markup
      lastToken = data.token;
    }
    count.textContent = String(data.count);
    names.textContent = "";
    data.names.forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = name;
      names.appendChild(item);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { state.hidden = true; render(data); })
      .catch(function () { state.hidden = false; })
      .then(function () { setTimeout(poll, seconds * 1000); });
  }
  setTimeout(poll, seconds * 1000);
})();
