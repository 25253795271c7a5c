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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Exists, QuerySet
from django.db.models.functions import Now
from django.db.models.sql.compiler import SQLCompiler
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


# Stand-ins the query is compiled around once per process, replaced by each poll's values:
# ids no row has, yet inside a 32-bit key's range (Django turns a lookup outside it into an
# empty result without SQL).
LEAD_MARK, USER_MARK, SESSION_MARK = -2_000_000_011, -2_000_000_013, "\x00leadhub-poll\x00"


def poll_rows(lead_id: int, user_id: int, session_key: str) -> QuerySet[Lead]:
    """The one query, for a live session only: the lead's owner, the user's access
    (``USER_ACCESS_FIELDS``) and the panel's version (``VERSION_FIELDS``)."""
    alive = Session.objects.filter(session_key=session_key, expire_date__gt=Now())
    # A dead session finds no row, so a caller who is not logged in costs no aggregation.
    return (
        Lead.objects.filter(Exists(alive), pk=lead_id)
        .annotate(**version_aggregates(), **user_access_columns(user_id))
        .values_list("owner_id", *USER_ACCESS_FIELDS, *VERSION_FIELDS)
    )


@dataclass(frozen=True)
class CompiledPoll:
    """``poll_rows`` as SQL, compiled once: building and compiling its subqueries cost the
    ORM several times what running it does."""

    sql: str
    params: tuple[Any, ...]
    compiler: SQLCompiler
    names: tuple[str, ...]  # the columns in the order the database returns them

    def row(self, lead_id: int, user_id: int, session_key: str) -> dict[str, Any] | None:
        marks = {LEAD_MARK: lead_id, USER_MARK: user_id, SESSION_MARK: session_key}
        params: list[Any] = [
            marks.get(p, p) if isinstance(p, int | str) else p for p in self.params
        ]
        with connections[self.compiler.using or DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return None
        compiler = self.compiler
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        return dict(zip(self.names, rows[0], strict=True))


@lru_cache(maxsize=4)
def compiled_poll(alias: str) -> CompiledPoll:
    query = poll_rows(LEAD_MARK, USER_MARK, SESSION_MARK).query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    # Each selected column by its alias: the values_list() names, in the SELECT's order.
    names = tuple(str(alias) for _, _, alias in compiler.select[0 : compiler.col_count])
    return CompiledPoll(sql, tuple(params), compiler, names)


def poll_unchanged(lead_id: int, session_key: str, header: str) -> str | None:
    """The ETag to answer 304 with, if ``header`` still holds for this session; else None."""
    claim = poll_claim(header)
    if claim is None:
        return None
    user_id, etag = claim
    now = timezone.now()
    row = compiled_poll(router.db_for_read(Lead)).row(lead_id, user_id, session_key)
    if row is None:
        return None
    access = [row[name] for name in USER_ACCESS_FIELDS]
    if not lead_readable(user_id, row["owner_id"], access):
        return None
    version = version_of(lead_id, [row[name] for name in VERSION_FIELDS], now=now)
    current = poll_etag(version, user_id, row["staff_password"], session_key)
    return quote_etag(current) if constant_time_compare(etag, current) else None


@lru_cache(maxsize=8)
def _poll_path(script_prefix: str) -> re.Pattern[str]:
    example = reverse("admin:leadhub_lead_status", args=["1"])
    before, _, after = example.rpartition("/1/")
    # ASCII digits, few enough for any primary key column: a longer id is left to Django.
    return re.compile(rf"^{re.escape(before)}/([0-9]{{1,18}})/{re.escape(after)}$")


class StatusPollMiddleware:
    """Answers an unchanged status poll with a 304 before sessions and auth are read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("If-None-Match")
        if header and request.method == "GET" and settings.SESSION_ENGINE == DB_SESSIONS:
            matched = _poll_path(get_script_prefix()).match(request.path)
            session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            # Django's keys are letters and digits; anything else is left to Django.
            if (
                matched
                and session_key
                and len(session_key) <= 64
                and session_key.isascii()
                and session_key.isalnum()
            ):
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
