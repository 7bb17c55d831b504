// Webmail's only script: served from /static, no inline script anywhere (the CSP forbids it).
// 1. Time zone: report the browser's zone while the reader has not chosen one, then reload.
// 2. Late badges: show the tooltip text on tap/focus too (phones have no hover).
// 3. Indexing progress: the banner's words follow /api/indexing in place, without a reload.
// 4. Read view: an unread message is marked read by a POST (with the CSRF token) once it is
//    open; the GET that shows it changes nothing.
// 5. After an action the page comes back at the same row (#msg-N / #star-N): the focus goes
//    back to that button or row too, not to the top of the page.
// Every word this script writes comes from the page (<meta name="ui-words">, in the page's
// language: webmail/views/words.py); counts choose their plural form with Intl.PluralRules.
var uiWords = (function () {
  var cache = null;
  function all() {
    if (cache === null) {
      var meta = document.querySelector('meta[name="ui-words"]');
      try { cache = JSON.parse(meta ? meta.getAttribute("content") : "{}") || {}; } catch (e) { cache = {}; }
    }
    return cache;
  }
  function lang() { return document.documentElement.lang || "en"; }
  function number(n) {
    try { return Number(n).toLocaleString(lang()); } catch (e) { return String(n); }
  }
  return {
    text: function (key) { return all()[key] || ""; },
    list: function (key) { return all()[key] || []; },
    number: number,
    // forms: {"one": "{n} new message", "other": "{n} new messages"}; values fill {name}s.
    count: function (key, n, values) {
      var forms = all()[key] || {};
      var category = "other";
      try { category = new Intl.PluralRules(lang()).select(n); } catch (e) { /* other */ }
      var text = forms[category] || forms.other || "";
      var fill = values || {};
      fill.n = number(n);
      return text.replace(/\{(\w+)\}/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(fill, name) ? fill[name] : whole;
      });
    }
  };
})();

(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function reportTimeZone() {
    var body = document.body;
    if (!body || body.dataset.tzAuto !== "1" || !body.dataset.tzUrl) { return; }
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || zone === body.dataset.tz) { return; }
    var form = new URLSearchParams();
    form.set("timezone", zone);
    form.set("csrf_token", csrfToken());
    fetch(body.dataset.tzUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() },
      body: form
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.changed) { window.location.reload(); } })
      .catch(function () { /* times stay in the stored zone */ });
  }

  function explainBadges() {
    document.querySelectorAll(".late-badge[title]").forEach(function (badge) {
      badge.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        var open = badge.parentNode.querySelector(".late-story");
        if (open) { open.remove(); return; }
        var story = document.createElement("div");
        story.className = "late-story";
        story.setAttribute("role", "note");
        story.textContent = badge.getAttribute("title");
        badge.insertAdjacentElement("afterend", story);
      });
    });
  }

  function refreshWhileIndexing() {
    // The banner's words change in place (a polite live region): no reload, so reading and
    // tabbing go on; once indexing is done the banner says so and offers the reload.
    var banner = document.querySelector("[data-progress-url]");
    if (!banner) { return; }
    var text = banner.querySelector(".banner-text");
    var timer = window.setInterval(function () {
      fetch(banner.getAttribute("data-progress-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !text) { return; }
          if (data.indexing) {
            text.textContent = uiWords.count("indexing", data.total,
              { done: uiWords.number(data.done) });
          } else {
            window.clearInterval(timer);
            text.textContent = uiWords.text("indexingDone");
          }
        })
        .catch(function () { /* try again at the next tick */ });
    }, 3000);
  }

  function markRead() {
    var article = document.querySelector("article[data-mark-read]");
    if (!article) { return; }
    fetch(article.getAttribute("data-mark-read"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() }
    }).catch(function () { /* stays unread; the reader can mark it by hand */ });
  }

  function focusWhereWeWere() {
    var id = window.location.hash.slice(1);
    if (!/^(msg|star)-\d+$/.test(id)) { return; }
    var target = document.getElementById(id);
    if (!target) { return; }
    target.focus({ preventScroll: false });
  }

  // 6. Settings: a box that narrows the time-zone list as you type (city, region or offset).
  function filterZones() {
    var box = document.getElementById("zone-filter");
    var select = document.getElementById("timezone");
    if (!box || !select) { return; }
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().replace(/_/g, " ").trim();
      select.querySelectorAll("option").forEach(function (option) {
        var text = (option.value + " " + option.textContent).toLowerCase().replace(/_/g, " ");
        option.hidden = words !== "" && text.indexOf(words) < 0 && !option.selected;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    filterZones();
    focusWhereWeWere();
    markRead();
    reportTimeZone();
    explainBadges();
    refreshWhileIndexing();
  });
})();

// Organising (issue 11): the bulk bar's "all on this page", keyboard shortcuts, and new mail
// without a reload. Everything here has a plain-HTML way too (the bulk form's "Act on" choice,
// links and buttons); this only makes it quicker.
(function () {
  "use strict";

  // The keys and what they do (j next message, k previous, o or Enter open, u back to the
  // list, r reply, a reply all, f forward, c compose, # delete, ! spam, s flag or unflag,
  // / search, ? this help), in the page's language: <meta name="ui-words">.
  var SHORTCUTS = uiWords.list("shortcuts");

  function selectWholePage() {
    var label = document.querySelector(".bulk-bar .select-page");
    if (!label) { return; }
    label.hidden = false;
    var box = label.querySelector("input");
    box.addEventListener("change", function () {
      document.querySelectorAll("input.pick").forEach(function (pick) {
        pick.checked = box.checked;
      });
    });
  }

  function typing(event) {
    var t = event.target;
    if (!t || !t.tagName) { return false; }
    var tag = t.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("ol.messages > li.msg")); }

  function currentRow() { return document.querySelector("ol.messages > li.msg.kb-current"); }

  function moveRow(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(currentRow());
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    all.forEach(function (row) { row.classList.remove("kb-current"); });
    all[next].classList.add("kb-current");
    var link = all[next].querySelector(".msg-link");
    if (link) { link.focus({ preventScroll: false }); }
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) { window.location.href = link.href; return true; }
    return false;
  }

  function press(button) {
    if (!button || !button.form) { return false; }
    if (button.form.requestSubmit) { button.form.requestSubmit(button); } else { button.click(); }
    return true;
  }

  function bulkOnRow(row, action) {
    var form = document.getElementById("bulk");
    var pick = row && row.querySelector("input.pick");
    if (!form || !pick) { return false; }
    document.querySelectorAll("input.pick").forEach(function (p) { p.checked = p === pick; });
    var scope = form.querySelector('select[name="scope"]');
    if (scope) { scope.value = "selected"; }
    return press(form.querySelector('button[name="action"][value="' + action + '"]'));
  }

  function toggleHelp() {
    var open = document.getElementById("shortcut-help");
    if (open) { open.remove(); return; }
    var box = document.createElement("div");
    box.id = "shortcut-help";
    box.className = "shortcut-help";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", uiWords.text("shortcutsTitle"));
    var title = document.createElement("h2");
    title.textContent = uiWords.text("shortcutsTitle");
    box.appendChild(title);
    var list = document.createElement("dl");
    SHORTCUTS.forEach(function (pair) {
      var dt = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.textContent = pair[0];
      dt.appendChild(kbd);
      var dd = document.createElement("dd");
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    var hint = document.createElement("p");
    hint.textContent = uiWords.text("shortcutsHint");
    box.appendChild(hint);
    document.body.appendChild(box);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    var key = event.key;
    var reading = document.querySelector("main.reader");
    var row = currentRow();
    var done = false;
    if (key === "Escape") {
      var help = document.getElementById("shortcut-help");
      if (help) { help.remove(); done = true; }
    } else if (key === "?") { toggleHelp(); done = true; }
    else if (key === "/") {
      var field = document.getElementById("search-q");
      if (field) { field.focus(); field.select(); done = true; }
      else { done = follow(".back a"); }
    } else if (key === "c") { done = follow(".compose-link"); }
    else if (reading) {
      if (key === "j") { done = follow("a.older"); }
      else if (key === "k") { done = follow("a.newer"); }
      else if (key === "u") { done = follow(".back a"); }
      else if (key === "r") { done = follow("a.reply"); }
      else if (key === "a") { done = follow("a.reply-all"); }
      else if (key === "f") { done = follow("a.forward"); }
      else if (key === "#") { done = press(document.querySelector(".delete-one button")); }
      else if (key === "!") { done = press(document.querySelector(".move-one button.spam")); }
      else if (key === "s") {
        done = press(document.querySelector('.actions button[name="action"][value="flag"], .actions button[name="action"][value="unflag"]'));
      }
    } else if (rows().length) {
      if (key === "j") { moveRow(1); done = true; }
      else if (key === "k") { moveRow(-1); done = true; }
      else if ((key === "o" || (key === "Enter" && !/^(a|button)$/i.test(event.target.tagName))) && row) {
        var link = row.querySelector(".msg-link");
        if (link) { window.location.href = link.href; done = true; }
      } else if (key === "#" && row) { done = bulkOnRow(row, "delete"); }
      else if (key === "!" && row) { done = bulkOnRow(row, "spam") || bulkOnRow(row, "notspam"); }
      else if (key === "s" && row) { done = press(row.querySelector(".star button")); }
      else if ((key === "r" || key === "a" || key === "f") && row) {
        var pick = row.querySelector("input.pick");
        var name = { r: "data-reply", a: "data-reply-all", f: "data-forward" }[key];
        if (pick && pick.getAttribute(name)) { window.location.href = pick.getAttribute(name); done = true; }
      }
    }
    if (done) { event.preventDefault(); }
  }

  function watchForNewMail() {
    var marker = document.querySelector("[data-news-url]");
    if (!marker) { return; }
    var shown = parseInt(marker.getAttribute("data-total"), 10);
    // Asked every data-every seconds (15) while the tab is in view. While it is hidden the
    // wait doubles after each check, up to 16 times that (4 min): nobody is looking, and the
    // server is asked little. When the tab comes back in view (visibilitychange) it asks at
    // once and goes back to data-every. Each check is one cheap request: GET /api/news is one
    // LIST with STATUS on the pooled IMAP connection, no sync (views/organise.news).
    var every = (parseInt(marker.getAttribute("data-every"), 10) || 15) * 1000;
    var wait = every;
    var timer = null;
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(tick, wait);
    }
    function tick() {
      wait = document.hidden ? Math.min(wait * 2, every * 16) : every;
      check();
      later();
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { return; }
      wait = every;
      check();
      later();
    });
    function check() {
      fetch(marker.getAttribute("data-news-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var fresh = (data.total || 0) - shown;
          if (fresh > 0) {
            marker.querySelector(".new-count").textContent = uiWords.count("newMail", fresh);
            marker.hidden = false;
          }
          Object.keys(data.folders || {}).forEach(function (name) {
            document.querySelectorAll(".folders a[data-folder]").forEach(function (a) {
              if (a.getAttribute("data-folder") !== name) { return; }
              var count = a.querySelector(".count");
              var unseen = data.folders[name];
              if (!count && unseen) {
                count = document.createElement("span");
                count.className = "count";
                a.appendChild(count);
              }
              if (count) {
                count.textContent = unseen ? String(unseen) : "";
                count.hidden = !unseen;
                count.title = uiWords.count("unread", unseen);
              }
            });
          });
        })
        .catch(function () { /* try again next time */ });
    }
    later();
  }

  document.addEventListener("DOMContentLoaded", function () {
    selectWholePage();
    watchForNewMail();
    document.addEventListener("keydown", onKey);
    var print = document.querySelector("article[data-print-now]");
    if (print) { window.print(); }
  });
})();

// Read view: the message frame is as tall as the mail in it (issue 13, defect 17), between
// 8em and three screens (beyond that it scrolls inside). The frame is same-origin but runs no
// script (sandbox without allow-scripts, script-src 'none'), so this page measures it: once it
// has loaded (its images included), and again when the window's width changes the layout.
// Without JavaScript the stylesheet's fixed height stays.
(function () {
  function fit(frame) {
    var doc = null;
    try { doc = frame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.documentElement || !doc.body || doc.URL === "about:blank") { return; }
    var em = parseFloat(window.getComputedStyle(frame).fontSize) || 16;
    var least = 8 * em;
    var most = Math.max(3 * window.innerHeight, least);
    var edges = frame.offsetHeight - frame.clientHeight;  // its borders
    frame.style.minHeight = least + "px";
    frame.style.height = least + "px";  // measure the content, not the frame's own height
    var root = doc.documentElement;
    var height = Math.max(root.scrollHeight, doc.body.scrollHeight);
    if (root.scrollWidth > root.clientWidth) { height += 20; }  // room for a scroll bar
    frame.style.height = Math.min(Math.max(height + edges, least), most) + "px";
    frame.setAttribute("data-fitted", height + edges > most ? "max" : "content");
  }

  function watch(frame) {
    var width = window.innerWidth;
    frame.addEventListener("load", function () { fit(frame); });
    var doc = null;
    try { doc = frame.contentDocument; } catch (e) { doc = null; }
    if (doc && doc.readyState === "complete") { fit(frame); }  // loaded before this ran
    window.addEventListener("resize", function () {
      if (window.innerWidth !== width) { width = window.innerWidth; fit(frame); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("iframe.mail-frame").forEach(watch);
  });
})();
