"""API keys: made, revoked, and recognised from the bearer token a request carries.

A secret key reads ``lh_live_ab12cd34_<secret>``: the first 16 characters are its visible
prefix (stored in clear, unique), the whole token is stored only as a SHA-256 hash. A token
of 192 random bits needs no slow hash: nobody can guess one, and a stolen hash gives nothing.
Publishable keys (``lh_pub_…``) stand in web pages and are stored whole.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadhub.api.intake import LeadChecker, lead_checker
from leadhub.api.key_cache import generation, key_entry_for, key_entry_get, key_entry_put
from leadhub.api.models import ApiKey, KeyAccess, KeyKind
from leadhub.routing.models import Route
from vendors.models import Destination

TOKEN_PREFIXES = {KeyKind.SECRET: "lh_live_", KeyKind.PUBLISHABLE: "lh_pub_"}
PREFIX_ID_LENGTH = 8
# last_used_at is written at most this often per key: not one UPDATE per lead.
LAST_USED_RESOLUTION = timedelta(seconds=60)
# Lead checks kept per cached key (threads x combinations of destinations).
CHECKERS_KEPT = 64


@dataclass(frozen=True)
class NewKey:
    """A key just made, with its token: the only time the token is known in clear."""

    key: ApiKey
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def token_prefix(token: str) -> str | None:
    """The visible prefix of a well-formed token, or None."""
    for start in TOKEN_PREFIXES.values():
        if token.startswith(start):
            prefix = token[: len(start) + PREFIX_ID_LENGTH]
            rest = token[len(prefix) :]
            if len(prefix) == len(start) + PREFIX_ID_LENGTH and rest.startswith("_"):
                return prefix
    return None


@transaction.atomic
def api_key_create(
    *,
    name: str,
    owner: Any,
    destinations: Iterable[Destination],
    access: str = KeyAccess.WRITE,
    kind: str = KeyKind.SECRET,
    expires_at: datetime | None = None,
    created_by: Any = None,
    route: Route | None = None,
) -> NewKey:
    """A new key and its token (shown once; only its hash is kept for a secret key)."""
    start = TOKEN_PREFIXES[KeyKind(kind)]
    prefix = f"{start}{secrets.token_hex(PREFIX_ID_LENGTH // 2)}"
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = f"{start}{secrets.token_hex(PREFIX_ID_LENGTH // 2)}"
    token = f"{prefix}_{secrets.token_urlsafe(24)}"
    key = ApiKey(
        name=name,
        kind=kind,
        prefix=prefix,
        secret_hash=token_hash(token),
        public_token=token if kind == KeyKind.PUBLISHABLE else "",
        owner=owner,
        access=KeyAccess.WRITE if kind == KeyKind.PUBLISHABLE else access,
        expires_at=expires_at,
        created_by=created_by,
        route=route,
    )
    key.save()
    key.destinations.set(list(destinations))
    return NewKey(key=key, token=token)


def api_key_revoke(*, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


class KeyRefused(Exception):
    """The token names no usable key; ``code`` says which way (for the 401's body)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def api_key_authenticate(token: str, *, kind: str = KeyKind.SECRET) -> ApiKey:
    """The usable key ``token`` names, its last use noted; KeyRefused otherwise. The key is
    read at most every API_KEY_CACHE_SECONDS per process (leadhub/api/key_cache.py); its
    hash, revocation, expiry and owner are checked on every request."""
    prefix = token_prefix(token) if len(token) <= 200 else None
    key = _key_read(prefix) if prefix else None
    if key is None or not hmac.compare_digest(key.secret_hash, token_hash(token)):
        raise KeyRefused("invalid_api_key", "The API key is not valid.")
    if key.kind != kind:
        raise KeyRefused("wrong_key_kind", f"A {key.get_kind_display()} key cannot be used here.")
    now = timezone.now()
    if key.revoked_at is not None:
        raise KeyRefused("api_key_revoked", "The API key was revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise KeyRefused("api_key_expired", "The API key has expired.")
    if not key.owner.is_active:
        raise KeyRefused("api_key_owner_inactive", "The API key's owner is no longer active.")
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        # A queryset update: no post_save, so the cached key is not forgotten for it.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def _key_read(prefix: str) -> ApiKey | None:
    entry = key_entry_get(prefix)
    if entry is not None:
        return entry.key
    read_in = generation()
    # A slice, not .first(): the prefix is unique, no ORDER BY to build.
    found = list(ApiKey.objects.select_related("owner").filter(prefix=prefix).order_by()[:1])
    return key_entry_put(found[0], read_in=read_in).key if found else None


def key_destinations(key: ApiKey) -> dict[str, Destination]:
    """The destinations a key may use, by slug; kept with the key when it came from the
    cache (their field specs frozen), read afresh otherwise."""
    entry = key_entry_for(key)
    if entry is not None and entry.destinations is not None:
        return entry.destinations
    read_in = generation()
    rows = key.destinations.select_related("connection", "campaign").order_by()  # a dict
    found = {d.slug: d for d in rows}
    if entry is not None:
        for destination in found.values():
            destination.field_specs_freeze()
        if read_in == generation():
            entry.destinations = found
    return found


def key_checker(key: ApiKey, destinations: Sequence[Destination]) -> LeadChecker:
    """The lead entry form and cleaner of ``destinations`` (the key's, from
    ``key_destinations``), kept with the key for this thread when it came from the cache."""
    entry = key_entry_for(key)
    if entry is None or any(
        entry.destinations is None or entry.destinations.get(d.slug) is not d for d in destinations
    ):
        return lead_checker(destinations)
    name = (threading.get_ident(), tuple(d.slug for d in destinations))
    checker = entry.checkers.get(name)
    if checker is None:
        if len(entry.checkers) >= CHECKERS_KEPT:  # many combinations named: start again
            entry.checkers.clear()
        checker = entry.checkers[name] = lead_checker(destinations)
    return checker
