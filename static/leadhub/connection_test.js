/* "Test connection" on the connection form: post the form as it stands to the test
   endpoint (data-url) and show the verdict under the button, without saving or leaving
   the page. The answer never carries what was typed. A static file, so the strict
   Content-Security-Policy allows it. */
(function () {
  "use strict";

  function wire(box) {
    var button = box.querySelector("button");
    var result = box.querySelector(".lh-typed-test-result");
    var form = box.closest("form");
    if (!button || !result || !form) {
      return;
    }
    box.hidden = false;

    function show(level, message) {
      result.className = "lh-typed-test-result lh-typed-test-" + level;
      result.textContent = message;
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      show("pending", "Testing…");
      window
        .fetch(box.getAttribute("data-url"), {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          return response.json().catch(function () {
            throw new Error("status " + response.status);
          });
        })
        .then(function (data) {
          show(data.level || "error", data.message || "The test gave no answer.");
        })
        .catch(function () {
          show("error", "The test could not be run: LeadHub did not answer. Try again.");
        })
        .then(function () {
          button.disabled = false;
        });
    });
  }

  function start() {
    if (!window.fetch || !window.FormData) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-typed-test]"), wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
