/* The destination form's selects, each depending on the one before: the operations of the
   chosen connection's vendor only, the campaigns of the chosen connection only (options
   carry data-kind and data-connection). On the second step and the change page, picking
   another campaign opens the page again on it (a select marked data-shows-fields), so the
   fixed-value fields shown are always the chosen campaign's. A static file, so the strict
   Content-Security-Policy allows it. */
(function () {
  "use strict";

  function byId(id) {
    return document.getElementById(id);
  }

  function offerOnly(select, keep) {
    if (!select) {
      return;
    }
    Array.prototype.forEach.call(select.options, function (option) {
      var shown = option.value === "" || keep(option);
      option.hidden = !shown;
      option.disabled = !shown;
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    var chosen = select.options[select.selectedIndex];
    if (chosen && chosen.hidden) {
      select.value = "";
    }
  }

  function follow() {
    var connection = byId("id_connection");
    if (!connection) {
      return;
    }
    var chosen = connection.options[connection.selectedIndex];
    var id = connection.value;
    var kind = chosen ? chosen.getAttribute("data-kind") : null;
    if (kind) {
      offerOnly(byId("id_operation"), function (option) {
        return option.value.split(":")[0] === kind;
      });
    }
    offerOnly(byId("id_campaign"), function (option) {
      return !id || option.getAttribute("data-connection") === id;
    });
  }

  function showFieldsOf(select) {
    if (!select.value) {
      return;
    }
    var url = new URL(window.location.href);
    url.searchParams.set("campaign", select.value);
    var name = byId("id_name");
    if (name && name.value && url.searchParams.has("operation")) {
      url.searchParams.set("name", name.value); // the add page keeps what was typed
    }
    window.location.assign(url.toString());
  }

  function start() {
    var connection = byId("id_connection");
    if (connection) {
      connection.addEventListener("change", follow);
      follow();
    }
    var campaign = byId("id_campaign");
    if (campaign && campaign.getAttribute("data-shows-fields")) {
      campaign.addEventListener("change", function () {
        showFieldsOf(campaign);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
