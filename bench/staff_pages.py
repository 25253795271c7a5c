"""Reading the admin's pages as a browser would: the forms on a page, their fields and what a
person would type into the lead entry form.

Standard library only (``html.parser``), so the staff-load harness needs nothing else.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    label: str = ""  # the text of the <label> wrapping it (checkboxes in a list)


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._labelled: Field | None = None  # an input inside the <label> being read
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(method=a.get("method", "get").lower(), action=a.get("action", ""))
            self.forms.append(self._form)
        elif tag == "label":
            self._in_label, self._labelled = True, None
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
        elif tag == "input":
            kind = a.get("type", "text").lower()
            item = Field(a["name"], kind, a.get("value", ""), checked="checked" in a)
            self._form.fields.append(item)
            if self._in_label:
                self._labelled = item
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def _option(self, a: dict[str, str]) -> None:
        assert self._select is not None
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a:
            self._select.value = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "label":
            self._in_label, self._labelled = False, None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._labelled is not None:
            self._labelled.label = (self._labelled.label + data).strip()


def page_forms(body: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(body)
    return parser.forms


def csrf_token(body: str) -> str:
    for form in page_forms(body):
        token = form.field("csrfmiddlewaretoken")
        if token is not None:
            return token.value
    return ""


# Values for the example campaign's own fields, by the vendor field's name; any other field
# gets a value from its input type.
KNOWN_VALUES = {
    "data13": "Volvo",
    "dob": "1990-12-31",
    "postcode": "SW1A 1AA",
    "consent_date": "2026-12-01",
}
TYPED_VALUES = {"date": "1990-12-31", "number": "1", "email": "", "url": "https://example.com"}


def entry_form_data(form: Form, contact: dict[str, str]) -> list[tuple[str, str]]:
    """What a person fills in: the contact details, then every empty field of each
    destination (a known value, the first offered choice, or a value of the field's type)."""
    data: list[tuple[str, str]] = []
    for item in form.fields:
        if item.kind in ("submit", "button", "file"):
            continue
        if item.kind in ("checkbox", "radio"):
            if item.checked:
                data.append((item.name, item.value or "on"))
            continue
        if item.name in contact:
            data.append((item.name, contact[item.name]))
            continue
        value = item.value
        vendor_name = item.name.split("__", 1)[-1]
        if not value and item.kind == "select":
            value = next((o for o in item.options if o), "")
        elif not value and item.kind not in ("hidden",):
            value = KNOWN_VALUES.get(vendor_name) or TYPED_VALUES.get(item.kind, "") or "Bench"
            if item.kind == "email":
                value = contact.get("email", "")
        data.append((item.name, value))
    return data


def form_errors(body: str) -> str:
    """The first error a form page shows, in plain text ("" if none)."""
    found = re.search(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
    if not found:
        return ""
    text = html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()[:200]
    row = re.search(r'class="form-row errors field-([^" ]+)', body)
    return f"{row.group(1)}: {text}" if row else text


def page_title(body: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""
