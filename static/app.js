// Webmail's only script: served from /static, no inline script anywhere (the CSP forbids it).
// 1. Time zone: report the browser's zone while the reader has not chosen one, then reload.
// 2. Late badges: show the tooltip text on tap/focus too (phones have no hover).
// 3. Indexing progress: the banner's words follow /api/indexing in place, without a reload.
// 4. Read view: an unread message is marked read by a POST (with the CSRF token) once it is
//    open; the GET that shows it changes nothing.
// 5. After an action the page comes back at the same row (#msg-N / #star-N): the focus goes
//    back to that button or row too, not to the top of the page.
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
            text.textContent = "Indexing " + data.done.toLocaleString("en") + " of " +
              data.total.toLocaleString("en") + " messages… Older messages appear here once " +
              "they can be sorted correctly.";
          } else {
            window.clearInterval(timer);
            text.textContent = "Indexing is done: reload the page to see every message.";
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
