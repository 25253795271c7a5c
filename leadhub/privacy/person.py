"""A person's data: found by email or phone in any format, shown and exported as one file.

A person is every lead whose email (compared trimmed, in lower case) or phone (compared in
E.164) is the one asked for, with those leads' submissions and attempts; and every row left
out of a bulk import, and every import file still waiting to run, that holds that email or
phone in one of its cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from leadhub.attribution.selectors import SOURCE_RELATED, lead_source_of, source_answer
from leadhub.csvfiles import reader
from leadhub.imports.models import ImportJob, ImportRowError
from leadhub.models import Attempt, Lead, Submission, email_normalise
from vendors.phones import parse_phone


class PersonQueryError(ValueError):
    """What was typed is neither an email address nor a phone number."""


@dataclass(frozen=True)
class PersonQuery:
    """One person to find: by email, or by phone (E.164)."""

    email: str = ""
    phone_e164: str = ""

    @classmethod
    def parse(cls, text: str) -> PersonQuery:
        text = (text or "").strip()
        if "@" in text:
            return cls(email=email_normalise(text))
        phone = parse_phone(text) if text else None
        if phone is None:
            raise PersonQueryError("Enter an email address or a phone number (any format).")
        return cls(phone_e164=phone.e164)

    @property
    def label(self) -> str:
        return self.email or self.phone_e164

    def lead_q(self) -> Q:
        if self.email:
            return Q(email_normalised=self.email)
        return Q(phone_e164=self.phone_e164)

    def matches_cell(self, cell: str) -> bool:
        cell = (cell or "").strip()
        if not cell:
            return False
        if self.email:
            return email_normalise(cell) == self.email
        if not any(ch.isdigit() for ch in cell):
            return False
        phone = parse_phone(cell)
        return phone is not None and phone.e164 == self.phone_e164

    def text_hint(self) -> str:
        """Text every stored cell matching this person contains (a cheap first filter)."""
        if self.email:
            return self.email
        return self.phone_e164[-3:]  # a phone's last digits, in every format it is typed in


@dataclass
class PersonData:
    query: PersonQuery
    leads: list[Lead] = field(default_factory=list)
    import_rows: list[ImportRowError] = field(default_factory=list)
    import_files: list[ImportJob] = field(default_factory=list)

    @property
    def submissions(self) -> list[Submission]:
        return [s for lead in self.leads for s in lead.submissions.all()]

    @property
    def attempts(self) -> list[Attempt]:
        return [a for s in self.submissions for a in s.attempts.all()]

    @property
    def found(self) -> bool:
        return bool(self.leads or self.import_rows or self.import_files)


def person_leads(query: PersonQuery) -> QuerySet[Lead]:
    return Lead.objects.filter(query.lead_q()).order_by("pk")


def person_import_rows(query: PersonQuery, rows: QuerySet[ImportRowError]) -> list[ImportRowError]:
    """The import rows with a cell that is this person's email or phone."""
    hinted = rows.annotate(text=Cast("values", TextField())).filter(
        text__icontains=query.text_hint()
    )
    return [
        row
        for row in hinted.select_related("job").order_by("pk")
        if any(query.matches_cell(str(cell)) for cell in row.values)
    ]


def person_import_files(query: PersonQuery, jobs: QuerySet[ImportJob]) -> list[ImportJob]:
    """Import files still held (not yet run, or running) with a row of this person."""
    held = jobs.exclude(source=b"").order_by("pk")
    return [job for job in held if _file_holds(job, query)]


def _file_holds(job: ImportJob, query: PersonQuery) -> bool:
    try:
        rows = reader(bytes(job.source), job.encoding, job.delimiter)
        return any(query.matches_cell(cell) for row in rows for cell in row)
    except (UnicodeDecodeError, ValueError, LookupError):
        return False


def person_find(query: PersonQuery) -> PersonData:
    """Everything held about one person, loaded for the page and the export."""
    attempts = Prefetch("attempts", queryset=Attempt.objects.order_by("number", "pk"))
    submissions = Prefetch(
        "submissions",
        queryset=Submission.objects.select_related("destination", "connection")
        .prefetch_related(attempts)
        .order_by("created_at", "pk"),
    )
    leads = list(
        person_leads(query).select_related("owner", *SOURCE_RELATED).prefetch_related(submissions)
    )
    return PersonData(
        query=query,
        leads=leads,
        import_rows=person_import_rows(query, ImportRowError.objects.all()),
        import_files=person_import_files(query, ImportJob.objects.all()),
    )


# --- subject access: one JSON file -----------------------------------------------------


def person_export(data: PersonData) -> dict[str, Any]:
    """Everything held about the person, as one JSON document (credentials are never
    stored with a payload or an attempt, so none can be in it)."""
    return {
        "generated_at": timezone.now().isoformat(),
        "searched_for": data.query.label,
        "leads": [_lead(lead) for lead in data.leads],
        "import_rows": [
            {
                "file": row.job.file_name,
                "uploaded_at": row.job.created_at.isoformat(),
                "line": row.line,
                "values": row.values,
                "why_left_out": row.errors,
            }
            for row in data.import_rows
        ],
        "import_files_waiting": [
            {"file": job.file_name, "uploaded_at": job.created_at.isoformat()}
            for job in data.import_files
        ],
    }


def _lead(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "created_at": lead.created_at.isoformat(),
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "phone_international": lead.phone_e164,
        "company": lead.company,
        "notes": lead.notes,
        "other_fields": lead.extra,
        "consent": {
            "opted_in_on": lead.consent_date.isoformat() if lead.consent_date else None,
            "page": lead.consent_url,
            "wording": lead.consent_wording,
        },
        "source": _source(lead),
        "sent_to": [_submission(s) for s in lead.submissions.all()],
    }


def _source(lead: Lead) -> dict[str, Any] | None:
    """Where the lead came from, the person's address and browser included (which of
    LeadHub's keys or users took it in is LeadHub's own business, not the person's)."""
    source = lead_source_of(lead)
    if source is None:
        return None
    answer = source_answer(source)
    for internal in ("kind", "via", "api_key_prefix", "import_id"):
        answer.pop(internal)
    return {"received_at": source.created_at.isoformat(), **answer}


def _submission(submission: Submission) -> dict[str, Any]:
    return {
        "destination": str(submission.destination or submission.connection),
        "operation": submission.operation,
        "status": submission.get_status_display(),
        "created_at": submission.created_at.isoformat(),
        "sent_at": _iso(submission.sent_at),
        "completed_at": _iso(submission.completed_at),
        "fields_sent": submission.payload,
        "vendor_reference": submission.vendor_reference,
        "vendor_message": submission.vendor_message,
        "vendor_outcome": submission.vendor_outcome,
        "exchanges": [_attempt(a) for a in submission.attempts.all()],
    }


def _attempt(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "kind": attempt.get_kind_display(),
        "at": attempt.started_at.isoformat(),
        "request": attempt.request,
        "status_code": attempt.status_code,
        "response_body": attempt.response_body,
        "message": attempt.message,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def person_values(leads: Iterable[Lead], import_rows: Iterable[ImportRowError]) -> set[str]:
    """Every value of the person's that an echo may carry: what was typed, what was sent."""
    values: set[str] = set()
    for lead in leads:
        values.update(_lead_values(lead))
        for submission in lead.submissions.all():
            values.update(_strings(submission.payload))
    for row in import_rows:
        values.update(str(cell) for cell in row.values)
    return {v.strip() for v in values if v and v.strip()}


def _lead_values(lead: Lead) -> Iterator[str]:
    yield from (lead.first_name, lead.last_name, lead.full_name, lead.email, lead.phone)
    yield from (lead.phone_e164, lead.company, lead.notes, lead.consent_url, lead.consent_wording)
    yield from _strings(lead.extra)
    phone = parse_phone(lead.phone)
    if phone:
        yield from (phone.national, phone.e164.lstrip("+"))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
