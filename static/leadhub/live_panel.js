/* A live panel: while the server says something is pending, ask the panel's status
   endpoint every few seconds and replace the panel with the server's rendering. Used by
   the lead page (its submissions) and the campaign sync page. Each panel carries
   data-live-panel, data-status-url, data-pending ("1" or "0"), data-interval-ms and
   data-give-up-ms. A static file, so the strict Content-Security-Policy allows it. */
(function () {
  "use strict";

  function watch(panel) {
    var url = panel.getAttribute("data-status-url");
    var interval = Number(panel.getAttribute("data-interval-ms")) || 2000;
    var giveUpAfter = Number(panel.getAttribute("data-give-up-ms")) || 15 * 60 * 1000;
    var started = Date.now();
    var version = ""; // the last answer's ETag: the server answers 304 while it still holds

    function schedule() {
      if (panel.getAttribute("data-pending") === "1" && Date.now() - started < giveUpAfter) {
        window.setTimeout(poll, interval);
      }
    }

    function poll() {
      var headers = { Accept: "application/json" };
      if (version) {
        headers["If-None-Match"] = version;
      }
      window
        .fetch(url, { credentials: "same-origin", headers: headers })
        .then(function (response) {
          if (response.status === 304) {
            return null; // nothing changed: the panel stays as it is
          }
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          version = response.headers.get("ETag") || "";
          return response.json();
        })
        .then(function (data) {
          if (data === null) {
            schedule();
            return;
          }
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

  function start() {
    if (!window.fetch) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-panel]"), watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
