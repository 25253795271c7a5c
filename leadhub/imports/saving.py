"""An import chunk's checked rows saved: each lead with its source and its submissions.

All at once first (COPY on PostgreSQL, bulk_create elsewhere); a chunk the database refuses
is saved again one row at a time, each in its own savepoint.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import DatabaseError, transaction

from leadhub.attribution.services import (
    SourceDetails,
    import_source,
    lead_source_record,
    lead_sources_insert,
)
from leadhub.bulk_insert import copy_supported, primary_keys_reserve, rows_copy
from leadhub.csvfiles import MAX_COLUMNS
from leadhub.delivery.outbox import submission_build
from leadhub.imports.models import ImportJob, ImportRowError
from leadhub.models import Lead, Submission
from leadhub.routing.intake import lead_create_and_route
from leadhub.services.leads import LEAD_FIELDS
from vendors.models import Destination

logger = logging.getLogger(__name__)


class ReadyRow(NamedTuple):
    """A checked row as it is stored: text only, so a chunk held in memory gives the
    garbage collector nothing to scan (a tuple of strings is not tracked)."""

    line: int
    cells: tuple[str, ...]
    lead: tuple[str | None, ...]  # the lead's columns, in LEAD_FIELDS order
    payloads: tuple[str, ...]  # JSON, one per destination, in the job's order


def row_error(
    job: ImportJob, line: int, cells: Sequence[str], problems: Iterable[str]
) -> ImportRowError:
    return ImportRowError(
        job_id=job.pk, line=line, values=list(cells[:MAX_COLUMNS]), errors="; ".join(problems)
    )


def rows_save(
    job: ImportJob,
    destinations: Sequence[Destination],
    rows: Sequence[ReadyRow],
    failed: list[ImportRowError],
) -> list[int]:
    """Insert the chunk's leads and submissions; return the new submissions' keys.

    All at once first (COPY on PostgreSQL); if the database refuses any row, one row at a
    time in its own savepoint, so the refused row is left out whole and its neighbours go in.
    """
    try:
        with transaction.atomic():
            if copy_supported():
                return _copy(job, destinations, rows)
            return _bulk_create(job, destinations, rows)
    except DatabaseError:
        logger.warning("import %s: a chunk was refused; retrying its rows one by one", job.pk)
    ids: list[int] = []
    for row in rows:
        lead, submissions = _build(job, destinations, row)
        try:
            with transaction.atomic():
                lead.save()
                lead_source_record(lead=lead, source=_origin(job))
                for submission in submissions:
                    submission.lead = lead
                    submission.save()
        except DatabaseError as err:
            failed.append(row_error(job, row.line, row.cells, [f"Row: not saved ({err})"]))
            continue
        ids.extend(s.pk for s in submissions)
    return ids


def rows_route(job: ImportJob, rows: Sequence[ReadyRow], failed: list[ImportRowError]) -> list[int]:
    """An import with a route and no destinations: each row saved and routed as an API lead
    is (its decision and timeline kept; held when no destination can take it), each in its
    own savepoint. Its submissions are queued by routing itself, so none are returned."""
    route = job.route
    if route is None:
        return []
    for row in rows:
        try:
            with transaction.atomic():
                lead_create_and_route(
                    contact=dict(zip(LEAD_FIELDS, row.lead, strict=True)),
                    route=route,
                    source=_origin(job),
                    owner=job.created_by,
                    allow_duplicate=job.send_duplicates,
                )
        except DatabaseError as err:
            failed.append(row_error(job, row.line, row.cells, [f"Row: not saved ({err})"]))
    return []


def _origin(job: ImportJob) -> SourceDetails:
    return import_source(import_job_id=job.pk, user_id=job.created_by_id)


def _build(
    job: ImportJob, destinations: Sequence[Destination], row: ReadyRow
) -> tuple[Lead, list[Submission]]:
    lead = Lead(**dict(zip(LEAD_FIELDS, row.lead, strict=True)), owner_id=job.created_by_id)
    submissions = [
        submission_build(
            lead=lead,
            destination=destination,
            payload=json.loads(payload),  # as the database gives it back
            created_by=job.created_by,
        )
        for destination, payload in zip(destinations, row.payloads, strict=True)
    ]
    return lead, submissions


def _bulk_create(
    job: ImportJob, destinations: Sequence[Destination], rows: Sequence[ReadyRow]
) -> list[int]:
    built = [_build(job, destinations, row) for row in rows]
    Lead.objects.bulk_create([lead for lead, _ in built])
    lead_sources_insert(lead_ids=[lead.pk for lead, _ in built], source=_origin(job))
    submissions = [s for _, subs in built for s in subs]
    for submission in submissions:
        submission.lead_id = submission.lead.pk
    Submission.objects.bulk_create(submissions)
    return [s.pk for s in submissions]


def _copy(
    job: ImportJob, destinations: Sequence[Destination], rows: Sequence[ReadyRow]
) -> list[int]:
    """COPY the leads, then their submissions, with keys taken from the sequences first;
    the keys are returned row by row, destination by destination, as _bulk_create does."""
    lead_ids = primary_keys_reserve(Lead, len(rows))
    width = len(destinations)
    submission_ids = primary_keys_reserve(Submission, len(rows) * width)
    rows_copy(
        Lead(owner_id=job.created_by_id),
        ("id", *LEAD_FIELDS),
        ((pk, *row.lead) for pk, row in zip(lead_ids, rows, strict=True)),
    )
    lead_sources_insert(lead_ids=lead_ids, source=_origin(job))
    for d, destination in enumerate(destinations):
        template = submission_build(
            lead=None, destination=destination, payload={}, created_by=job.created_by
        )
        rows_copy(
            template,
            ("id", "lead_id", "payload"),
            (
                (submission_ids[i * width + d], lead_id, row.payloads[d])
                for i, (lead_id, row) in enumerate(zip(lead_ids, rows, strict=True))
            ),
        )
    return submission_ids
