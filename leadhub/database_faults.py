"""Faults of the database, answered in plain words.

A request that meets a locked SQLite database or a PostgreSQL connection that dropped gets
no stack trace and loses nothing typed: a page (GET, HEAD) is read again once on a fresh
connection; a form post is answered by a "busy" page that carries what was typed back as
hidden inputs, with a Try again button to the same address. The page says "nothing was
saved" only when nothing was: every write the request made is watched, and one that
committed before the fault changes the words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import InterfaceError, OperationalError, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from leadhub.security import RedactingExceptionReporterFilter

logger = logging.getLogger(__name__)

DATABASE_FAULTS = (OperationalError, InterfaceError)
SAFE_METHODS = frozenset({"GET", "HEAD"})
# The page's own token, and any field whose name says secret: never written into a page.
NOT_CARRIED = frozenset({"csrfmiddlewaretoken"})
SECRET_NAME = RedactingExceptionReporterFilter.hidden_settings
# Carried back but not listed as entries: buttons and the admin's own controls.
CONTROLS = frozenset({"confirm", "edit", "action", "index", "select_across"})
BUSY_RETRY_AFTER = 5
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|COPY)\b", re.IGNORECASE)
_WATCH = "_leadhub_writes"


class WriteWatch:
    """Whether any write a request made has committed: a write registers an on-commit mark,
    which runs at once in autocommit, at the outermost commit inside a transaction, and
    never when that transaction rolls back."""

    def __init__(self) -> None:
        self.committed = False

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        if not self.committed and _WRITE.match(sql):
            transaction.on_commit(self._mark, using=context["connection"].alias)
        return result

    def _mark(self) -> None:
        self.committed = True


@contextmanager
def watching(watch: WriteWatch) -> Iterator[None]:
    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(watch))
        yield


def connections_reset() -> None:
    """Close every connection outside a transaction, broken or locked out: the next query
    opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class DatabaseFaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        watch = WriteWatch()
        setattr(request, _WATCH, watch)
        with watching(watch):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_FAULTS):
            return None
        watch: WriteWatch = getattr(request, _WATCH, None) or WriteWatch()
        connections_reset()
        if request.method in SAFE_METHODS and not watch.committed:
            logger.warning(
                "database fault on %s %s, read again: %s", request.method, request.path, exception
            )
            try:
                return self._view_again(request)
            except DATABASE_FAULTS as again:
                exception = again
                connections_reset()
        logger.warning(
            "database fault on %s %s, answered busy: %s", request.method, request.path, exception
        )
        return busy_response(request, saved=watch.committed)

    @staticmethod
    def _view_again(request: HttpRequest) -> HttpResponse:
        match = request.resolver_match
        assert match is not None  # process_exception follows a resolved view
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        render = getattr(response, "render", None)
        if callable(render):
            response = render()
        return response


def busy_response(request: HttpRequest, *, saved: bool) -> HttpResponse:
    """The busy page: 503, what was typed carried back (secrets and files excepted)."""
    posted = request.POST if request.method not in SAFE_METHODS else None
    carried: list[tuple[str, str]] = []
    withheld: list[str] = []
    for name, values in posted.lists() if posted is not None else []:
        if name in NOT_CARRIED:
            continue
        if SECRET_NAME.search(name):
            withheld.append(name)
            continue
        carried.extend((name, value) for value in values)
    context = {
        "title": "LeadHub is busy",
        "saved": saved,
        "posted": posted is not None,
        "carried": carried,
        "shown": [(n, v) for n, v in carried if n not in CONTROLS and not n.startswith("_")],
        "withheld": withheld,
        "files": sorted(request.FILES) if posted is not None else [],
        "action": request.get_full_path(),
    }
    body: str
    try:
        body = render_to_string("leadhub/database_busy.html", context, request=request)
    except DATABASE_FAULTS:
        body = PLAIN_BUSY  # the page itself needed the database: say it with no template
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    response["Cache-Control"] = "no-store"  # it holds what was typed
    return response


PLAIN_BUSY = (
    "<!DOCTYPE html><html><head><title>LeadHub is busy</title></head><body>"
    "<h1>LeadHub is busy</h1><p>The database did not answer in time. Go back and try again "
    "in a moment.</p></body></html>"
)
