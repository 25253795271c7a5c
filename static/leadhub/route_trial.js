/* "Try on recent leads" on a route's change page: posts the form as edited (not saved) to
   the trial view and shows its answer under the button, the edits staying on the page to
   be saved. Without this script the button opens the answer as a page of its own. A
   static file, so the strict Content-Security-Policy allows it. */
(function () {
  "use strict";

  function run(event) {
    var trigger = event.currentTarget;
    var form = trigger.form;
    var out = document.getElementById("route-trial-result");
    if (!window.fetch || !window.FormData || !form || !out) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    data.append(trigger.name, trigger.value);
    trigger.disabled = true;
    out.textContent = "Trying the route as edited on recent leads…";
    fetch(trigger.formAction, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        out.innerHTML = html;
      })
      .catch(function () {
        out.textContent = "The trial could not be run (nothing was saved); try again.";
      })
      .then(function () {
        trigger.disabled = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var trigger = document.getElementById("route-trial-run");
    if (trigger) {
      trigger.addEventListener("click", run);
    }
  });
})();
