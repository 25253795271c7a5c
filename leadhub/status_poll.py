"""The lead page's status poll, answered "nothing changed" in one query.

An open lead page with work pending asks ``/admin/leadhub/lead/<id>/status/`` every 2 s.
Most answers are "nothing changed" (a 304). Through the whole stack that costs the session,
the user, the user's permissions (two queries) and the panel's version: five queries and
the session, auth, messages and audit middleware. ``StatusPollMiddleware`` answers it before
them, in one query that reads everything at once: the session still there and unexpired,
the user active staff with the view permission who may see this lead (``leadhub.selectors``'
rule) and the panel's version.

What makes that safe is the ETag the full answer gives (``lead_page.poll_etag``): the
panel's version, the user's id and an HMAC (the secret key) over them, the session's key
and the user's password hash. A 304 is answered only when the one query finds the version
unchanged, the session alive, and the same user with the same password and the rights to
see the lead. A logout deletes the session, a login gets a new key, a password change
makes a new signature: each falls through to the full view, which answers as it always
has. Anything else (no cookie, another session engine, an ETag not ours, a lead that
changed) falls through too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.crypto import constant_time_compare
from django.utils.http import quote_etag

from leadhub.admin.lead_page import (
    VERSION_FIELDS,
    poll_claim,
    poll_etag,
    version_aggregates,
    version_of,
)
from leadhub.models import Lead
from leadhub.selectors import USER_ACCESS_FIELDS, lead_readable, user_access_columns

# Only the database engine keeps a session where one query can read it.
DB_SESSIONS = "django.contrib.sessions.backends.db"


def poll_unchanged(lead_id: int, session_key: str, header: str) -> str | None:
    """The ETag to answer 304 with, if ``header`` still holds for this session; else None."""
    claim = poll_claim(header)
    if claim is None:
        return None
    user_id, etag = claim
    now = timezone.now()
    alive = Session.objects.filter(session_key=session_key, expire_date__gt=now)
    row = (
        Lead.objects.filter(pk=lead_id)
        .annotate(
            **version_aggregates(), **user_access_columns(user_id), session_alive=Exists(alive)
        )
        .values_list("owner_id", "session_alive", *USER_ACCESS_FIELDS, *VERSION_FIELDS)
        .first()
    )
    if row is None:
        return None
    owner_id, session_alive = row[0], row[1]
    access = row[2 : 2 + len(USER_ACCESS_FIELDS)]
    if not session_alive or not lead_readable(user_id, owner_id, access):
        return None
    version = version_of(lead_id, row[2 + len(USER_ACCESS_FIELDS) :], now=now)
    password = access[0]
    current = poll_etag(version, user_id, password, session_key)
    return quote_etag(current) if constant_time_compare(etag, current) else None


@lru_cache(maxsize=8)
def _poll_path(script_prefix: str) -> re.Pattern[str]:
    example = reverse("admin:leadhub_lead_status", args=["1"])
    before, _, after = example.rpartition("/1/")
    return re.compile(rf"^{re.escape(before)}/(\d+)/{re.escape(after)}$")


class StatusPollMiddleware:
    """Answers an unchanged status poll with a 304 before sessions and auth are read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("If-None-Match")
        if header and request.method == "GET" and settings.SESSION_ENGINE == DB_SESSIONS:
            matched = _poll_path(get_script_prefix()).match(request.path)
            session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            if matched and session_key:
                etag = poll_unchanged(int(matched[1]), session_key, header)
                if etag is not None:
                    return _not_modified(etag)
        return self.get_response(request)


def _not_modified(etag: str) -> HttpResponse:
    """The 304 the full view gives: its ETag, never cached, varying on the cookie."""
    response = HttpResponseNotModified(headers={"ETag": etag})
    add_never_cache_headers(response)
    patch_vary_headers(response, ("Cookie",))
    return response
