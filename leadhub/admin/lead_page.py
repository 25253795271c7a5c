"""The lead's page: each destination's submission, its live status and its attempts.

``lead_submissions`` reads everything the page needs in two queries; the same panel is
rendered into the page and into the JSON status endpoint the page polls while work is
pending, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, Prefetch
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.http import parse_etags
from django.utils.timezone import localtime

from leadhub.admin.display import link_buttons, status_badge
from leadhub.delivery.outcome_checks import answer_lost_in, earlier_answer_lost
from leadhub.models import Attempt, Lead, Submission
from leadhub.selectors import visible_leads
from leadhub.statuses import PENDING, WAITING, SubmissionStatus

S = SubmissionStatus

PANEL_TEMPLATE = "admin/leadhub/lead/submissions_panel.html"
# The status poll's ETags are signed with this (leadhub/status_poll.py says why).
POLL_SALT = "leadhub.status_poll"

# What each status means for the person looking at the lead.
STATUS_EXPLANATIONS: dict[str, str] = {
    S.QUEUED: "Waiting to be sent; this page updates by itself.",
    S.SENDING: "Being sent now; this page updates by itself.",
    S.ACCEPTED: "The vendor took the lead.",
    S.QUARANTINED: "The vendor took the lead and holds it for its own review.",
    S.DUPLICATE: (
        "The vendor already had this lead (sent before, by another lead or supplier), so it "
        "was not added again."
    ),
    S.REJECTED: "The vendor refused the lead; the reason is below.",
    S.RETRY_WAIT: "The vendor could not take it just now; it will be tried again by itself.",
    S.EXHAUSTED: "Every try failed; it will not be tried again unless someone sends it again.",
    S.UNCERTAIN: (
        "The vendor may have the lead but never answered: check with the vendor before "
        "sending it again."
    ),
    S.CANCELLED: "The person's data was erased before this was sent; it was never sent.",
}


# A duplicate of LeadHub's own earlier send, whose answer was lost: never someone else's.
OWN_DUPLICATE_EXPLANATION = (
    "LeadHub's own earlier send reached the vendor but its answer was lost, so the resend "
    "was refused as a duplicate; the message below says what became of that earlier send."
)


# A follow-up (a submission without a destination) is titled by what it is.
FOLLOW_UP_NOUNS: dict[str, str] = {
    "add_note": "note",
    "create_task": "task",
    "change_status": "status change",
    "create_deal": "deal",
    "assign_department": "department assignment",
}


def follow_up_noun(submission: Submission) -> str:
    operation = submission.connection.adapter_class.operations.get(submission.operation)
    fallback = operation.label.lower() if operation else submission.operation
    return FOLLOW_UP_NOUNS.get(submission.operation, fallback)


def submission_title(submission: Submission) -> str:
    """The destination's name; for a follow-up, the vendor and what it is: "Getlead note"."""
    if submission.destination is not None:
        return str(submission.destination)
    vendor = submission.connection.get_kind_display()
    return f"{vendor} {follow_up_noun(submission)}"


def _sentence(text: str) -> str:
    """Ends the text with one full stop: a date like "9:55 p.m." already has its own."""
    return text if text.endswith(".") else f"{text}."


def submission_explanation(
    submission: Submission,
    *,
    now: datetime | None = None,
    attempts: Iterable[Attempt] | None = None,
) -> str:
    """What the status means and what happens next, in plain words.

    A waiting submission whose connection is paused is held, not late: it says so rather
    than showing a time the paused connection will not keep. A duplicate says whether it
    was LeadHub's own earlier send (read from ``attempts`` when the page has them).
    """
    status = submission.status
    connection = submission.connection
    if status in WAITING and connection.is_paused:
        return (
            f"Held: the connection {connection.name} is paused; it will be sent when the "
            "connection resumes."
        )
    text = STATUS_EXPLANATIONS.get(status, "")
    if status == S.DUPLICATE:
        own = earlier_answer_lost(submission) if attempts is None else answer_lost_in(attempts)
        text = OWN_DUPLICATE_EXPLANATION if own else text
    if status == S.ACCEPTED and submission.destination_id is None:
        text = f"{connection.get_kind_display()} took the {follow_up_noun(submission)}."
    due = submission.next_attempt_at
    if status == S.RETRY_WAIT and due is not None:
        if due <= (now or timezone.now()):
            return f"{text} The next try is due now."
        return f"{text} {_sentence('Next try ' + date_format(localtime(due), 'DATETIME_FORMAT'))}"
    return text


@dataclass
class SubmissionView:
    submission: Submission
    attempts: list[Attempt]

    @property
    def status_badge(self) -> str:
        return status_badge(self.submission.status)

    @property
    def title(self) -> str:
        return submission_title(self.submission)

    @property
    def explanation(self) -> str:
        return submission_explanation(self.submission, attempts=self.attempts)

    @property
    def links(self) -> str:
        return link_buttons(self.submission.links)

    @property
    def has_links(self) -> bool:
        return self.links != "—"

    @property
    def field_errors(self) -> list[str]:
        errors = self.submission.field_errors or {}
        found: list[str] = []
        for name, messages in errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                found.append(str(message) if name == "__all__" else f"{name}: {message}")
        return found

    def as_json(self) -> dict[str, Any]:
        s = self.submission
        return {
            "id": s.pk,
            "destination": self.title,
            "status": s.status,
            "status_label": S(s.status).label if s.status in S.values else s.status,
            "pending": s.status in PENDING,
            "vendor_reference": s.vendor_reference,
            "vendor_message": s.vendor_message,
            "links": {k: v for k, v in (s.links or {}).items() if isinstance(v, str)},
            "next_attempt_at": s.next_attempt_at.isoformat() if s.next_attempt_at else None,
            "attempts": [
                {
                    "number": a.number,
                    "started_at": a.started_at.isoformat(),
                    "status_code": a.status_code,
                    "outcome": a.outcome,
                    "message": a.message,
                    "duration_ms": a.duration_ms,
                }
                for a in self.attempts
            ],
        }


def lead_submissions(lead: Lead) -> list[SubmissionView]:
    attempts = Attempt.objects.only(
        "id",
        "submission_id",
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "outcome",
        "message",
        "kind",
        "condition",
    ).order_by("number", "id")
    submissions = (
        lead.submissions.select_related("destination", "connection", "campaign")
        .defer("payload", "response_data")
        .prefetch_related(Prefetch("attempts", queryset=attempts))
        .order_by("created_at", "id")
    )
    return [SubmissionView(s, list(s.attempts.all())) for s in submissions]


def version_aggregates() -> dict[str, Any]:
    """The aggregates of a lead's row its panel's version is made of (``version_of``)."""
    return {
        "count": Count("submissions", distinct=True),
        "changed": Max("submissions__updated_at"),
        "attempt": Max("submissions__attempts__id"),
        "paused": Max("submissions__connection__paused_at"),
        "due": Min("submissions__next_attempt_at"),
    }


VERSION_FIELDS = ("count", "changed", "attempt", "paused", "due")


def version_of(lead_id: int, row: Any, *, now: datetime | None = None) -> str:
    """The version from ``VERSION_FIELDS`` read off a row annotated with
    ``version_aggregates``, in that order."""
    return _version(lead_id, *row, now=now)


def lead_status_version(user: Any, lead_id: str, *, now: datetime | None = None) -> str | None:
    """A version of what the lead's panel shows, in one query: it changes whenever a
    submission is added or changes (every status write stamps ``updated_at``), an attempt
    is recorded, a connection is paused or resumed, or a retry falls due. None when the
    user may not see the lead (or it does not exist): the caller answers as it always has.
    """
    if not str(lead_id).isdigit():
        return None
    row = (
        visible_leads(user)
        .filter(pk=int(lead_id))
        .annotate(**version_aggregates())
        .values_list(*VERSION_FIELDS)
        .first()
    )
    if row is None:
        return None
    return version_of(int(lead_id), row, now=now)


def panel_version(lead: Lead, views: list[SubmissionView], *, now: datetime | None = None) -> str:
    """``lead_status_version`` of a panel already read (no query)."""
    submissions = [v.submission for v in views]
    paused = [s.connection.paused_at for s in submissions if s.connection.paused_at]
    due = [s.next_attempt_at for s in submissions if s.next_attempt_at]
    return _version(
        lead.pk,
        len(submissions),
        max((s.updated_at for s in submissions), default=None),
        max((a.pk for v in views for a in v.attempts), default=None),
        max(paused, default=None),
        min(due, default=None),
        now=now,
    )


def _version(
    lead_id: int,
    count: int,
    changed: datetime | None,
    attempt: int | None,
    paused: datetime | None,
    due: datetime | None,
    *,
    now: datetime | None,
) -> str:
    overdue = due is not None and due <= (now or timezone.now())
    stamp = changed.timestamp() if changed else 0
    held = paused.timestamp() if paused else 0
    return f"{lead_id}-{count}-{stamp}-{attempt or 0}-{held}-{int(overdue)}"


def poll_etag(version: str, user_id: int, password: str, session_key: str | None) -> str:
    """The status poll's ETag, unquoted: the version, whose it is, what vouches for both."""
    return f"{version}:{user_id}:{_signature(version, user_id, password, session_key)}"


def _signature(version: str, user_id: int, password: str, session_key: str | None) -> str:
    message = f"{version}|{user_id}|{session_key or ''}|{password}"
    return salted_hmac(POLL_SALT, message, algorithm="sha256").hexdigest()[:32]


def poll_claim(header: str) -> tuple[int, str] | None:
    """The (user id, whole ETag) an If-None-Match names, or None if it is not ours."""
    etags = parse_etags(header)  # each with its quotes
    if len(etags) != 1 or not etags[0].startswith('"'):
        return None
    etag = etags[0].strip('"')
    version, _, rest = etag.partition(":")
    user_id, _, signature = rest.partition(":")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not version or not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 18:
        return None
    if len(signature) != 32:
        return None
    return int(user_id), etag


def any_pending(views: list[SubmissionView]) -> bool:
    return any(v.submission.status in PENDING for v in views)


def panel_context(lead: Lead, request: HttpRequest | None = None) -> dict[str, Any]:
    views = lead_submissions(lead)
    return {
        "lead": lead,
        "submission_views": views,
        "pending": any_pending(views),
        "status_url": reverse("admin:leadhub_lead_status", args=[lead.pk]),
        "checked_at": date_format(localtime(), "DATETIME_FORMAT"),
    }


def lead_status_payload(lead: Lead, request: HttpRequest) -> dict[str, Any]:
    """What the status endpoint answers: every submission's state and the panel's HTML."""
    context = panel_context(lead, request)
    return {
        "lead": lead.pk,
        "version": panel_version(lead, context["submission_views"]),
        "pending": context["pending"],
        "submissions": [v.as_json() for v in context["submission_views"]],
        "html": render_to_string(PANEL_TEMPLATE, context, request=request),
    }
