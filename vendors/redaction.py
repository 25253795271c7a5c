"""Masking of secrets in everything LeadHub stores, logs or shows.

Two nets: values under a sensitive name (``key``, ``token``, ``uuid``, ``password``,
``Authorization``, ``X_KEY`` ...) are masked wherever they stand, and every known secret
value is masked wherever it appears inside any string (a URL path, a query, an error).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
        # Longest first so a secret that contains another is masked whole.
        self._pattern = (
            re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
            if values
            else None
        )

    def text(self, value: str) -> str:
        if not value or self._pattern is None:
            return value
        return self._pattern.sub(MASK, value)

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
