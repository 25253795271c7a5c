/* The campaign sync page: while a sync runs, ask the status endpoint every second and
   replace the panel with the server's rendering, until every sync has finished.
   A static file, so the strict Content-Security-Policy allows it. */
(function () {
  "use strict";
  var INTERVAL_MS = 1000;
  var GIVE_UP_AFTER_MS = 30 * 60 * 1000;

  function start() {
    var panel = document.getElementById("lh-campaign-syncs");
    if (!panel || !window.fetch) {
      return;
    }
    var url = panel.getAttribute("data-status-url");
    var started = Date.now();

    function schedule() {
      if (panel.getAttribute("data-pending") === "1" && Date.now() - started < GIVE_UP_AFTER_MS) {
        window.setTimeout(poll, INTERVAL_MS);
      }
    }

    function poll() {
      window
        .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          panel.innerHTML = data.html;
          panel.setAttribute("data-pending", data.pending ? "1" : "0");
          schedule();
        })
        .catch(function () {
          // A blip (a restart, a dropped connection): try again at the next tick.
          schedule();
        });
    }

    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
