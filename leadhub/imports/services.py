"""Bulk import: accept a file, remember the mapping, preview, and import in chunks.

A row is imported whole or not at all: its lead and one submission per destination are
written in the chunk's transaction, and a row the database refuses is retried alone in its
own savepoint. Progress is committed with each chunk, so an import that is stopped resumes
where it was and never imports a row twice. A routed import commits a row at a time (its
routing locks the route's caps until it commits), its progress moving with each row.
"""

from __future__ import annotations

import itertools
import json
import logging
import operator
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django_q.tasks import async_task

from leadhub.csvfiles import CsvFileError, inspect, numbered_rows, reader
from leadhub.delivery.outbox import submissions_enqueue_batches
from leadhub.imports.models import ImportJob, ImportMapping, ImportRowError
from leadhub.imports.rows import RowChecker, Target, destinations_for_import, guess_mapping
from leadhub.imports.saving import ReadyRow, row_error, rows_route, rows_save
from leadhub.imports.writer import ChunkWriter, overlap_possible
from leadhub.privacy.duplicates import duplicate_reasons_by_keys
from leadhub.routing.models import Route
from leadhub.services.leads import LEAD_FIELDS, lead_fields
from vendors.models import Destination

logger = logging.getLogger(__name__)

RUN_TASK = "leadhub.imports.tasks.run_import"
PREVIEW_ROWS = 50
S = ImportJob.Status


def import_job_create(
    *,
    upload: UploadedFile,
    destinations: Sequence[Destination],
    user: Any,
    route: Route | None = None,
) -> ImportJob:
    """Check the uploaded file is a readable CSV table and keep it; raises CsvFileError.
    With a ``route`` (and no destinations), each row is routed by it."""
    limit = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise CsvFileError(
            f"The file is {filesizeformat(upload.size)}; at most {filesizeformat(limit)} "
            "can be imported at once. Split it into smaller files."
        )
    data = b"".join(upload.chunks())
    layout = inspect(data)
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=user,
            file_name=(upload.name or "upload.csv")[:255],
            source=data,
            size=len(data),
            encoding=layout.encoding,
            delimiter=layout.delimiter,
            headers=layout.headers,
            total_rows=layout.rows,
            route=route,
        )
        job.destinations.set(destinations)
    return job


def job_destinations(job: ImportJob) -> list[Destination]:
    return destinations_for_import(list(job.destinations.values_list("pk", flat=True)))


def mapping_initial(job: ImportJob, all_targets: Sequence[Target]) -> dict[str, str]:
    """The job's own mapping, else the last one used for its destinations, else a guess."""
    headers = set(job.headers)
    if job.mapping:
        return {k: h for k, h in job.mapping.items() if h in headers}
    mapping = guess_mapping(job.headers, all_targets)
    keys = {t.key for t in all_targets}
    remembered = ImportMapping.objects.filter(destination__in=job.destinations.all())
    for stored in remembered.order_by("updated_at"):
        prefix = f"d{stored.destination_id}__"
        mapping.update(stored.contact)
        mapping.update({f"{prefix}{name}": header for name, header in stored.fields.items()})
    return {k: h for k, h in mapping.items() if k in keys and h in headers}


def import_mapping_save(*, job: ImportJob, mapping: Mapping[str, str], user: Any) -> None:
    """Keep the mapping on the job and, per destination, for the next import."""
    chosen = {key: header for key, header in mapping.items() if header}
    contact = {k: h for k, h in chosen.items() if "__" not in k}
    with transaction.atomic():
        job.mapping = chosen
        job.save(update_fields=["mapping"])
        for destination in job.destinations.all():
            prefix = f"d{destination.pk}__"
            fields = {k.removeprefix(prefix): h for k, h in chosen.items() if k.startswith(prefix)}
            ImportMapping.objects.update_or_create(
                destination=destination,
                defaults={"contact": contact, "fields": fields, "updated_by": user},
            )


@dataclass(frozen=True)
class PreviewRow:
    line: int
    cells: list[str]  # in the order of the mapped targets
    errors: list[str]


def import_preview(
    job: ImportJob, limit: int = PREVIEW_ROWS
) -> tuple[list[Target], list[PreviewRow]]:
    """The mapped targets and the first rows, each checked exactly as the import will."""
    checker = RowChecker(job_destinations(job), job.headers, job.mapping)
    shown = [t for t in checker.targets.values() if t.key in job.mapping]
    position = {h: i for i, h in enumerate(job.headers)}
    rows = reader(_source(job), job.encoding, job.delimiter)
    next(rows)
    preview = []
    for line, cells in itertools.islice(numbered_rows(rows), limit):
        _, problems = checker.check(cells)
        values = [_cell(cells, position[job.mapping[t.key]]) for t in shown]
        preview.append(PreviewRow(line=line, cells=values, errors=problems))
    return shown, preview


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def import_job_start(*, job: ImportJob, send_duplicates: bool = False) -> bool:
    """Queue the import; False if it was already started."""
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=S.MAPPING).update(
            status=S.QUEUED, send_duplicates=send_duplicates
        )
        if updated:
            transaction.on_commit(lambda: async_task(RUN_TASK, job.pk, group="import"))
    return bool(updated)


def _source(job: ImportJob) -> bytes:
    return bytes(ImportJob.objects.values_list("source", flat=True).get(pk=job.pk))


def import_time_budget() -> float:
    """Seconds one task spends importing before it hands on to a fresh one, well inside the
    worker's timeout so a big file is never cut off half way through a chunk."""
    return max(5.0, settings.Q_TIMEOUT / 2)


def import_job_run(*, job_id: int, time_budget: float | None = None) -> str:
    """Import the next chunks of a queued or running job; return its status.

    With a time budget, what is left when it runs out is handed to a new task.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("source").filter(pk=job_id).first()
        if job is None or job.status not in (S.QUEUED, S.RUNNING):
            return job.status if job else "missing"
        if job.status == S.QUEUED:
            job.status = S.RUNNING
            job.started_at = timezone.now()
            job.save(update_fields=["status", "started_at"])
    try:
        finished = _import_rows(job, time_budget)
    except Exception as err:
        logger.exception("import %s stopped", job_id)
        _finish(job, S.FAILED, f"The import stopped: {err}. Rows before it are imported.")
        return S.FAILED
    if finished:
        _finish(job, S.DONE, "")
        return S.DONE
    if time_budget is not None:
        async_task(RUN_TASK, job_id, group="import")
    return S.RUNNING


def _finish(job: ImportJob, status: str, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, message=message, finished_at=timezone.now(), source=b""
    )


def _import_rows(job: ImportJob, time_budget: float | None) -> bool:
    """Import chunk after chunk from where the job stands; True once the file is done."""
    deadline = None if time_budget is None else time.monotonic() + time_budget
    destinations = job_destinations(job)
    unusable = [d for d in destinations if not (d.is_active and d.connection.is_active)]
    if unusable or len(destinations) != job.destinations.count():
        names = ", ".join(str(d) for d in unusable) or "a destination was deleted"
        raise CsvFileError(f"not every destination can take leads now ({names})")
    if job.route_id is not None and not Route.objects.filter(pk=job.route_id, is_active=True):
        raise CsvFileError("its route is switched off")
    checker = RowChecker(destinations, job.headers, job.mapping)
    rows = reader(_source(job), job.encoding, job.delimiter)
    next(rows)
    numbered = numbered_rows(rows)
    offset = job.processed_rows
    for _ in itertools.islice(numbered, offset):
        pass  # already imported by an earlier task
    chunk_size = max(1, settings.IMPORT_CHUNK_ROWS)
    # A plain import commits a chunk while the next is checked; a routed one row by row.
    writer = ChunkWriter(threaded=job.route_id is None and overlap_possible())
    try:
        written = 0
        while True:
            chunk = _check_chunk(job, checker, destinations, numbered, chunk_size)
            if not writer.wait():
                return False  # another task has this job
            offset += written
            if written and deadline is not None and time.monotonic() > deadline:
                return False  # the chunk just checked is the next task's to import
            if not chunk.rows:
                return True
            if not job.send_duplicates and chunk.valid:
                _leave_out_duplicates(job, destinations, chunk)
            writer.submit(_import_chunk, job, destinations, chunk, offset)
            written = chunk.rows
    finally:
        writer.close()


@dataclass
class _Chunk:
    rows: int = 0
    valid: list[ReadyRow] = field(default_factory=list)
    failed: list[ImportRowError] = field(default_factory=list)


_lead_columns = operator.itemgetter(*LEAD_FIELDS)
# A lead's (email_normalised, phone_e164): contact_keys() of its contact, as stored.
_duplicate_keys = operator.itemgetter(
    LEAD_FIELDS.index("email_normalised"), LEAD_FIELDS.index("phone_e164")
)


def _check_chunk(
    job: ImportJob,
    checker: RowChecker,
    destinations: Sequence[Destination],
    numbered: Iterator[tuple[int, list[str]]],
    size: int,
) -> _Chunk:
    """The next ``size`` rows of the file, each checked and made ready to store: a column at
    a time, and a row the columns do not accept through the form, which says why. The
    duplicate guard is asked later, once the chunk before has been committed."""
    chunk = _Chunk()
    rows = list(itertools.islice(numbered, size))
    chunk.rows = len(rows)
    accepted = checker.check_rows([cells for _, cells in rows])
    for (line, cells), ready in zip(rows, accepted, strict=True):
        if ready is not None:
            chunk.valid.append(ReadyRow(line, tuple(cells), *ready))
            continue
        lead, problems = checker.check(cells)
        if lead is None:
            chunk.failed.append(row_error(job, line, cells, problems))
            continue
        try:
            payloads = tuple(json.dumps(lead.payloads[d.pk]) for d in destinations)
        except (ValueError, TypeError, KeyError) as err:
            chunk.failed.append(row_error(job, line, cells, [f"Row: {err}"]))
            continue
        lead_columns = _lead_columns(lead_fields(lead.contact))
        chunk.valid.append(ReadyRow(line, tuple(cells), lead_columns, payloads))
    return chunk


def _leave_out_duplicates(
    job: ImportJob, destinations: Sequence[Destination], chunk: _Chunk
) -> None:
    """Rows whose person went to a destination lately: left out, saying why (one query on
    the keys each row already has for its lead's columns)."""
    keys = [_duplicate_keys(row.lead) for row in chunk.valid]
    reasons = duplicate_reasons_by_keys(keys, destinations)
    kept = []
    for row, reason in zip(chunk.valid, reasons, strict=True):
        if reason:
            chunk.failed.append(row_error(job, row.line, row.cells, [reason]))
        else:
            kept.append(row)
    chunk.valid = kept


def _import_chunk(
    job: ImportJob, destinations: Sequence[Destination], chunk: _Chunk, offset: int
) -> bool:
    if job.route_id is not None:
        return _route_chunk(job, chunk, offset)
    return _commit_rows(job, destinations, offset, chunk.rows, chunk.valid, chunk.failed)


def _route_chunk(job: ImportJob, chunk: _Chunk, offset: int) -> bool:
    """Routed rows commit one at a time, each with the left-out rows before it: routing a
    row locks its cap counters and its step until its transaction ends, so a whole chunk in
    one transaction would keep every API, form and staff lead on the route waiting (and two
    routed imports could deadlock). Progress moves with each commit, in file order, so a
    task that stops resumes after the last committed row and routes none twice."""
    entries: list[ReadyRow | ImportRowError] = sorted(
        [*chunk.valid, *chunk.failed], key=operator.attrgetter("line")
    )
    start = 0
    for end, entry in enumerate(entries, 1):
        if isinstance(entry, ReadyRow) or end == len(entries):
            part = entries[start:end]
            valid = [e for e in part if isinstance(e, ReadyRow)]
            failed = [e for e in part if isinstance(e, ImportRowError)]
            if not _commit_rows(job, [], offset, len(part), valid, failed):
                return False
            offset, start = offset + len(part), end
    return True


def _commit_rows(
    job: ImportJob,
    destinations: Sequence[Destination],
    offset: int,
    rows: int,
    valid: Sequence[ReadyRow],
    failed: list[ImportRowError],
) -> bool:
    """Save (or route) the next ``rows`` rows of the file, ``valid`` and ``failed`` between
    them, with the job's progress, in one transaction; False if another task has the job."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().only("status", "processed_rows")
        current = locked.get(pk=job.pk)
        if current.status != S.RUNNING or current.processed_rows != offset:
            return False
        if job.route_id is not None:
            submission_ids = rows_route(job, valid, failed)
        else:
            submission_ids = rows_save(job, destinations, valid, failed)
        ImportRowError.objects.bulk_create(failed)
        imported = rows - len(failed)  # every row is either imported or failed
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + rows,
            imported_rows=F("imported_rows") + imported,
            failed_rows=F("failed_rows") + len(failed),
        )
        # Each submission was stamped enqueued when it was built.
        submissions_enqueue_batches(submission_ids=submission_ids, stamped=True)
    return True
