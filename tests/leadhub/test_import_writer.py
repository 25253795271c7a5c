"""An import's chunks committed on the writer thread (PostgreSQL, outside a transaction):
in file order, each with its progress, a person twice in the file left out once, and a
failed commit stopping the import with the chunks before it kept. On SQLite the same
tests run with the commits in place."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection

from leadhub.imports import saving, services
from leadhub.imports.models import ImportJob, ImportRowError
from leadhub.imports.services import import_job_run
from leadhub.imports.writer import ChunkWriter
from leadhub.models import Lead, Submission
from tests.leadhub.test_imports import HEADER, make_job, person
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    messages: list[tuple] = []
    monkeypatch.setattr(
        "leadhub.delivery.outbox.async_task", lambda *args, **kw: messages.append(args)
    )
    return messages


@pytest.fixture
def commit_threads(monkeypatch) -> list[int]:
    threads: list[int] = []
    commit = services._import_chunk

    def recorded(*args, **kwargs) -> bool:
        threads.append(threading.get_ident())
        return commit(*args, **kwargs)

    monkeypatch.setattr(services, "_import_chunk", recorded)
    return threads


def test_chunks_commit_in_order_and_a_person_in_two_chunks_is_imported_once(
    campaign_destination: Destination, settings, queued, commit_threads
) -> None:
    settings.IMPORT_CHUNK_ROWS = 10
    rows = [person(n) for n in range(35)]
    rows.insert(25, person(3))  # the same person again, two chunks later
    job = make_job(campaign_destination, [HEADER, *rows])
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.processed_rows, job.imported_rows, job.failed_rows) == (36, 35, 1)
    assert Lead.objects.count() == Submission.objects.count() == 35
    assert ImportRowError.objects.get().line == 27
    assert "Duplicate" in ImportRowError.objects.get().errors
    assert sum(len(args[1]) for args in queued) == 35
    threaded = connection.vendor == "postgresql"
    main = threading.get_ident()
    assert len(commit_threads) == 4
    assert all((ident != main) is threaded for ident in commit_threads)


def test_a_failed_commit_stops_the_import_and_keeps_the_chunks_before_it(
    campaign_destination: Destination, settings, monkeypatch, queued
) -> None:
    settings.IMPORT_CHUNK_ROWS = 10
    job = make_job(campaign_destination, [HEADER, *(person(n) for n in range(30))])
    save = saving.rows_save
    calls: list[int] = []

    def failing(*args, **kwargs) -> list[int]:
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("the disk is full")
        return save(*args, **kwargs)

    monkeypatch.setattr(services, "rows_save", failing)
    assert import_job_run(job_id=job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert (job.processed_rows, job.imported_rows) == (10, 10)
    assert "the disk is full" in job.message
    assert Lead.objects.count() == 10


def test_the_writer_runs_in_place_when_not_threaded() -> None:
    writer = ChunkWriter(threaded=False)
    assert writer.wait() is True
    writer.submit(lambda value: value, False)
    assert writer.wait() is False
    writer.close()
