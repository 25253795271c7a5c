"""A logging filter that masks secrets in every record before any handler writes it.

Installed on every handler in ``settings.LOGGING`` (the console, django.server's access log,
mails to ADMINS). It masks, in the message, its arguments and any traceback:
- the value of every sensitive query parameter in any URL (``?key=...``, ``&token=...``);
- ``Authorization``/``X_KEY``/``Cookie`` header values and ``Bearer``/``Token`` credentials;
- values under a sensitive name in dict or JSON text (``'api_key': '...'``);
- Getlead tokens (``gl_`` + 20 hex) wherever they stand, the path included;
- LeadHub's own API keys (``lh_live_ab12cd34_…``): all but the visible prefix;
- every credential value a vendor adapter in this process has used.
"""

from __future__ import annotations

import logging
import re

from vendors.redaction import MASK, SENSITIVE_NAMES, known_secrets_redactor

_NAMES = "|".join(
    re.escape(n) for n in sorted(SENSITIVE_NAMES | {"uuid", "x-api-key"}, key=len, reverse=True)
)
# ?key=abc or &api_key=abc in any URL, and key=abc anywhere else.
_QUERY_PARAM = re.compile(rf"(?i)((?<![\w-])(?:{_NAMES})=)([^&\s\"'#<>,)]+)")
# Authorization: Bearer abc / X_KEY: abc / "Cookie": "abc" in header dumps.
_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|x[-_]key|x-api-key|cookie|set-cookie)"
    r"([\"']?\s*[:=]\s*[\"']?)((?:bearer|token|basic)\s+)?([^\s\"',;}]+)"
)
_SCHEME_CREDENTIAL = re.compile(r"(?i)\b(bearer|token)\s+([A-Za-z0-9._~+/=-]{8,})")
# 'api_key': 'abc' or "token": "abc" in a dict or JSON rendered into the message.
_MAPPING_VALUE = re.compile(rf"(?i)([\"'](?:{_NAMES})[\"']\s*:\s*)([\"'])(.*?)(?<!\\)\2")
_GETLEAD_TOKEN = re.compile(r"\bgl_[0-9a-fA-F]{20}\b")
# An API key's secret part follows its visible prefix (leadhub/api/keys.py).
_API_KEY = re.compile(r"\b(lh_(?:live|pub)_[0-9a-f]{8})_[A-Za-z0-9_-]+")


def redact_log_text(text: str) -> str:
    """``text`` with every secret LeadHub can recognise replaced by the mask."""
    if not text:
        return text
    text = known_secrets_redactor().text(text)
    text = _API_KEY.sub(lambda m: f"{m.group(1)}_{MASK}", text)
    text = _QUERY_PARAM.sub(lambda m: m.group(1) + MASK, text)
    text = _HEADER.sub(lambda m: m.group(1) + m.group(2) + (m.group(3) or "") + MASK, text)
    text = _SCHEME_CREDENTIAL.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _MAPPING_VALUE.sub(lambda m: m.group(1) + m.group(2) + MASK + m.group(2), text)
    return _GETLEAD_TOKEN.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with its secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg = redact_log_text(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
        return True
