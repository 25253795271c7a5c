"""Erasing a person's data in place: every value replaced, every row's status and times kept.

The rows stay, so every count (the dashboard's, a destination's) stays true; what made them
a person's goes. An erasure is one transaction over rows locked first: a send cannot start
on a row being erased, and a half-erased row is never committed.

A lead with a submission still pending (queued, sending or waiting to retry) is refused,
not cancelled: a send in flight cannot be called back, and the statuses have no
"withdrawn" one, so moving a waiting row to a final status would tell the dashboard a
vendor answered when none did. Staff try again once delivery has settled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leadhub.attribution.services import lead_sources_anonymise
from leadhub.audit.services import AuditAction, audit_record
from leadhub.delivery.rows import submission_transition
from leadhub.imports.models import ImportJob, ImportRowError
from leadhub.models import Attempt, Lead, Submission
from leadhub.privacy.models import Erasure
from leadhub.privacy.person import (
    PersonQuery,
    person_import_files,
    person_import_rows,
    person_leads,
    person_values,
)
from leadhub.statuses import WAITING, SubmissionStatus
from vendors.redaction import MASK, Redactor

S = SubmissionStatus
ERASED = "[erased]"
ERASED_FIRST_NAME = "Erased"
# The lead's columns an erasure empties, and what each becomes.
LEAD_ERASED: dict[str, Any] = {
    "first_name": ERASED_FIRST_NAME,
    "last_name": "",
    "email": "",
    "email_normalised": "",
    "phone": "",
    "phone_e164": "",
    "company": "",
    "notes": "",
    "extra": {},
    "consent_date": None,
    "consent_url": "",
    "consent_wording": "",
}
BUSY_IMPORTS = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


class ErasureRefused(Exception):
    """Nothing was erased; the message says why and what to do."""


class Scrubber:
    """Every value of the person's, in every form an echo carries, out of free text."""

    def __init__(self, values: Iterable[str]) -> None:
        values = set(values)
        # Long values in every encoded form (the credentials' redactor); short ones as words.
        self._redactor = Redactor(values)
        short = sorted((v for v in values if 2 <= len(v) < 6), key=len, reverse=True)
        self._short = (
            re.compile(r"\b(?:" + "|".join(re.escape(v) for v in short) + r")\b", re.I)
            if short
            else None
        )

    def text(self, value: str) -> str:
        if not value:
            return value
        value = self._redactor.text(value).replace(MASK, ERASED)
        return self._short.sub(ERASED, value) if self._short else value

    def data(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return self.text(value) if isinstance(value, str) else value


def erased_values(value: Any) -> Any:
    """``value`` with its shape and keys kept and every value replaced."""
    if isinstance(value, dict):
        return {k: erased_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [erased_values(v) for v in value]
    return None if value is None else ERASED


def _locked(rows: QuerySet[Any]) -> QuerySet[Any]:
    of = ("self",) if db_connection.features.has_select_for_update_of else ()
    return rows.select_for_update(of=of)


def leads_anonymise(
    leads: Sequence[Lead], scrubber: Scrubber, *, now: Any = None
) -> tuple[int, int]:
    """Erase locked ``leads`` and their submissions and attempts in place (the caller holds
    the transaction and has refused pending submissions). Returns (submissions, attempts)."""
    now = now or timezone.now()
    lead_ids = [lead.pk for lead in leads]
    Lead.objects.filter(pk__in=lead_ids).update(**LEAD_ERASED, erased_at=now, updated_at=now)
    lead_sources_anonymise(lead_ids=lead_ids, scrub=scrubber.text)
    submissions = list(_locked(Submission.objects.filter(lead_id__in=lead_ids)).order_by("pk"))
    for submission in submissions:
        submission.payload = erased_values(submission.payload)
        submission.response_data = {}
        submission.vendor_message = scrubber.text(submission.vendor_message)
        submission.vendor_reference = scrubber.text(submission.vendor_reference)
        submission.field_errors = scrubber.data(submission.field_errors)
        submission.links = scrubber.data(submission.links)
        submission.updated_at = now
    Submission.objects.bulk_update(
        submissions,
        [
            "payload",
            "response_data",
            "vendor_message",
            "vendor_reference",
            "field_errors",
            "links",
            "updated_at",
        ],
        batch_size=500,
    )
    submission_ids = [s.pk for s in submissions]
    attempts = list(Attempt.objects.filter(submission_id__in=submission_ids).order_by("pk"))
    for attempt in attempts:
        attempt.request = _request_outline(attempt.request, scrubber)
        attempt.response_body = ""
        attempt.message = scrubber.text(attempt.message)
    Attempt.objects.bulk_update(attempts, ["request", "response_body", "message"], batch_size=500)
    _history_forget(Lead, lead_ids, "Lead #{pk} (erased)")
    _history_forget(Submission, submission_ids, "Submission #{pk} (erased)")
    return len(submissions), len(attempts)


def _request_outline(request: Any, scrubber: Scrubber) -> dict[str, Any]:
    """What an erased attempt keeps of its request: the method and where it went."""
    if not isinstance(request, dict) or not request:
        return {}
    url = str(request.get("url") or "")
    parts = urlsplit(url)
    outline = urlunsplit(parts._replace(query="", fragment="")) if url else ""
    return {"method": request.get("method", ""), "url": scrubber.text(outline), "erased": True}


def _history_forget(model: type[Any], ids: Sequence[int], label: str) -> None:
    """The admin's change history names a lead by the person's name: rename those entries."""
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(model)
    entries = LogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in ids]
    )
    for entry in entries.only("pk", "object_id"):
        LogEntry.objects.filter(pk=entry.pk).update(object_repr=label.format(pk=entry.object_id))


def pending_refusal(submissions: Iterable[Submission]) -> str:
    """Why these submissions stop an erasure now; empty when none does. A send in flight
    cannot be called back: the erasure waits for its answer. What waits to be sent is
    cancelled by the erasure itself (pending_cancel)."""
    if any(s.status == S.SENDING for s in submissions):
        return "A send is in flight for this person, try again in a minute."
    return ""


def pending_cancel(submissions: Iterable[Submission]) -> int:
    """Cancel the locked submissions still waiting to be sent (queued or waiting to retry):
    their payload is about to be erased, so they must never go. Return how many."""
    cancelled = 0
    for submission in submissions:
        if submission.status in WAITING:
            submission_transition(
                submission,
                S.CANCELLED,
                completed_at=timezone.now(),
                next_attempt_at=None,
                vendor_message="Cancelled: the person's data was erased before it was sent.",
            )
            cancelled += 1
    return cancelled


def person_erase(*, query: PersonQuery, user: Any) -> Erasure:
    """Erase everything held about the person, in one transaction, or nothing at all.

    Raises ErasureRefused when nothing is held, or when a send or an import holding their
    data is under way.
    """
    with transaction.atomic():
        leads = list(_locked(person_leads(query)))
        submissions = list(_locked(Submission.objects.filter(lead__in=[lead.pk for lead in leads])))
        refusal = pending_refusal(submissions)
        if refusal:
            raise ErasureRefused(refusal)
        cancelled = pending_cancel(submissions)
        rows = person_import_rows(query, _locked(ImportRowError.objects.all()))
        found = [job.pk for job in person_import_files(query, ImportJob.objects.all())]
        files = list(_locked(ImportJob.objects.filter(pk__in=found)).only("pk", "status"))
        if any(job.status in BUSY_IMPORTS for job in files):
            raise ErasureRefused(
                "An import with this person in its file is running; try again once it ends."
            )
        if not (leads or rows or files):
            raise ErasureRefused("Nothing found: LeadHub holds no data for this person.")
        scrubber = Scrubber(person_values(leads, rows))
        submission_count, attempt_count = leads_anonymise(leads, scrubber)
        for row in rows:
            row.values = [ERASED for _ in row.values]  # the whole row was the person's
            row.errors = scrubber.text(row.errors)
        ImportRowError.objects.bulk_update(rows, ["values", "errors"], batch_size=500)
        for job in files:
            # A file waiting for its mapping: emptied and stopped; it is uploaded again.
            ImportJob.objects.filter(pk=job.pk).update(
                source=b"",
                status=ImportJob.Status.FAILED,
                finished_at=timezone.now(),
                message="Stopped: the file held the data of a person erased on request. "
                "Upload it again without them.",
            )
        erasure = Erasure.objects.create(
            erased_by=user if getattr(user, "pk", None) else None,
            leads=len(leads),
            submissions=submission_count,
            attempts=attempt_count,
            import_rows=len(rows) + len(files),
        )
        audit_record(
            user,
            AuditAction.ERASED,
            erasure,
            leads=len(leads),
            submissions=submission_count,
            attempts=attempt_count,
            import_rows=len(rows),
            import_files=len(files),
            cancelled=cancelled,
        )
    return erasure
