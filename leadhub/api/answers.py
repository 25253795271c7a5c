"""What the API answers about leads, submissions and destinations: plain data, no secret.

Attempts are shown as stored: their requests were masked before they were saved
(vendors/redaction.py), and the vendor's raw answer body is left out altogether.
"""

from __future__ import annotations

import base64
from typing import Any

from django.urls import reverse

from leadhub.api.models import ApiKey
from leadhub.attribution.models import LeadSource
from leadhub.attribution.selectors import lead_source_of, source_answer
from leadhub.models import Attempt, Lead, Submission
from leadhub.routing.answers import routing_answer
from leadhub.routing.models import RoutingDecision
from leadhub.services.preview import DestinationPreview
from leadhub.statuses import SubmissionStatus
from vendors.fieldspec import FieldSpec
from vendors.models import Destination

STATUS_LABELS = dict(SubmissionStatus.choices)


def attempt_answer(attempt: Attempt) -> dict[str, Any]:
    request = attempt.request if isinstance(attempt.request, dict) else {}
    return {
        "number": attempt.number,
        "kind": attempt.kind,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "method": str(request.get("method", "")),
        "url": str(request.get("url", "")),
        "status_code": attempt.status_code,
        "outcome": attempt.outcome,
        "message": attempt.message,
    }


def submission_answer(submission: Submission, *, attempts: bool = False) -> dict[str, Any]:
    destination = submission.destination
    answer: dict[str, Any] = {
        "id": submission.pk,
        "lead_id": submission.lead_id,
        "destination": destination.slug if destination else None,
        "status": submission.status,
        "status_label": str(STATUS_LABELS.get(submission.status, submission.status)),
        "vendor_reference": submission.vendor_reference,
        "vendor_message": submission.vendor_message,
        "vendor_outcome": submission.vendor_outcome,
        "links": {k: v for k, v in (submission.links or {}).items() if isinstance(v, str)},
        "attempt_count": submission.attempt_count,
        "created_at": submission.created_at,
        "completed_at": submission.completed_at,
        "url": reverse("api_v1:submission_get", args=[submission.pk]),
    }
    if attempts:
        answer["attempts"] = [attempt_answer(a) for a in submission.attempts.all()]
    return answer


def lead_answer(lead: Lead, submissions: list[Submission]) -> dict[str, Any]:
    source = lead_source_of(lead)
    return {
        "id": lead.pk,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "phone_e164": lead.phone_e164,
        "company": lead.company,
        "notes": lead.notes,
        "created_at": lead.created_at,
        "url": reverse("api_v1:lead_get", args=[lead.pk]),
        "admin_url": reverse("admin:leadhub_lead_change", args=[lead.pk]),
        "source": source_answer(source) if source else None,
        "submissions": [submission_answer(s) for s in submissions],
        "routing": routing_answer(_decision(lead)),
    }


def lead_known(lead: Lead, *, key: ApiKey, routed: bool) -> None:
    """Tell a lead just saved what this request knows, so its answer reads nothing back:
    the key its source names, and (``routed`` False) that no route decided it."""
    source = lead_source_of(lead)
    if source is not None and source.api_key_id == key.pk:
        LeadSource.api_key.field.set_cached_value(source, key)
    if not routed:
        Lead.routing_decision.related.set_cached_value(lead, None)


def _decision(lead: Lead) -> RoutingDecision | None:
    try:
        return lead.routing_decision
    except RoutingDecision.DoesNotExist:
        return None


def field_spec_answer(spec: FieldSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "label": spec.label,
        "type": str(spec.type),
        "required": spec.required,
        "choices": [[str(value), str(label)] for value, label in spec.choices],
        "help": spec.help,
        "max_length": spec.max_length,
        "min_value": spec.min_value,
        "max_value": spec.max_value,
        "row_fields": [field_spec_answer(s) for s in spec.row_fields],
    }


def destination_answer(destination: Destination, *, accepting: bool) -> dict[str, Any]:
    specs = destination.staff_field_specs()
    return {
        "slug": destination.slug,
        "name": destination.name,
        "vendor": destination.connection.kind,
        "operation": destination.operation,
        "accepting": accepting,
        "fields": [field_spec_answer(s) for s in specs if not s.contact],
        "contact_fields": sorted({s.contact for s in specs if s.contact}),
    }


def preview_answer(preview: DestinationPreview) -> dict[str, Any]:
    return {
        "destination": preview.destination.slug,
        "request": preview.request,
        "error": preview.error,
    }


def cursor_encode(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int | None:
    """The last id of the page before, or None for a cursor this API did not give."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text) if text.isdigit() and len(text) < 20 else None
    except (ValueError, UnicodeDecodeError):
        return None
