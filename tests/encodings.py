"""Every form a credential may travel or be echoed in, written out whole with the standard
library: the tests' own list, kept apart from ``vendors.secret_forms`` so that a form the
redactor misses is found rather than assumed.
"""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

from django.utils.encoding import escape_uri_path
from hypothesis import strategies as st

# The characters an encoding changes, always in a drawn credential (with a non-ASCII letter).
ALWAYS = '/ +%&="\\'


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def _base64(text: str) -> set[str]:
    forms = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(text.encode("utf-8")).decode("ascii")
        forms |= {encoded, encoded.rstrip("=")}
    return forms


def encoded_forms(secret: str) -> dict[str, str]:
    """Each named form of ``secret``: raw, percent-encoded, JSON- and HTML-escaped, base64,
    and the forms an echo of a request produces (a path re-escaped, a body quoted in JSON)."""
    forms = {"raw": secret}
    for encode in (quote, quote_plus):
        for safe in ("", "/"):
            name = f"{encode.__name__}(safe={safe!r})"
            forms[name] = encode(secret, safe=safe)
            forms[f"{name}, lower-case hex"] = _lower_hex(encode(secret, safe=safe))
    for ascii_only in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        forms[f"JSON (ensure_ascii={ascii_only})"] = escaped
        forms[f"JSON in JSON (ensure_ascii={ascii_only})"] = json.dumps(escaped)[1:-1]
    forms["JSON with \\/ (PHP)"] = json.dumps(secret)[1:-1].replace("/", "\\/")
    for quote_marks in (True, False):
        forms[f"HTML (quote={quote_marks})"] = html.escape(secret, quote=quote_marks)
    forms["a path as Django re-escapes it"] = escape_uri_path(secret)
    forms["quote_plus in JSON"] = json.dumps(quote_plus(secret, safe=""))[1:-1]
    for index, encoded in enumerate(sorted(_base64(secret))):
        forms[f"base64 #{index}"] = encoded
    return {name: form for name, form in forms.items() if form}


def basic_auth_forms(username: str, password: str) -> dict[str, str]:
    """``username:password`` as HTTP Basic carries it."""
    pair = f"{username}:{password}"
    return {f"Basic base64 #{i}": form for i, form in enumerate(sorted(_base64(pair)))}


PRINTABLE = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
    include_characters=" ",
)
NON_ASCII_LETTER = st.characters(categories=("Lu", "Ll", "Lo"), min_codepoint=0x80)


@st.composite
def credentials(draw: st.DrawFn) -> str:
    """A credential of printable Unicode holding every character in ``ALWAYS`` and a
    non-ASCII letter, in any order."""
    extra = draw(st.lists(PRINTABLE, max_size=12))
    letter = draw(NON_ASCII_LETTER)
    return "".join(draw(st.permutations([*ALWAYS, letter, *extra])))
