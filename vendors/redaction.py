"""Masking of secrets, and cleaning of vendor answers, in everything LeadHub stores,
logs or shows.

Two nets: values under a sensitive name (``key``, ``token``, ``uuid``, ``password``,
``Authorization``, ``X_KEY`` ...) are masked wherever they stand, and every known secret
value is masked wherever it appears inside any string (a URL path, a query, an error), in
clear or in any form it travels or is echoed in (vendors.secret_forms).
Vendor strings are untrusted too: the cleaners below bound and sanitise what is kept.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

from vendors.results import VendorResult
from vendors.secret_forms import secrets_pattern

MASK = "••••••"

SENSITIVE_NAMES = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "x_key",
        "x-key",
        "token",
        "access_token",
        "refresh_token",
        "uuid",
        "password",
        "secret",
        "authorization",
        "cookie",
        "set-cookie",
        "proxy-authorization",
    }
)
_URL_MASK = "LEADHUB-MASKED-VALUE"
# Short values would mask innocent text; real credentials are longer than this.
_MIN_SECRET_LENGTH = 6


def is_sensitive_name(name: str) -> bool:
    return name.strip().lower() in SENSITIVE_NAMES


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LENGTH}
        # Built once per set of secrets (cached): a client per send costs a lookup.
        self._pattern = secrets_pattern(frozenset(values))

    def text(self, value: str) -> str:
        if not value or self._pattern is None:
            return value
        return self._pattern.sub(MASK, value)

    def strings(self, value: Any) -> Any:
        """``value`` (JSON data) with every string in it, keys too, passed through ``text``:
        what was stored, re-masked without changing anything else."""
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.strings(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.strings(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {
                k: (MASK if is_sensitive_name(str(k)) and v not in (None, "") else self.data(v))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: MASK if is_sensitive_name(k) else self.text(v) for k, v in headers.items()}

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        # urlencode would percent-encode the mask's bullets: mask with an ASCII stand-in.
        query = urlencode(
            [
                (k, _URL_MASK if is_sensitive_name(k) else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
        ).replace(_URL_MASK, MASK)
        return self.text(urlunsplit(parts._replace(query=query)))


# --- secrets this process has used ------------------------------------------------------
# Every adapter registers its credential values here, so a log line that carries one (an
# error from a library, a URL with a token in its path) is masked by the logging filter.
_MAX_KNOWN_SECRETS = 1000
_known_secrets: dict[str, None] = {}
_known_lock = threading.Lock()
_known_redactor: Redactor | None = None


def remember_secrets(values: Iterable[str]) -> None:
    global _known_redactor
    fresh = [v for v in values if isinstance(v, str) and len(v) >= _MIN_SECRET_LENGTH]
    with _known_lock:
        added = False
        for value in fresh:
            if value not in _known_secrets:
                _known_secrets[value] = None
                added = True
        while len(_known_secrets) > _MAX_KNOWN_SECRETS:
            _known_secrets.pop(next(iter(_known_secrets)))
        if added:
            _known_redactor = None


def known_secrets_redactor() -> Redactor:
    global _known_redactor
    with _known_lock:
        if _known_redactor is None:
            _known_redactor = Redactor(list(_known_secrets))
        return _known_redactor


# --- vendor answers fit to store ---------------------------------------------------------
# Vendor strings are untrusted: these bound what is kept of them.
MESSAGE_LIMIT = 2000
REFERENCE_LIMIT = 255  # Submission.vendor_reference
CODE_LIMIT = 50  # Submission.vendor_code
_LIST_LIMIT = 100
_BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "application/gzip",
)


def clean_text(value: object, limit: int) -> str:
    """A vendor string fit to store: text, without NUL (PostgreSQL refuses it), capped."""
    text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "")[:limit]


def clean_data(value: Any, depth: int = 0) -> Any:
    """Vendor data fit for a JSON column: plain types, clean capped strings, finite numbers."""
    if depth > 10:
        return clean_text(value, MESSAGE_LIMIT)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        items = list(value.items())[:_LIST_LIMIT]
        return {clean_text(k, 200): clean_data(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [clean_data(v, depth + 1) for v in list(value)[:_LIST_LIMIT]]
    return clean_text(value, MESSAGE_LIMIT)


def clean_result(result: VendorResult, redactor: Redactor) -> VendorResult:
    """The result with every vendor string masked, sanitised and capped (a new object)."""
    return VendorResult(
        outcome=result.outcome,
        condition=result.condition,
        retry_after=result.retry_after,
        message=clean_text(
            redactor.text(clean_text(result.message, 10 * MESSAGE_LIMIT)), MESSAGE_LIMIT
        ),
        reference=clean_text(result.reference, REFERENCE_LIMIT),
        code=clean_text(result.code, CODE_LIMIT),
        links={
            clean_text(k, 100): clean_text(v, MESSAGE_LIMIT)
            for k, v in list((result.links or {}).items())[:_LIST_LIMIT]
        },
        field_errors={
            clean_text(k, 200): [
                redactor.text(clean_text(m, MESSAGE_LIMIT))
                for m in (v if isinstance(v, list | tuple) else [v])[:_LIST_LIMIT]
            ]
            for k, v in list((result.field_errors or {}).items())[:_LIST_LIMIT]
        },
        data=redactor.data(clean_data(result.data or {})),
    )


def storable_body(text: str, content_type: str = "") -> str:
    """What is kept of a vendor answer: a note for binary content, else capped clean text."""
    limit = settings.STORED_BODY_LIMIT
    sample = text[:4096]
    binary_type = content_type.startswith(_BINARY_TYPES)
    replaced = sample.count("\ufffd")
    if ("\x00" in sample or (sample and replaced > len(sample) // 10) or binary_type) and text:
        return f"[{content_type or 'binary'} answer of {len(text)} characters, not stored]"
    text = text.replace("\x00", "")
    if len(text) <= limit:
        return text
    note = f"\n[… {len(text) - limit} more characters not stored]"
    return text[: max(0, limit - len(note))] + note
