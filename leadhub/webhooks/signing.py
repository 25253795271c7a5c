"""Signing secrets and signatures, per the Standard Webhooks specification.

A secret is ``whsec_`` and 32 random bytes in base64. Each POST carries ``webhook-id`` (the
delivery's message id, the same on every attempt), ``webhook-timestamp`` (the attempt's
time, in Unix seconds) and ``webhook-signature`` (``v1,`` and the base64 HMAC-SHA256 of
``id.timestamp.body``), made by the ``standardwebhooks`` package that receivers verify with.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix the specification names)
SECRET_BYTES = 32
MASK = SECRET_PREFIX + "•" * 8


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id_generate() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def payload_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON, keys in a stable order."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def signed_headers(
    *, secret: str, message_id: str, body: bytes, at: datetime | None = None
) -> dict[str, str]:
    at = (at or datetime.now(UTC)).astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body.decode())
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
