// segview's progressive enhancement: relative times stay current while the
// page is open. The page works without this script.
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

  document.addEventListener("DOMContentLoaded", function () {
    update();
    setInterval(update, 30000);
  });
})();
