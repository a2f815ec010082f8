// The WeChat simulator (/dev/wechat/): plain fetch and a 2-second poll, no build step.
(function () {
  "use strict";
  var root = document.getElementById("sim");
  var $ = function (id) { return document.getElementById(id); };
  var accounts = [];
  var since = 0;
  var timer = null;

  function current() {
    var slug = $("account").value;
    return { account: accounts.find(function (a) { return a.slug === slug; }), openid: $("follower").value };
  }

  // A link opens "as this follower" (signed out here, preset in the fake's OAuth).
  function followerLink(link, label) {
    var c = current();
    var a = document.createElement("a");
    a.className = "as-follower";
    a.href = root.dataset.openUrl + "?" + new URLSearchParams({ account: c.account.slug, openid: c.openid, url: link });
    a.target = "_blank";
    a.title = "以该关注者身份打开";
    a.textContent = label;
    return a;
  }

  function bubble(cls, text, kind, url) {
    var li = document.createElement("li");
    li.className = cls;
    if (kind) { var k = document.createElement("span"); k.className = "kind"; k.textContent = kind; li.appendChild(k); }
    // Links in a reply stay where they are in the text, each one tappable, as in WeChat.
    var rest = text || "";
    var re = /https?:\/\/[^\s]+/g;
    var at = 0, m;
    while ((m = re.exec(rest)) !== null) {
      li.appendChild(document.createTextNode(rest.slice(at, m.index)));
      li.appendChild(followerLink(m[0], m[0]));
      at = m.index + m[0].length;
    }
    li.appendChild(document.createTextNode(rest.slice(at)));
    if (url) {  // a template message's (or the staff step's) link
      li.appendChild(document.createElement("br"));
      li.appendChild(followerLink(url, "以该关注者身份打开 ›"));
    }
    $("chat").appendChild(li);
    $("chat").scrollTop = $("chat").scrollHeight;
  }

  var KIND = { reply: "", template: "模板消息", custom: "客服消息", mass: "群发" };

  function poll() {
    var c = current();
    if (!c.account || !c.openid) return;
    var q = new URLSearchParams({ account: c.account.slug, openid: c.openid, since: since });
    fetch(root.dataset.messagesUrl + "?" + q, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        (data.messages || []).forEach(function (m) {
          since = Math.max(since, m.seq);
          var kind = KIND[m.kind] + (m.kind === "template" && m.title ? " · " + m.title : "");
          bubble(m.kind === "template" ? "them template" : "them", m.text, kind, m.url);
        });
      });
  }

  // Opening a link "as the follower" signs this browser in, which rotates the CSRF token:
  // read the cookie at each post rather than the one the page was rendered with.
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.dataset.csrf;
  }

  function post(body) {
    var c = current();
    body.account = c.account.slug;
    body.openid = c.openid;
    return fetch(root.dataset.sendUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function () { poll(); });
  }

  function menu() {
    var nav = $("menu");
    nav.innerHTML = "";
    var c = current();
    (c.account ? c.account.menu : []).forEach(function (b) {
      var items = b.sub_button && b.sub_button.length ? b.sub_button : [b];
      items.forEach(function (item) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = item.name;
        btn.addEventListener("click", function () {
          if (item.type === "view" && item.url) {
            window.open(root.dataset.openUrl + "?" + new URLSearchParams({ account: c.account.slug, openid: c.openid, url: item.url }), "_blank");
          } else {
            bubble("me", "［菜单］" + item.name);
            post({ event: "CLICK", event_key: item.key || item.name });
          }
        });
        nav.appendChild(btn);
      });
    });
  }

  function followers() {
    var c = current();
    var sel = $("follower");
    sel.innerHTML = "";
    (c.account ? c.account.followers : []).forEach(function (f) {
      var o = document.createElement("option");
      o.value = f.openid;
      o.textContent = f.nickname + (f.bound_to ? "（已绑定 " + f.bound_to + "）" : "（未绑定）");
      sel.appendChild(o);
    });
    restart();
  }

  function restart() {
    $("chat").innerHTML = ""; since = 0; menu(); poll();
    if (timer) clearInterval(timer);
    timer = setInterval(poll, 2000);
  }

  // The staff's step at the desk, played here: a binding link for the person this
  // follower is, which the follower then opens "in WeChat" below.
  $("staff-bind").addEventListener("click", function () {
    var c = current();
    if (!c.account || !c.openid) return;
    fetch(root.dataset.bindingUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ account: c.account.slug, openid: c.openid })
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.error) { bubble("staff-note", data.error, "工作人员操作"); return; }
      bubble("staff-note", "社区工作人员（" + data.staff + "）为 " + data.person +
        " 生成了绑定链接，" + data.expires + " 前有效。请以该关注者身份打开：", "工作人员操作", data.url);
    });
  });

  // Back from a tab where a link bound her: say so in the list, keeping the choice.
  window.addEventListener("focus", function () {
    fetch(root.dataset.accountsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.accounts) return;
        accounts = data.accounts;
        var c = current();
        [].forEach.call($("follower").options, function (o) {
          var f = (c.account ? c.account.followers : []).find(function (x) { return x.openid === o.value; });
          if (f) o.textContent = f.nickname + (f.bound_to ? "（已绑定 " + f.bound_to + "）" : "（未绑定）");
        });
      });
  });

  $("account").addEventListener("change", followers);
  $("follower").addEventListener("change", restart);
  $("compose").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("text").value.trim();
    if (!text) return;
    bubble("me", text);
    $("text").value = "";
    post({ text: text });
  });

  // A photo, as a follower sends one: the simulator shrinks a large one (the request body
  // has a size limit) and the fake keeps it as temporary media behind an image message.
  var PHOTO_MAX_BYTES = 1500000;
  function photoData(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        if (file.size <= PHOTO_MAX_BYTES) { resolve({ url: reader.result, type: file.type }); return; }
        var img = new Image();
        img.onerror = reject;
        img.onload = function () {
          var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale); canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve({ url: canvas.toDataURL("image/jpeg", 0.85), type: "image/jpeg" });
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  $("photo").addEventListener("change", function () {
    var file = $("photo").files[0];
    if (!file) return;
    photoData(file).then(function (photo) {
      var li = document.createElement("li");
      li.className = "me";
      var img = document.createElement("img");
      img.src = photo.url; img.alt = "［图片］";
      li.appendChild(img);
      $("chat").appendChild(li);
      $("photo").value = "";
      post({ image_base64: photo.url.split(",")[1], content_type: photo.type });
    });
  });

  fetch(root.dataset.accountsUrl, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      if (data.error) { bubble("them", data.error); return; }
      accounts = data.accounts || [];
      accounts.forEach(function (a) {
        var o = document.createElement("option");
        o.value = a.slug; o.textContent = a.name;
        $("account").appendChild(o);
      });
      if (!accounts.length) bubble("them", "模拟微信里还没有公众号。请运行 python manage.py wechat_fake_sync。");
      followers();
    });
})();
