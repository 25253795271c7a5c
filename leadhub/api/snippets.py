"""What a destination's admin page offers to copy: a web-to-lead HTML form and a curl.

The HTML form posts to /api/v1/forms/<slug> with the destination's publishable key (public
by design; leadhub/api/web_forms.py). The curl posts JSON to /api/v1/leads with a secret
key, which the page never shows: it reads $LEADHUB_API_KEY.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.html import escape

from leadhub.api.models import ApiKey, KeyKind
from leadhub.attribution.models import DETAIL_FIELDS, PAGE_FIELDS
from vendors.fieldspec import FieldSpec, FieldType
from vendors.models import Destination

CONTACT_INPUTS = [
    ("first_name", "First name", "text", True),
    ("last_name", "Last name", "text", False),
    ("email", "Email", "email", False),
    ("phone", "Phone", "tel", False),
]
EXAMPLES = {
    FieldType.EMAIL: "ada@example.com",
    FieldType.EMAILS: "ada@example.com",
    FieldType.DATE: "1990-12-31",
    FieldType.INTEGER: 1,
    FieldType.DECIMAL: 1.5,
    FieldType.BOOLEAN: True,
    FieldType.UK_MOBILE: "07911 123456",
    FieldType.PHONE: "07911 123456",
    FieldType.POSTCODE: "SW1A 1AA",
    FieldType.ALPHABETICAL: "Example",
}
INPUT_TYPES = {
    FieldType.EMAIL: "email",
    FieldType.DATE: "date",
    FieldType.INTEGER: "number",
    FieldType.DECIMAL: "number",
    FieldType.PHONE: "tel",
    FieldType.UK_MOBILE: "tel",
}


# Where the person came from, filled by the form's own script from the page's address:
# sub-ids, UTM parameters and click ids from the query string, the landing page and the
# referrer. Kept for the visit in sessionStorage, so a form on a later page still knows the
# landing page and its campaign (the script alone, outside a form, on the pages people land
# on just keeps them: docs/attribution.md). Plain ES5, nothing loaded from elsewhere.
QUERY_FIELDS = [name for name in DETAIL_FIELDS if name not in PAGE_FIELDS]
SOURCE_SCRIPT = """  <script>
  (function (form) {
    var keep = "leadhub_source", saved = {}, found = {}, query;
    try { saved = JSON.parse(window.sessionStorage.getItem(keep)) || {}; } catch (e) {}
    query = new URLSearchParams(window.location.search);
    NAMES.forEach(function (name) {
      if (query.get(name)) { found[name] = query.get(name); }
    });
    if (!saved.landing_page || Object.keys(found).length) {
      found.landing_page = window.location.href;
      found.referrer = document.referrer;
      saved = found;
      try { window.sessionStorage.setItem(keep, JSON.stringify(saved)); } catch (e) {}
    }
    if (!form) { return; }
    Object.keys(saved).forEach(function (name) {
      if (form.elements[name]) { form.elements[name].value = saved[name]; }
    });
  })(document.currentScript.closest("form"));
  </script>""".replace("NAMES", json.dumps(QUERY_FIELDS))


@dataclass(frozen=True)
class Snippets:
    html_form: str
    curl: str
    publishable_key: ApiKey | None


def _example(spec: FieldSpec) -> Any:
    if spec.choices:
        return spec.choices[0][0]
    return spec.default if spec.default not in (None, "") else EXAMPLES.get(spec.type, "Example")


def _own_specs(destination: Destination) -> list[FieldSpec]:
    return [
        s for s in destination.staff_field_specs() if not s.contact and s.type is not FieldType.ROWS
    ]


def _input(spec: FieldSpec) -> str:
    name, label = escape(spec.name), escape(spec.label)
    required = " required" if spec.required else ""
    if spec.choices:
        options = "".join(
            f'<option value="{escape(v)}">{escape(t)}</option>' for v, t in spec.choices
        )
        blank = "" if spec.required else '<option value=""></option>'
        return f'  <label>{label} <select name="{name}"{required}>{blank}{options}</select></label>'
    if spec.type is FieldType.BOOLEAN:
        return f'  <label><input type="checkbox" name="{name}" value="true"> {label}</label>'
    if spec.type is FieldType.TEXTAREA:
        return f'  <label>{label} <textarea name="{name}"{required}></textarea></label>'
    kind = INPUT_TYPES.get(spec.type, "text")
    return f'  <label>{label} <input type="{kind}" name="{name}"{required}></label>'


def destination_snippets(destination: Destination, base_url: str) -> Snippets:
    base = base_url.rstrip("/")
    key = (
        destination.api_keys.filter(kind=KeyKind.PUBLISHABLE, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    token = key.public_token if key else "lh_pub_… (make a publishable key for it)"
    action = base + reverse("api_web_form", args=[destination.slug])
    lines = [f'<form method="post" action="{escape(action)}">']
    lines.append(f'  <input type="hidden" name="key" value="{escape(token)}">')
    for name, label, kind, required in CONTACT_INPUTS:
        flag = " required" if required else ""
        lines.append(f'  <label>{label} <input type="{kind}" name="{name}"{flag}></label>')
    lines += [_input(spec) for spec in _own_specs(destination)]
    lines += [f'  <input type="hidden" name="{name}">' for name in DETAIL_FIELDS]
    lines += ['  <button type="submit">Send</button>', SOURCE_SCRIPT, "</form>"]
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "07911 123456",
        "destinations": [
            {
                "destination": destination.slug,
                "fields": {s.name: _example(s) for s in _own_specs(destination) if s.required},
            }
        ],
    }
    curl = "\n".join(
        [
            f"curl -sS {base}{reverse('api_v1:lead_create')} \\",
            '  -H "Authorization: Bearer $LEADHUB_API_KEY" \\',
            '  -H "Content-Type: application/json" \\',
            '  -H "Idempotency-Key: $(uuidgen)" \\',
            f"  -d {shlex.quote(json.dumps(body, indent=2))}",
        ]
    )
    return Snippets(html_form="\n".join(lines), curl=curl, publishable_key=key)
