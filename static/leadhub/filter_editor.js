/* A route step's filters edited as a form: condition rows (field, operator, value) in
   groups matching all (AND) or any (OR) of their rows, groups nested in groups. The JSON
   the server checks stays in the step's textarea (class filter-json), hidden and rewritten
   on every change; nobody types it. Clauses are numbered as the server numbers them in its
   messages ("Clause 2 …"). A static file, so the strict Content-Security-Policy allows it;
   no inline styles (the hidden attribute shows and hides). */
(function () {
  "use strict";

  var MATCHES = [
    ["all", "all of these (AND)"],
    ["any", "any of these (OR)"]
  ];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function option(value, label, chosen) {
    var node = el("option", "", label);
    node.value = value;
    node.selected = chosen;
    return node;
  }

  function button(label, className, onClick) {
    var node = el("button", "button filter-button " + className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function isGroup(item) {
    if (!item || typeof item !== "object" || Array.isArray(item) || "field" in item) {
      return false;
    }
    var keys = Object.keys(item);
    return keys.length === 1 && (keys[0] === "all" || keys[0] === "any");
  }

  function asGroup(value) {
    if (Array.isArray(value)) {
      return { match: "all", items: value };
    }
    if (isGroup(value)) {
      var key = Object.keys(value)[0];
      return { match: key, items: value[key] || [] };
    }
    return { match: "all", items: value ? [value] : [] };
  }

  function Editor(textarea) {
    var value;
    try {
      value = JSON.parse(textarea.value.trim() || "[]");
    } catch (error) {
      return; // not JSON: the textarea stays, to be mended by hand
    }
    this.textarea = textarea;
    this.fields = JSON.parse(textarea.getAttribute("data-fields"));
    this.operators = JSON.parse(textarea.getAttribute("data-operators"));
    this.root = el("div", "filter-editor");
    this.root.appendChild(this.group(asGroup(value), true));
    textarea.hidden = true;
    textarea.setAttribute("data-editor", "on");
    textarea.parentNode.insertBefore(this.root, textarea.nextSibling);
    this.changed();
  }

  Editor.prototype.operator = function (name) {
    for (var i = 0; i < this.operators.length; i += 1) {
      if (this.operators[i].name === name) {
        return this.operators[i];
      }
    }
    return this.operators[0];
  };

  Editor.prototype.group = function (data, top) {
    var self = this;
    var box = el("div", top ? "filter-group filter-top" : "filter-group");
    var head = el("div", "filter-group-head");
    var title = el("span", "filter-group-title", top ? "A lead fits when it matches" : "");
    var match = el("select", "filter-match");
    match.setAttribute("aria-label", "Match");
    MATCHES.forEach(function (pair) {
      match.appendChild(option(pair[0], pair[1], data.match === pair[0]));
    });
    match.addEventListener("change", function () { self.changed(); });
    head.appendChild(title);
    head.appendChild(match);
    box.appendChild(head);
    var items = el("ol", "filter-items");
    box.appendChild(items);
    var empty = el("p", "filter-empty help", "No conditions: every lead fits.");
    box.appendChild(empty);
    (data.items || []).forEach(function (item) {
      items.appendChild(isGroup(item) ? self.nested(asGroup(item)) : self.clause(item));
    });
    var actions = el("div", "filter-actions");
    actions.appendChild(button("Add a condition", "filter-add", function () {
      items.appendChild(self.clause({ field: "email", op: "eq", value: "" }));
      self.changed();
      items.lastChild.querySelector("select").focus();
    }));
    actions.appendChild(button("Add a group", "filter-add-group", function () {
      items.appendChild(self.nested({ match: "any", items: [{ field: "email", op: "eq", value: "" }] }));
      self.changed();
    }));
    box.appendChild(actions);
    return box;
  };

  Editor.prototype.nested = function (data) {
    var self = this;
    var item = el("li", "filter-nested");
    var box = this.group(data, false);
    box.querySelector(".filter-actions").appendChild(
      button("Remove this group", "filter-remove-group", function () {
        item.parentNode.removeChild(item);
        self.changed();
      })
    );
    item.appendChild(box);
    return item;
  };

  Editor.prototype.clause = function (data) {
    var self = this;
    var row = el("li", "filter-clause");
    row.appendChild(el("span", "filter-number"));
    var field = el("select", "filter-field");
    field.setAttribute("aria-label", "Field");
    var name = String(data.field || "");
    var extra = name.indexOf("extra.") === 0;
    this.fields.forEach(function (f) {
      field.appendChild(option(f.name, f.label, extra ? f.name === "extra." : f.name === name));
    });
    var extraName = el("input", "filter-extra");
    extraName.type = "text";
    extraName.placeholder = "name";
    extraName.setAttribute("aria-label", "Extra value name");
    extraName.value = extra ? name.slice(6) : "";
    var op = el("select", "filter-op");
    op.setAttribute("aria-label", "Operator");
    this.operators.forEach(function (o) {
      op.appendChild(option(o.name, o.label, o.name === data.op));
    });
    var value = el("input", "filter-value");
    value.type = "text";
    value.setAttribute("aria-label", "Value");
    var given = data.value;
    value.value = Array.isArray(given) ? given.join(", ") : given === undefined || given === null ? "" : String(given);
    [field, extraName, op, value].forEach(function (control) {
      row.appendChild(control);
      control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () {
        self.changed();
      });
    });
    row.appendChild(button("Remove", "filter-remove", function () {
      row.parentNode.removeChild(row);
      self.changed();
    }));
    return row;
  };

  Editor.prototype.clauseValue = function (row) {
    var field = row.querySelector(".filter-field").value;
    if (field === "extra.") {
      field += row.querySelector(".filter-extra").value.trim();
    }
    var op = row.querySelector(".filter-op").value;
    var kind = this.operator(op).value;
    var text = row.querySelector(".filter-value").value;
    var clause = { field: field, op: op };
    if (kind === "list") {
      clause.value = text.split(",").map(function (part) { return part.trim(); })
        .filter(function (part) { return part !== ""; });
    } else if (kind === "one") {
      clause.value = text.trim();
    }
    return clause;
  };

  Editor.prototype.groupValue = function (box) {
    var self = this;
    var items = [];
    Array.prototype.forEach.call(box.querySelector(".filter-items").children, function (item) {
      if (item.classList.contains("filter-clause")) {
        items.push(self.clauseValue(item));
      } else {
        var inner = self.groupValue(item.querySelector(".filter-group"));
        var wrapped = {};
        wrapped[inner.match] = inner.items;
        items.push(wrapped);
      }
    });
    return { match: box.querySelector(".filter-match").value, items: items };
  };

  Editor.prototype.changed = function () {
    var self = this;
    // Rows show what their operator and field need.
    Array.prototype.forEach.call(this.root.querySelectorAll(".filter-clause"), function (row, i) {
      row.querySelector(".filter-number").textContent = "Clause " + (i + 1);
      var field = row.querySelector(".filter-field");
      row.querySelector(".filter-extra").hidden = field.value !== "extra.";
      var kind = self.operator(row.querySelector(".filter-op").value).value;
      var value = row.querySelector(".filter-value");
      value.hidden = kind === "none";
      var chosen = self.fields.filter(function (f) { return f.name === field.value; })[0];
      value.placeholder = kind === "list" ? "values, separated by commas" : (chosen && chosen.hint) || "value";
    });
    Array.prototype.forEach.call(this.root.querySelectorAll(".filter-group"), function (box, i) {
      if (i > 0) {
        box.querySelector(".filter-group-title").textContent = "Group " + i + ": matches";
      }
      box.querySelector(".filter-empty").hidden =
        box.querySelector(".filter-items").children.length > 0 || i > 0;
    });
    var top = this.groupValue(this.root.querySelector(".filter-group"));
    var stored = top.match === "all" ? top.items : { any: top.items };
    this.textarea.value = JSON.stringify(stored);
  };

  function start(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll("textarea.filter-json"), function (area) {
      if (area.name.indexOf("__prefix__") === -1 && !area.getAttribute("data-editor")) {
        new Editor(area); // eslint-disable-line no-new
      }
    });
  }

  document.addEventListener("formset:added", function (event) {
    start(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
})();
