"""Every form a credential may travel or come back in, and one pattern that finds them all.

A vendor that quotes a request back returns a credential as it travelled: percent-encoded
in a URL (``quote`` or ``quote_plus``, any safe set, either hex case), JSON-escaped in a
body (``\\u00e9`` or ``é``, ``\\/`` as PHP writes it), HTML-escaped in an error page, base64
(HTTP Basic's ``user:password``), or one of those inside another (a request body quoted in
a JSON answer is escaped twice). Rather than list whole variants, the pattern lets each
character of a secret stand in any of its encodings, or an encoding of those: one pattern
covers every mix. It is built once per set of secrets and cached.
"""

from __future__ import annotations

import base64
import html
import json
import re
import string
from collections.abc import Callable, Iterable
from functools import lru_cache

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "_.-~")


def _percent(char: str, *, upper: bool) -> str:
    if char in _UNRESERVED:  # as quote() leaves them
        return char
    escaped = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return escaped if upper else escaped.lower()


def _json(char: str, *, ascii_only: bool) -> str:
    return json.dumps(char, ensure_ascii=ascii_only)[1:-1]


def _json_upper_hex(char: str) -> str:
    escaped = _json(char, ascii_only=True)
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), escaped)


# One character → its form under each encoding a request or an echo may apply. Each works
# character by character, so a whole string's encoding is the join of its characters'.
_ENCODINGS: tuple[Callable[[str], str], ...] = (
    lambda c: _percent(c, upper=True),
    lambda c: _percent(c, upper=False),
    lambda c: "+" if c == " " else c,  # quote_plus
    lambda c: _json(c, ascii_only=True),
    lambda c: _json(c, ascii_only=False),
    _json_upper_hex,
    lambda c: "\\/" if c == "/" else _json(c, ascii_only=True),  # PHP's json_encode
    lambda c: html.escape(c, quote=True),
    lambda c: html.escape(c, quote=False),
)


@lru_cache(maxsize=4096)
def char_forms(char: str) -> frozenset[str]:
    """The character as itself, under each encoding, and under each encoding of those."""
    once = {char, *(encode(char) for encode in _ENCODINGS)}
    twice = {"".join(encode(c) for c in form) for form in once for encode in _ENCODINGS}
    return frozenset(once | twice)


def base64_forms(value: str) -> set[str]:
    """``value`` in base64, standard and URL-safe, with and without its padding."""
    raw = value.encode("utf-8")
    forms = set()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms |= {text, text.rstrip("=")}
    return forms


def _trie(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, the longest first (each character as itself)."""
    return _trie_regex(_build_trie(words), re.escape)


def _build_trie(words: Iterable[str]) -> dict[str, dict]:
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return root


def _trie_regex(node: dict[str, dict], char_regex: Callable[[str], str]) -> str:
    """Shared prefixes are tested once, which keeps thousands of alternatives about as fast
    as one; where a word ends and a longer one goes on, the longer is tried first."""
    branches = [char_regex(c) + _trie_regex(node[c], char_regex) for c in sorted(node) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _char_regex(char: str) -> str:
    """Any form of one character of a secret."""
    forms = char_forms(char)
    return re.escape(char) if len(forms) == 1 else _trie(forms)


@lru_cache(maxsize=256)
def secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for every form of every secret in ``secrets`` (and of its base64).

    The secrets share one trie of characters, each character matched in any of its forms;
    its top level is split by the first character a form can start with, so the regex
    engine skips straight to the positions where a secret can begin.
    """
    if not secrets:
        return None
    words = set(secrets) | {form for secret in secrets for form in base64_forms(secret)}
    root = _build_trie(words)
    groups: dict[str, list[str]] = {}
    for char in sorted(root):
        rest = _trie_regex(root[char], _char_regex)
        tails_by_first: dict[str, set[str]] = {}
        for form in char_forms(char):
            tails_by_first.setdefault(form[0], set()).add(form[1:])
        for first, tails in tails_by_first.items():
            groups.setdefault(first, []).append(_trie(tails) + rest)
    alternatives = [
        re.escape(first) + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")")
        for first, rests in sorted(groups.items())
    ]
    return re.compile("|".join(alternatives))
