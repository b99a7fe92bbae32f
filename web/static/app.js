// segview's progressive enhancement: relative times stay current while the
// page is open, a queued or running job's page polls its status and reloads
// when it changes, "Copy link" copies the page's address, the view controls
// apply in place, segments highlight between table and image, verdicts are
// saved without a reload, and the job page answers to a few keys (j, k, h,
// 1–4, z, x, ?). The page works without this script.
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

  var SVG_NS = "http://www.w3.org/2000/svg";
  // The view parameters the page's controls own.
  var VIEW_KEYS = ["min_score", "opacity", "layers", "hide", "sel"];

  // Review is the job page's interactive state: the view form, the
  // selection, hover highlighting between table rows and the hit areas on
  // the images, and verdicts. Without this script the same view form is a
  // plain GET form and the verdict buttons plain POST forms.
  function Review(form) {
    this.form = form;
    this.rows = Array.prototype.slice.call(document.querySelectorAll('[data-testid="segment-row"]'));
    this.ranks = [];
    for (var i = 0; i < this.rows.length; i++) {
      var r = Number(this.rows[i].getAttribute("data-rank"));
      if (this.ranks.indexOf(r) < 0) this.ranks.push(r);
    }
    this.ranks.sort(function (a, b) { return a - b; });
    this.sel = Number(new URL(location.href).searchParams.get("sel")) || 0;
    this.file = null; // the file section z and x act on
    this.status = document.querySelector('[data-testid="review-status"]');
  }

  // params returns the view as the form holds it, in the server's canonical
  // form: defaults left out, keys sorted.
  Review.prototype.params = function () {
    var f = this.form, p = new URLSearchParams();
    if (!f) return p;
    var ms = f.elements.min_score.value.trim();
    if (ms !== "" && Number(ms) !== 0) p.set("min_score", ms);
    var op = f.elements.opacity.value.trim();
    if (op !== "" && Number(op) !== Number(f.getAttribute("data-default-opacity"))) p.set("opacity", op);
    var boxes = f.querySelectorAll('input[type="checkbox"][name="layers"]');
    var on = [];
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) on.push(boxes[i].value);
    if (on.length !== boxes.length) p.set("layers", on.join(","));
    var hidden = [];
    var hideBoxes = document.querySelectorAll('input[name="hide"][form="' + f.id + '"]:checked');
    for (var h = 0; h < hideBoxes.length; h++) {
      var r = Number(hideBoxes[h].value);
      if (hidden.indexOf(r) < 0) hidden.push(r);
    }
    hidden.sort(function (a, b) { return a - b; });
    if (hidden.length) p.set("hide", hidden.join(","));
    if (this.sel > 0) p.set("sel", String(this.sel));
    p.sort();
    return p;
  };

  // withView replaces the view parameters of url by those of p.
  function withView(url, p, keepSel) {
    var u = new URL(url, location.href);
    for (var i = 0; i < VIEW_KEYS.length; i++) u.searchParams.delete(VIEW_KEYS[i]);
    p.forEach(function (v, k) { if (k !== "sel" || keepSel) u.searchParams.set(k, v); });
    u.searchParams.sort();
    return u.pathname + (u.search ? u.search : "") + u.hash;
  }

  // apply brings the page to the form's view without reloading: the
  // address, the images and links that carry the view, the hidden marks of
  // the rows and the "N of M shown" counters. An invalid form is left to
  // the browser's own messages.
  Review.prototype.apply = function () {
    var f = this.form;
    if (!f || (typeof f.checkValidity === "function" && !f.checkValidity())) return false;
    var p = this.params();
    var page = withView(location.href, p, true);
    if (page !== location.pathname + location.search + location.hash) history.replaceState(null, "", page);
    var links = document.querySelectorAll("[data-view-link]");
    for (var i = 0; i < links.length; i++) {
      var attr = links[i].getAttribute("data-view-link");
      var next = withView(links[i].getAttribute(attr), p, false);
      if (next !== links[i].getAttribute(attr)) links[i].setAttribute(attr, next);
    }
    var forms = document.querySelectorAll('form.verdicts input[name="view"], form.triage input[name="view"]');
    for (var j = 0; j < forms.length; j++) forms[j].value = p.toString();
    this.markShown(p);
    return true;
  };

  // markShown marks rows and hit areas the view leaves out and updates each
  // file's counter, as the server does.
  Review.prototype.markShown = function (p) {
    var min = Number(p.get("min_score") || 0);
    var hide = (p.get("hide") || "").split(",").filter(Boolean).map(Number);
    var files = document.querySelectorAll('[data-testid="file"]');
    for (var i = 0; i < files.length; i++) {
      var rows = files[i].querySelectorAll('[data-testid="segment-row"]');
      var shown = 0;
      for (var k = 0; k < rows.length; k++) {
        var rank = Number(rows[k].getAttribute("data-rank"));
        var vis = Number(rows[k].getAttribute("data-score")) >= min && hide.indexOf(rank) < 0;
        if (vis) shown++;
        rows[k].classList.toggle("segment-hidden", !vis);
        if (vis) rows[k].removeAttribute("data-hidden"); else rows[k].setAttribute("data-hidden", "true");
        var hit = files[i].querySelector('path[data-rank="' + rank + '"]');
        if (hit) hit.classList.toggle("hit-off", !vis);
      }
      var count = files[i].querySelector('[data-testid="shown-count"]');
      if (count) {
        var filtered = min > 0 || hide.length > 0;
        count.textContent = filtered && rows.length ? shown + " of " + rows.length + " shown" : "";
        count.hidden = !(filtered && rows.length);
      }
    }
  };

  // select marks the segment of this rank as selected in every file, as
  // ?sel= does, and keeps it in the address and the forms.
  Review.prototype.select = function (rank, file) {
    this.sel = rank;
    if (file) this.file = file;
    for (var i = 0; i < this.rows.length; i++) {
      var on = Number(this.rows[i].getAttribute("data-rank")) === rank;
      this.rows[i].classList.toggle("segment-selected", on);
      if (on) {
        this.rows[i].setAttribute("aria-selected", "true");
        this.rows[i].setAttribute("aria-current", "true");
      } else {
        this.rows[i].removeAttribute("aria-selected");
        this.rows[i].removeAttribute("aria-current");
      }
    }
    var hits = document.querySelectorAll("path.hit");
    for (var h = 0; h < hits.length; h++) hits[h].classList.toggle("hit-selected", Number(hits[h].getAttribute("data-rank")) === rank);
    // Bring the row into view in the file z and x act on (else the first).
    var scope = this.file || document;
    var shown = scope.querySelector('[data-testid="segment-row"][data-rank="' + rank + '"]');
    if (shown) shown.scrollIntoView({ block: "nearest" });
    var input = this.form && this.form.querySelector('input[name="sel"]');
    if (this.form && !input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "sel";
      this.form.querySelector("fieldset").appendChild(input);
    }
    if (input) input.value = String(rank);
    var u = new URL(location.href);
    u.searchParams.set("sel", String(rank));
    u.searchParams.sort();
    history.replaceState(null, "", u.pathname + u.search + u.hash);
  };

  Review.prototype.step = function (dir) {
    if (this.ranks.length === 0) return;
    var at = this.ranks.indexOf(this.sel);
    if (at < 0) at = dir > 0 ? 0 : this.ranks.length - 1;
    else at = Math.min(Math.max(at + dir, 0), this.ranks.length - 1);
    this.select(this.ranks[at]);
  };

  // highlight marks one file's segment on the image and in the table while
  // the pointer or the focus is on either.
  function highlight(file, rank, on) {
    var row = file.querySelector('[data-testid="segment-row"][data-rank="' + rank + '"]');
    var hit = file.querySelector('path.hit[data-rank="' + rank + '"]');
    if (row) row.classList.toggle("segment-hover", on);
    if (hit) hit.classList.toggle("hit-hover", on);
  }

  // hitAreas fetches a file's segment shapes and lays them over its image
  // as an SVG stretched to the image (the shapes are in 0..1 coordinates).
  Review.prototype.hitAreas = function (frame) {
    var self = this;
    var file = frame.closest('[data-testid="file"]');
    fetch(frame.getAttribute("data-hits-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.json(); })
      .then(function (body) {
        var svg = document.createElementNS(SVG_NS, "svg");
        svg.setAttribute("class", "hits");
        svg.setAttribute("viewBox", "0 0 1 1");
        svg.setAttribute("preserveAspectRatio", "none");
        svg.setAttribute("aria-hidden", "true");
        svg.setAttribute("data-testid", "hits");
        (body.segments || []).forEach(function (s) {
          var path = document.createElementNS(SVG_NS, "path");
          path.setAttribute("d", s.d);
          path.setAttribute("data-rank", String(s.rank));
          path.setAttribute("class", "hit");
          path.addEventListener("mouseenter", function () { highlight(file, s.rank, true); });
          path.addEventListener("mouseleave", function () { highlight(file, s.rank, false); });
          path.addEventListener("click", function (e) { e.preventDefault(); self.select(s.rank, file); });
          svg.appendChild(path);
        });
        frame.appendChild(svg);
        self.markShown(self.params());
        if (self.sel) self.select(self.sel);
      })
      .catch(function () { /* the image still works; only pointing does not */ });
  };

  // say announces the outcome of a verdict; problems go to the alert.
  Review.prototype.say = function (text, problem) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.classList.toggle("review-problem", !!problem);
    this.status.setAttribute("role", problem ? "alert" : "status");
  };

  // showVerdicts puts a file's verdicts (rank → status) into its rows.
  function showVerdicts(file, verdicts) {
    var rows = file.querySelectorAll('[data-testid="segment-row"]');
    var labels = { approved: "Approved", rejected: "Rejected" };
    for (var i = 0; i < rows.length; i++) {
      var rank = rows[i].getAttribute("data-rank");
      var v = verdicts[rank] || "";
      rows[i].setAttribute("data-verdict", v);
      var label = rows[i].querySelector('[data-testid="verdict"]');
      if (label) {
        label.textContent = labels[v] || "No verdict";
        label.className = "verdict-label verdict-" + (labels[v] ? v : "none");
      }
      var pairs = [["approve", "approved"], ["reject", "rejected"]];
      for (var k = 0; k < pairs.length; k++) {
        var b = rows[i].querySelector('[data-testid="' + pairs[k][0] + '"]');
        if (!b) continue;
        b.setAttribute("aria-pressed", v === pairs[k][1] ? "true" : "false");
        b.value = rank + ":" + (v === pairs[k][1] ? "suggested" : pairs[k][1]);
      }
    }
  }

  // send posts a verdict form's fields and shows the answer. A refusal
  // changes nothing on the page: the view, the selection and the rows stay
  // as they were, and the message says why.
  Review.prototype.send = function (form, fields, done) {
    var self = this;
    var file = form.closest('[data-testid="file"]');
    var token = form.querySelector('input[name="csrf_token"]');
    var body = new URLSearchParams(fields);
    body.set("view", this.params().toString());
    form.setAttribute("aria-busy", "true");
    return fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json", "X-CSRF-Token": token ? token.value : "" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
    }).then(function (res) {
      form.removeAttribute("aria-busy");
      if (!res.ok) {
        var e = res.body && res.body.error;
        self.say("Not saved: " + (e && e.message ? e.message : "segview answered HTTP " + res.status + ".") + (e && e.hint ? " " + e.hint : ""), true);
        return;
      }
      showVerdicts(file, res.body.verdicts || {});
      self.say(done(res.body), false);
    }, function () {
      form.removeAttribute("aria-busy");
      self.say("Not saved: segview could not be reached. Nothing was changed; try again.", true);
    });
  };

  // verdict records the verdict "rank:status" on a file's segment.
  Review.prototype.verdict = function (file, value) {
    var form = file.querySelector("form.verdicts");
    if (!form) return;
    var parts = value.split(":");
    var words = { approved: "approved", rejected: "rejected", suggested: "has no verdict again" };
    this.send(form, { verdict: value }, function () {
      return "Segment " + parts[0] + " " + (words[parts[1]] || parts[1]) + ".";
    });
  };

  // toggleVerdict is z and x: approve or reject the selected segment in the
  // current file, or take that verdict back when it already has it.
  Review.prototype.toggleVerdict = function (want) {
    var file = this.file || document.querySelector('[data-testid="file"]');
    if (!file || !this.sel) {
      this.say("Select a segment first (j or k), then press z or x.", true);
      return;
    }
    var row = file.querySelector('[data-testid="segment-row"][data-rank="' + this.sel + '"]');
    if (!row || !file.querySelector("form.verdicts")) return;
    var now = row.getAttribute("data-verdict");
    this.verdict(file, this.sel + ":" + (now === want ? "suggested" : want));
  };

  Review.prototype.wire = function () {
    var self = this;
    var f = this.form;
    if (f) {
      var timer = null;
      f.addEventListener("change", function () { self.apply(); });
      f.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { self.apply(); }, 250);
      });
      // The rows' "Hide" boxes belong to the form without being inside it:
      // their events do not pass through it. A rank's box in every file
      // follows the one changed, as hide applies to every file.
      document.addEventListener("change", function (e) {
        var box = e.target;
        if (!box.matches || !box.matches('input[name="hide"]') || box.form !== f) return;
        var same = document.querySelectorAll('input[name="hide"][value="' + box.value + '"]');
        for (var i = 0; i < same.length; i++) same[i].checked = box.checked;
        self.apply();
      });
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        if (!self.apply() && typeof f.reportValidity === "function") f.reportValidity();
      });
    }
    this.rows.forEach(function (row) {
      var file = row.closest('[data-testid="file"]');
      var rank = Number(row.getAttribute("data-rank"));
      row.addEventListener("mouseenter", function () { highlight(file, rank, true); });
      row.addEventListener("mouseleave", function () { highlight(file, rank, false); });
      row.addEventListener("focusin", function () { highlight(file, rank, true); self.file = file; });
      row.addEventListener("focusout", function () { highlight(file, rank, false); });
      row.addEventListener("click", function (e) {
        if (e.target.closest("button, input, label")) return;
        // The rank's link selects without the script; with it, in place.
        if (e.target.closest("a.rank-link")) e.preventDefault();
        self.select(rank, file);
      });
      row.addEventListener("keydown", function (e) {
        if (e.target === row && (e.key === "Enter" || e.key === " ")) {
          e.preventDefault();
          self.select(rank, file);
        }
      });
    });
    var vforms = document.querySelectorAll("form.verdicts");
    for (var i = 0; i < vforms.length; i++) {
      vforms[i].addEventListener("submit", function (e) {
        var b = e.submitter;
        if (!b || b.name !== "verdict") return;
        e.preventDefault();
        var file = this.closest('[data-testid="file"]');
        self.file = file;
        self.verdict(file, b.value);
      });
    }
    var tforms = document.querySelectorAll("form.triage");
    for (var t = 0; t < tforms.length; t++) {
      tforms[t].addEventListener("submit", function (e) {
        e.preventDefault();
        var form = this;
        var file = form.closest('[data-testid="file"]');
        self.file = file;
        var vform = file.querySelector("form.verdicts");
        if (!vform) return;
        self.send(form, { high: form.elements.high.value, low: form.elements.low.value }, function (b) {
          var v = b.verdicts || {}, a = 0, r = 0;
          Object.keys(v).forEach(function (k) { if (v[k] === "approved") a++; else if (v[k] === "rejected") r++; });
          return "Triage saved. This file now has " + a + " approved and " + r + " rejected segments.";
        });
      });
    }
    var frames = document.querySelectorAll("[data-hits-url]");
    for (var h = 0; h < frames.length; h++) this.hitAreas(frames[h]);
  };

  // keys wires the job page's keyboard shortcuts: j/k select the next or
  // previous segment (by rank, in every file's table, as ?sel= does), h
  // hides or shows the overlay images, 1–4 toggle a layer in the view
  // form (applied in place), z/x approve or reject the selected segment,
  // ? opens the help dialog (Esc closes it natively). Keys typed into a
  // field, or with a modifier, are left alone.
  function keys(help, review) {
    function toggleOverlay() {
      var imgs = document.querySelectorAll('img[data-testid="overlay"]');
      for (var i = 0; i < imgs.length; i++) imgs[i].classList.toggle("overlay-off");
      var svgs = document.querySelectorAll("svg.hits");
      for (var j = 0; j < svgs.length; j++) svgs[j].classList.toggle("overlay-off");
    }

    var layerKeys = { "1": "segments", "2": "outlines", "3": "points", "4": "box" };

    // toggleLayer flips the layer's checkbox and applies the view; it
    // returns false when the page has no such box.
    function toggleLayer(name) {
      var box = document.querySelector('[data-testid="view-form"] input[data-testid="view-layer-' + name + '"]');
      if (!box) return false;
      box.checked = !box.checked;
      review.apply();
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
        case "j": review.step(1); break;
        case "k": review.step(-1); break;
        case "h": toggleOverlay(); break;
        case "z": review.toggleVerdict("approved"); break;
        case "x": review.toggleVerdict("rejected"); break;
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
    var review = new Review(document.querySelector('[data-testid="view-form"]'));
    if (document.querySelector('[data-testid="file"]')) review.wire();
    var help = document.querySelector('[data-testid="keys-help"]');
    if (help && typeof help.showModal === "function") keys(help, review);
  });
})();
