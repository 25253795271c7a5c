/* A route step's filters edited as a form: condition rows (field, operator, value) in
   groups matching all (AND) or any (OR) of their rows, groups nested in groups. The JSON
   the server checks stays in the step's textarea (class filter-json), hidden; nobody types
   it. It is rewritten only when someone changes a row, and then a clause nobody touched is
   written back exactly as it was stored (1.0 stays 1.0, true stays true, a value keeps its
   spaces), as is each part of a touched clause nobody changed: opening a route and saving
   it never changes its routing. An "is one of" list is edited one value a line, so a value
   may hold a comma ("Acme, Inc"). Clauses are numbered as the server numbers them in its
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

  // A number as it was written ("1.0"): JSON.parse would make it 1, which the server,
  // comparing text, reads as "1". Numbers are read as Raw and written back as they came.
  function Raw(text) {
    this.text = text;
  }
  var MARK = "\u0000number";
  var NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/;

  function numbersMarked(text) {
    var out = "";
    var i = 0;
    while (i < text.length) {
      var c = text.charAt(i);
      if (c === "\"") {
        var j = i + 1;
        while (j < text.length && text.charAt(j) !== "\"") {
          j += text.charAt(j) === "\\" ? 2 : 1;
        }
        out += text.slice(i, j + 1);
        i = j + 1;
      } else {
        var found = c === "-" || (c >= "0" && c <= "9") ? NUMBER.exec(text.slice(i)) : null;
        if (found) {
          out += "{\"\\u0000number\":\"" + found[0] + "\"}";
          i += found[0].length;
        } else {
          out += c;
          i += 1;
        }
      }
    }
    return out;
  }

  function parse(text) {
    return JSON.parse(numbersMarked(text), function (key, value) {
      if (value && typeof value === "object" && !Array.isArray(value)) {
        var keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === MARK) {
          return new Raw(value[MARK]);
        }
      }
      return value;
    });
  }

  function dump(value) {
    if (value instanceof Raw) {
      return value.text;
    }
    if (Array.isArray(value)) {
      return "[" + value.map(dump).join(", ") + "]";
    }
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).map(function (key) {
        return JSON.stringify(key) + ": " + dump(value[key]);
      }).join(", ") + "}";
    }
    return value === undefined ? "null" : JSON.stringify(value);
  }

  function shown(value) {
    if (value === undefined || value === null) {
      return "";
    }
    if (typeof value === "string") {
      return value;
    }
    return value instanceof Raw ? value.text : dump(value);
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
      value = parse(textarea.value.trim() || "[]");
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
    this.refresh(); // shown as stored; nothing written until someone changes a row
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
      items.appendChild(isGroup(item) ? self.nested(asGroup(item)) : self.clause(item, false));
    });
    var actions = el("div", "filter-actions");
    actions.appendChild(button("Add a condition", "filter-add", function () {
      items.appendChild(self.clause({ field: "email", op: "eq", value: "" }, true));
      self.changed();
      items.lastChild.querySelector("select").focus();
    }));
    actions.appendChild(button("Add a group", "filter-add-group", function () {
      var fresh = self.nested({ match: "any", items: [] });
      fresh.querySelector(".filter-items").appendChild(
        self.clause({ field: "email", op: "eq", value: "" }, true)
      );
      items.appendChild(fresh);
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

  // ``fresh``: added on the page, so read wholly from its controls.
  Editor.prototype.clause = function (data, fresh) {
    var self = this;
    var row = el("li", "filter-clause");
    // What was stored, and which parts someone has changed since (see clauseValue).
    row.filterStored = data;
    row.filterTouched = fresh ? { field: true, op: true, one: true, list: true } : {};
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
    var given = data && typeof data === "object" ? data.value : undefined;
    var value = el("input", "filter-value");
    value.type = "text";
    value.setAttribute("aria-label", "Value");
    value.value = Array.isArray(given) ? "" : shown(given);
    var list = el("textarea", "filter-list");
    list.rows = 3;
    list.setAttribute("aria-label", "Values, one a line");
    list.placeholder = "one value a line";
    list.value = Array.isArray(given) ? given.map(shown).join("\n") : "";
    var parts = [[field, "field"], [extraName, "field"], [op, "op"], [value, "one"], [list, "list"]];
    parts.forEach(function (pair) {
      var control = pair[0];
      row.appendChild(control);
      control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () {
        row.filterTouched[pair[1]] = true;
        self.changed();
      });
    });
    row.appendChild(button("Remove", "filter-remove", function () {
      row.parentNode.removeChild(row);
      self.changed();
    }));
    return row;
  };

  // A clause as it is to be stored: as it was stored if nobody touched it; else each part
  // nobody changed as stored, each changed part as its control now says.
  Editor.prototype.clauseValue = function (row) {
    var stored = row.filterStored;
    var touched = row.filterTouched;
    if (!touched.field && !touched.op && !touched.one && !touched.list) {
      return stored;
    }
    var old = stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
    var field = row.querySelector(".filter-field").value;
    if (field === "extra.") {
      field += row.querySelector(".filter-extra").value.trim();
    }
    if (!touched.field && typeof old.field === "string") {
      field = old.field;
    }
    var op = touched.op || typeof old.op !== "string" ? row.querySelector(".filter-op").value : old.op;
    var kind = this.operator(op).value;
    var clause = { field: field, op: op };
    if (kind === "list") {
      clause.value = !touched.list && Array.isArray(old.value) ? old.value
        : row.querySelector(".filter-list").value.split("\n")
          .map(function (part) { return part.trim(); })
          .filter(function (part) { return part !== ""; });
    } else if (kind === "one") {
      clause.value = !touched.one && "value" in old && !Array.isArray(old.value) ? old.value
        : row.querySelector(".filter-value").value.trim();
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
    this.refresh();
    var top = this.groupValue(this.root.querySelector(".filter-group"));
    var stored = top.match === "all" ? top.items : { any: top.items };
    this.textarea.value = dump(stored);
  };

  // The rows as their operator and field need them; the stored JSON is not touched.
  Editor.prototype.refresh = function () {
    var self = this;
    // Rows show what their operator and field need.
    Array.prototype.forEach.call(this.root.querySelectorAll(".filter-clause"), function (row, i) {
      row.querySelector(".filter-number").textContent = "Clause " + (i + 1);
      var field = row.querySelector(".filter-field");
      row.querySelector(".filter-extra").hidden = field.value !== "extra.";
      var kind = self.operator(row.querySelector(".filter-op").value).value;
      var value = row.querySelector(".filter-value");
      value.hidden = kind !== "one";
      row.querySelector(".filter-list").hidden = kind !== "list";
      var chosen = self.fields.filter(function (f) { return f.name === field.value; })[0];
      value.placeholder = (chosen && chosen.hint) || "value";
    });
    Array.prototype.forEach.call(this.root.querySelectorAll(".filter-group"), function (box, i) {
      if (i > 0) {
        box.querySelector(".filter-group-title").textContent = "Group " + i + ": matches";
      }
      box.querySelector(".filter-empty").hidden =
        box.querySelector(".filter-items").children.length > 0 || i > 0;
    });
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
