// segview's progressive enhancement: relative times stay current while the
// page is open, a queued or running job's page polls its status and reloads
// when it changes, "Copy link" copies the page's address, and the job page
// answers to a few keys (j, k, h, 1–4, ?). The page works without this script.
(function () {
  "use strict";
  var units = [
    ["year", 365 * 24 * 3600], ["month", 30 * 24 * 3600], ["day", 24 * 3600],
    ["hour", 3600], ["minute", 60], ["second", 1]
  ];
  var fmt = typeof Intl !== "undefined" && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat("en", { numeric: "auto" }) : null;

  function relative(date) {
    var diff = (date.getTime() - Date.now()) / 1000;
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(diff) >= units[i][1] || units[i][0] === "second") {
        var n = Math.round(diff / units[i][1]);
        return fmt ? fmt.format(n, units[i][0]) : Math.abs(n) + " " + units[i][0] + "s";
      }
    }
    return "";
  }

  function update() {
    var times = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) continue;
      t.title = d.toLocaleString();
      var rel = t.nextElementSibling;
      if (rel && rel.classList.contains("muted")) rel.textContent = "(" + relative(d) + ")";
    }
  }

  // pollStatus asks the badge's data-status-url for the job's status, 2 s
  // after the page loaded and then ever less often (up to every 30 s), and
  // reloads the page once when the job finished or its status changed. The
  // meta refresh for pages without JavaScript sits in <noscript>.
  function pollStatus(badge) {
    var url = badge.getAttribute("data-status-url");
    var shown = badge.getAttribute("data-status");
    var delay = 2000;
    function next() {
      setTimeout(poll, delay);
      delay = Math.min(delay * 2, 30000);
    }
    function poll() {
      // A lost session redirects to sign-in: do not follow it here (CSP
      // connect-src), reload and let the page do it.
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", redirect: "manual", credentials: "same-origin" })
        .then(function (r) {
          if (r.type === "opaqueredirect") return { reload: true };
          if (!r.ok) throw new Error("status " + r.status);
          return r.json();
        })
        .then(function (s) {
          if (s.reload || s.terminal || s.status !== shown) location.reload();
          else next();
        })
        .catch(next);
    }
    next();
  }

  function copyLink(box) {
    var button = box.querySelector("button");
    var input = box.querySelector("input");
    var done = box.querySelector("[role=status]");
    function say(text) { done.textContent = text; }
    function fallback() {
      input.value = location.href;
      input.hidden = false;
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(ok ? "Link copied" : "Link selected: press Ctrl+C (⌘C) to copy it");
    }
    button.addEventListener("click", function () {
      say("");
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(location.href)
          .then(function () { input.hidden = true; say("Link copied"); }, fallback);
      } else {
        fallback();
      }
    });
    box.hidden = false;
  }

  // keys wires the job page's keyboard shortcuts: j/k select the next or
  // previous segment (by rank, in every file's table, as ?sel= does), h
  // hides or shows the overlay images, 1–4 toggle a layer's box in the view
  // form and submit it (the page reloads with the new view, as "Apply"
  // does), ? opens the help dialog (Esc closes it natively). Keys typed into a field, or with a modifier, are left alone.
  function keys(help) {
    var rows = document.querySelectorAll('[data-testid="segment-row"]');
    var ranks = [];
    for (var i = 0; i < rows.length; i++) {
      var r = Number(rows[i].getAttribute("data-rank"));
      if (ranks.indexOf(r) < 0) ranks.push(r);
    }
    ranks.sort(function (a, b) { return a - b; });
    var sel = Number(new URL(location.href).searchParams.get("sel")) || 0;

    function select(rank) {
      sel = rank;
      var first = null;
      for (var i = 0; i < rows.length; i++) {
        var on = Number(rows[i].getAttribute("data-rank")) === rank;
        rows[i].classList.toggle("segment-selected", on);
        if (on) {
          rows[i].setAttribute("aria-selected", "true");
          rows[i].setAttribute("aria-current", "true");
          if (!first) first = rows[i];
        } else {
          rows[i].removeAttribute("aria-selected");
          rows[i].removeAttribute("aria-current");
        }
      }
      if (first) first.scrollIntoView({ block: "nearest" });
      // The address and the form keep the selection, so "Copy link" and
      // "Apply" carry it.
      var url = new URL(location.href);
      url.searchParams.set("sel", String(rank));
      history.replaceState(null, "", url.toString());
      var form = document.querySelector('[data-testid="view-form"]');
      if (form) {
        var input = form.querySelector('input[name="sel"]');
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = "sel";
          form.querySelector("fieldset").appendChild(input);
        }
        input.value = String(rank);
      }
    }

    function step(dir) {
      if (ranks.length === 0) return;
      var at = ranks.indexOf(sel);
      if (at < 0) at = dir > 0 ? 0 : ranks.length - 1;
      else at = Math.min(Math.max(at + dir, 0), ranks.length - 1);
      select(ranks[at]);
    }

    function toggleOverlay() {
      var imgs = document.querySelectorAll('img[data-testid="overlay"]');
      for (var i = 0; i < imgs.length; i++) imgs[i].classList.toggle("overlay-off");
    }

    var layerKeys = { "1": "segments", "2": "outlines", "3": "points", "4": "box" };

    // toggleLayer flips the layer's checkbox and submits the view form; it
    // returns false when the page has no such box.
    function toggleLayer(name) {
      var box = document.querySelector('[data-testid="view-form"] input[data-testid="view-layer-' + name + '"]');
      if (!box || !box.form) return false;
      box.checked = !box.checked;
      if (typeof box.form.requestSubmit === "function") box.form.requestSubmit();
      else box.form.submit();
      return true;
    }

    function typing(el) {
      if (!el || !el.tagName) return false;
      var tag = el.tagName.toLowerCase();
      return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
    }

    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e.target) || help.open) return;
      switch (e.key) {
        case "j": step(1); break;
        case "k": step(-1); break;
        case "h": toggleOverlay(); break;
        case "?": help.showModal(); break;
        case "1": case "2": case "3": case "4":
          if (!toggleLayer(layerKeys[e.key])) return;
          break;
        default: return;
      }
      e.preventDefault();
    });
    var open = document.querySelector('[data-testid="keys-open"]');
    if (open) {
      open.addEventListener("click", function () { help.showModal(); });
      open.hidden = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    update();
    setInterval(update, 30000);
    var badge = document.querySelector("[data-status-url]");
    if (badge) pollStatus(badge);
    var box = document.querySelector('[data-testid="copy-link-box"]');
    if (box) copyLink(box);
    var help = document.querySelector('[data-testid="keys-help"]');
    if (help && typeof help.showModal === "function") keys(help);
  });
})();
