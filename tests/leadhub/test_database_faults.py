"""Faults of the database answered in plain words: a SQLite database locked by another
connection, a PostgreSQL connection killed under the request. Nothing is half saved, nothing
typed is lost, no stack trace is shown (DEBUG or not)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.contrib.admin.models import LogEntry
from django.core.checks import Error
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from leadhub.checks import sqlite_busy_timeout_check
from leadhub.delivery import outbox
from leadhub.models import Lead, Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import SubmissionFactory
from tests.leadhub.conftest import LeadEntry
from vendors.models import Destination

BUSY = "LeadHub is busy; nothing was saved. Your entries are kept below — try again."

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite lock")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="kills a PostgreSQL backend (set DATABASE_URL=postgres://...)",
)


class HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden":
            self.fields.append((found.get("name") or "", found.get("value") or ""))


def hidden_inputs(page: str) -> list[tuple[str, str]]:
    parser = HiddenInputs()
    parser.feed(page)
    return [(name, value) for name, value in parser.fields if name != "csrfmiddlewaretoken"]


def as_post(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


# --- SQLite: a lock held by another connection ------------------------------------------------


@contextmanager
def sqlite_file_database(path: Path, *, busy_timeout: float) -> Iterator[Path]:
    """This thread's default database, copied to a file so another connection can lock it
    (the test database lives in memory); the original comes back afterwards."""
    original = connections["default"]
    original.ensure_connection()
    with closing(sqlite3.connect(path)) as target:
        original.connection.backup(target)
    options = {**original.settings_dict["OPTIONS"], "timeout": busy_timeout}
    on_file = original.__class__(
        {**original.settings_dict, "NAME": str(path), "OPTIONS": options}, alias="default"
    )
    connections["default"] = on_file
    try:
        on_file.ensure_connection()  # WAL, as LeadHub opens it
        yield path
    finally:
        on_file.close()
        connections["default"] = original


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process's write lock on the database, as a long migration or a stuck
    worker holds it."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@on_sqlite
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.django_db(transaction=True)
def test_a_locked_database_answers_busy_saves_nothing_and_keeps_the_entries(
    settings,
    tmp_path: Path,
    debug: bool,
    lead_entry: LeadEntry,
    leadbyte_destination: Destination,
    leadbyte_form: dict[str, str],
) -> None:
    settings.DEBUG = debug
    busy_timeout = 0.5
    with sqlite_file_database(tmp_path / "leadhub.sqlite3", busy_timeout=busy_timeout) as path:
        with locked(path):
            started = time.monotonic()
            response = lead_entry.post(leadbyte_destination, leadbyte_form)
            elapsed = time.monotonic() - started
        page = response.content.decode()
        assert response.status_code == 503
        assert BUSY in page
        assert "Traceback" not in page and "OperationalError" not in page
        assert response["Cache-Control"] == "no-store"
        assert elapsed < busy_timeout + 2.0  # the busy timeout, not 20 s
        assert not Lead.objects.exists() and not Submission.objects.exists()
        assert not LogEntry.objects.exists()
        carried = hidden_inputs(page)
        assert sorted(carried) == sorted([*leadbyte_form.items(), ("confirm", "1")])
        assert "<td>1990-12-31</td>" in page  # shown to the person, not only carried
        # Try again, the lock gone: the same entries, posted back, save the lead once.
        again = lead_entry.client.post(LeadEntry.url(leadbyte_destination), as_post(carried))
        assert again.status_code == 302
        assert Lead.objects.count() == 1 and Submission.objects.count() == 1


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_secret_typed_into_a_form_is_never_written_into_the_busy_page(
    tmp_path: Path, admin_client: Client
) -> None:
    url = f"{reverse('admin:vendors_connection_add')}?kind=leadbyte"
    posted = {
        "name": "Busy LeadByte",
        "base_url": "https://acme.leadbyte.co.uk/",
        "is_active": "on",
        "setting__date_format": "DD/MM/YYYY",
        "credential__api_key": "typed-secret-9f8e7d",
    }
    database = tmp_path / "leadhub.sqlite3"
    with sqlite_file_database(database, busy_timeout=0.2), locked(database):
        response = admin_client.post(url, posted)
    page = response.content.decode()
    assert response.status_code == 503
    assert "typed-secret-9f8e7d" not in page
    assert ("name", "Busy LeadByte") in hidden_inputs(page)
    assert "<code>credential__api_key</code>" in page  # named, to be typed again


# --- PostgreSQL: the request's own connection killed --------------------------------------


@contextmanager
def killed_on(statement: str, *, at: tuple[int, ...] = (1,)) -> Iterator[list[int]]:
    """Kill this thread's database backend from another connection when a query containing
    ``statement`` is about to run for the ``at``-th time (first by default), as a failover
    or an admin would."""
    seen: list[str] = []
    killed: list[int] = []

    def kill(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if statement in sql:
            seen.append(sql)
            if len(seen) in at:
                pid = ctx["connection"].connection.info.backend_pid
                database = connection.settings_dict
                with psycopg.connect(
                    dbname=database["NAME"],
                    user=database["USER"] or None,
                    password=database["PASSWORD"] or None,
                    host=database["HOST"] or None,
                    port=database["PORT"] or None,
                    autocommit=True,
                ) as killer:
                    killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
                killed.append(pid)
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(kill):
        yield killed


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_under_the_confirm_answers_busy_and_loses_nothing(
    lead_entry: LeadEntry, leadbyte_destination: Destination, leadbyte_form: dict[str, str]
) -> None:
    with killed_on('INSERT INTO "leadhub_lead"') as killed:
        response = lead_entry.post(leadbyte_destination, leadbyte_form)
    assert killed
    page = response.content.decode()
    assert response.status_code == 503
    assert BUSY in page and "Traceback" not in page
    assert not Lead.objects.exists() and not Submission.objects.exists()
    again = lead_entry.client.post(
        LeadEntry.url(leadbyte_destination), as_post(hidden_inputs(page))
    )
    assert again.status_code == 302
    assert Lead.objects.count() == 1 and Submission.objects.count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_page_whose_connection_is_killed_is_read_again_once(admin_client: Client) -> None:
    Lead.objects.create(first_name="Grace", last_name="Hopper", email="grace@example.com")
    with killed_on('FROM "leadhub_lead"') as killed:
        response = admin_client.get(reverse("admin:leadhub_lead_changelist"))
    assert len(killed) == 1
    assert response.status_code == 200
    assert "Hopper" in response.content.decode()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_page_that_fails_twice_answers_busy(admin_client: Client) -> None:
    with killed_on('FROM "leadhub_lead"', at=(1, 2)) as killed:
        response = admin_client.get(reverse("admin:leadhub_lead_changelist"))
    assert len(killed) == 2  # read again once, not more
    assert response.status_code == 503
    assert "the page could not be read just now" in response.content.decode()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_busy_page_says_so_when_part_was_saved_before_the_fault(
    monkeypatch: pytest.MonkeyPatch, admin_client: Client
) -> None:
    monkeypatch.setattr(outbox, "async_task", lambda *args, **kwargs: None)  # no pushes
    first, second = SubmissionFactory.create_batch(2, status=SubmissionStatus.REJECTED)
    changelist = reverse("admin:leadhub_submission_changelist")
    chosen = {"action": "resend", "_selected_action": [first.pk, second.pk]}
    # Each row is queued again in its own transaction, which starts by locking the row; the
    # second row's is killed.
    with killed_on("FOR UPDATE", at=(2,)) as killed:
        response = admin_client.post(changelist, chosen)
    assert killed
    page = response.content.decode()
    assert response.status_code == 503
    assert "part of what you asked may already be saved" in page
    assert "nothing was saved" not in page
    statuses = dict(Submission.objects.values_list("pk", "status"))
    assert sorted(statuses.values()) == [SubmissionStatus.QUEUED, SubmissionStatus.REJECTED]


# --- the busy timeout -----------------------------------------------------------------------


def test_the_sqlite_busy_timeout_must_be_shorter_than_the_task_timeout(settings) -> None:
    assert settings.SQLITE_BUSY_TIMEOUT == 5.0
    assert sqlite_busy_timeout_check() == []
    settings.SQLITE_BUSY_TIMEOUT = settings.Q_TIMEOUT
    [error] = sqlite_busy_timeout_check()
    assert isinstance(error, Error) and error.id == "leadhub.E001"
    assert "SQLITE_BUSY_TIMEOUT (90 s) must be shorter than Q_TIMEOUT (90 s)" in error.msg
