"""API keys, their owners and their destinations, remembered per process for a few seconds.

Every API request needs its key (with the owner) and, to send, the key's destinations with
their connections, campaigns and field specs: three reads and the specs worked out again,
on every lead. A process keeps them for at most ``API_KEY_CACHE_SECONDS`` (default 5) after
reading them, and forgets everything at once whenever a key, its destinations, a
destination, a connection, a campaign, a route or a user is saved or deleted in this
process. So in the process that made the change a revocation, a scope change or a switched
off destination bites at the next request; in every other process within
``API_KEY_CACHE_SECONDS``. An expiry is compared with the clock on every request, and the
token's hash on every request too: only the database read is spared.

The objects kept are shared by the threads of a process and only ever read: nothing that
takes them from here may change them (a destination's specs are frozen,
``Destination.field_specs_freeze``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from leadhub.api.intake import LeadChecker
from leadhub.api.models import ApiKey
from leadhub.routing.models import Route
from vendors.models import Campaign, Connection, Destination


@dataclass
class KeyEntry:
    """A key as read, its destinations by slug once a request needed them."""

    key: ApiKey
    read_at: float
    destinations: dict[str, Destination] | None = None
    # The lead checks of these destinations, by (thread, destinations' slugs): a cleaner
    # holds the row it cleans, so each thread has its own.
    checkers: dict[tuple[int, tuple[str, ...]], LeadChecker] = field(default_factory=dict)


_entries: dict[str, KeyEntry] = {}
_lock = threading.Lock()
# Bumped by every forget: an entry read before a change is not stored after it.
_generation = 0


def _lifetime() -> float:
    return float(settings.API_KEY_CACHE_SECONDS)


def key_entry_get(prefix: str) -> KeyEntry | None:
    """The entry of the key with this prefix, if read within the lifetime."""
    entry = _entries.get(prefix)
    if entry is None or time.monotonic() - entry.read_at > _lifetime():
        return None
    return entry


def key_entry_for(key: ApiKey) -> KeyEntry | None:
    """The entry holding this very key object (not a copy read elsewhere), if still fresh."""
    entry = key_entry_get(key.prefix)
    return entry if entry is not None and entry.key is key else None


def generation() -> int:
    return _generation


def key_entry_put(key: ApiKey, *, read_in: int) -> KeyEntry:
    """Keep ``key`` (read while the generation was ``read_in``); the entry either way."""
    entry = KeyEntry(key=key, read_at=time.monotonic())
    if _lifetime() > 0:
        with _lock:
            if read_in == _generation:
                _entries[key.prefix] = entry
    return entry


def keys_forget(**_: Any) -> None:
    """Forget every key and destination this process remembers."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _change_seen(*, using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    """Forget at once, and again when the change commits: a request in another thread
    that read the old row between the two would otherwise keep it for the whole bound."""
    keys_forget()
    transaction.on_commit(keys_forget, using=using)


_WATCHED: tuple[type[Any], ...] = (ApiKey, Destination, Connection, Campaign, Route)


def key_cache_connect() -> None:
    """Forget the cache on every change to what it holds (AppConfig.ready)."""
    for model in (*_WATCHED, get_user_model()):
        post_save.connect(_change_seen, sender=model, dispatch_uid=f"api-keys-{model.__name__}")
        post_delete.connect(
            _change_seen, sender=model, dispatch_uid=f"api-keys-del-{model.__name__}"
        )
    m2m_changed.connect(
        _change_seen, sender=ApiKey.destinations.through, dispatch_uid="api-keys-scope"
    )
