"""Encryption at rest for vendor credentials: a small MultiFernet model field.

Keys come from ``FIELD_ENCRYPTION_KEYS``, newest first: the newest encrypts, every key
decrypts, so a key is rotated by prepending a new one and running
``manage.py rotate_encryption_keys``. The local profile derives a key from SECRET_KEY.
A value that no key can read raises ``UndecryptableValue`` naming the field: ciphertext is
never handed on as if it were the secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Combinable


class UndecryptableValue(Exception):
    """A stored secret could not be decrypted with any configured key."""


def _derived_local_key(secret_key: str) -> bytes:
    digest = hashlib.sha256(b"leadhub-field-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=4)
def _crypter(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as err:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)"
        ) from err


def configured_keys() -> tuple[str, ...]:
    keys = tuple(k for k in settings.FIELD_ENCRYPTION_KEYS if k)
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production")
    return (_derived_local_key(settings.SECRET_KEY).decode(),)


def crypter() -> MultiFernet:
    return _crypter(configured_keys())


def encrypt(plaintext: str) -> str:
    return crypter().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, label: str) -> str:
    try:
        return crypter().decrypt(token.encode()).decode()
    except InvalidToken as err:
        raise UndecryptableValue(
            f"{label} cannot be decrypted with the configured FIELD_ENCRYPTION_KEYS; "
            "was it written under a key that has since been removed?"
        ) from err


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key without exposing the plaintext."""
    return crypter().rotate(token.encode()).decode()


class EncryptedJSONField(models.TextField):
    """A JSON object stored as one Fernet token. Empty dicts are stored as ''."""

    # ``rotate_encryption_keys`` re-encrypts every field that says this, on any model.
    encrypted = True
    # The model attribute takes and gives a dict, never the stored text. django-stubs reads
    # these two declarations for a field's Python type; narrowing TextField's ``str`` to a
    # dict is the point, so the override check does not apply.
    _pyi_private_set_type: dict[str, Any] | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: dict[str, Any]  # type: ignore[assignment]

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict:
        if not value:
            return {}
        return json.loads(decrypt(value, label=f"{self.model.__name__}.{self.name}"))

    def to_python(self, value: Any) -> dict:
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        return json.loads(value)

    def get_prep_value(self, value: Any) -> str:
        if not value:
            return ""
        return encrypt(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj: models.Model) -> str:
        # Fixtures and dumpdata see the ciphertext, never the secret.
        return self.get_prep_value(self.value_from_object(obj))
