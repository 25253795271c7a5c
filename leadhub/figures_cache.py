"""Counts a page may show a few seconds old, kept in the cache for each person.

The dashboard's aggregates (submissions per vendor and day, what needs attention) are the
costly part of the admin's home page and change only as leads are sent; everyone on a
sales desk opens that page again and again. Each person's own figures are kept for
``STAFF_FIGURES_CACHE_SECONDS`` (0 turns it off). Only plain numbers and small records go
into the cache, never a model instance: a connection read from the database carries its
decrypted credentials, which have no place in a cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from leadhub.selectors import sees_everything

T = TypeVar("T")

_MISSING = object()


def figures_key(name: str, user: Any) -> str:
    """The cache key of ``name`` for ``user``. Whether they see everyone's leads is part of
    it: a right taken away shows at once, not when the figures expire."""
    return f"leadhub:figures:{name}:{user.pk}:{int(sees_everything(user))}"


def figures_cached(name: str, user: Any, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for ``user``, worked out at most once every few seconds."""
    seconds = settings.STAFF_FIGURES_CACHE_SECONDS
    pk = getattr(user, "pk", None)
    if seconds <= 0 or pk is None:
        return compute()
    key = figures_key(name, user)
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        cache.set(key, found, seconds)
    return found
