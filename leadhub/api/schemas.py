"""The API's request and answer shapes (OpenAPI is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict, IPvAnyAddress

# The most destinations one lead may go to in one request.
MAX_DESTINATIONS = 20


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class DestinationValuesIn(Strict):
    destination: str = Field(max_length=80, description="The destination's slug.")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="The destination's own fields by name (see GET /destinations); a "
        "repeatable-rows field takes a list of objects.",
    )


class SourceIn(Strict):
    """Where the lead came from, as the sender knows it; every part optional."""

    sub1: str | None = Field(None, max_length=255, description="The sender's own sub-id.")
    sub2: str | None = Field(None, max_length=255)
    sub3: str | None = Field(None, max_length=255)
    utm_source: str | None = Field(None, max_length=255)
    utm_medium: str | None = Field(None, max_length=255)
    utm_campaign: str | None = Field(None, max_length=255)
    utm_term: str | None = Field(None, max_length=255)
    utm_content: str | None = Field(None, max_length=255)
    gclid: str | None = Field(None, max_length=255, description="Google Ads click id.")
    fbclid: str | None = Field(None, max_length=255, description="Meta click id.")
    msclkid: str | None = Field(None, max_length=255, description="Microsoft Ads click id.")
    landing_page: str | None = Field(None, max_length=2000)
    referrer: str | None = Field(None, max_length=2000)
    ip_address: IPvAnyAddress | None = Field(
        None,
        description="The person's address, when the sender relays a lead it took itself; "
        "otherwise the address this request came from.",
    )
    user_agent: str | None = Field(None, max_length=500, description="The person's browser.")


class LeadIn(Strict):
    first_name: str | None = Field(None, max_length=1000)
    last_name: str | None = Field(None, max_length=1000)
    email: str | None = Field(None, max_length=1000)
    phone: str | None = Field(None, max_length=1000)
    company: str | None = Field(None, max_length=1000)
    notes: str | None = Field(None, max_length=20000)
    # Consent evidence, as on the admin's form: the date (YYYY-MM-DD), page and wording.
    consent_date: str | None = Field(None, max_length=40)
    consent_url: str | None = Field(None, max_length=500)
    consent_wording: str | None = Field(None, max_length=5000)
    # Empty or left out: the key's route chooses (docs/routing.md).
    destinations: list[DestinationValuesIn] = Field(
        default_factory=list, max_length=MAX_DESTINATIONS
    )
    # Send even if this person went to a destination within the duplicate window (409).
    allow_duplicate: bool = False
    source: SourceIn | None = None


class FieldErrorOut(Schema):
    field: str | None
    destination: str | None
    code: str
    message: str


class ErrorDetail(Schema):
    code: str
    message: str
    errors: list[FieldErrorOut] = []


class ErrorOut(Schema):
    error: ErrorDetail


class AttemptOut(Schema):
    number: int
    kind: str
    started_at: datetime
    duration_ms: int
    method: str
    url: str
    status_code: int | None
    outcome: str
    message: str


class SubmissionOut(Schema):
    id: int
    lead_id: int
    destination: str | None
    status: str
    status_label: str
    vendor_reference: str
    vendor_message: str
    vendor_outcome: str
    links: dict[str, str]
    attempt_count: int
    created_at: datetime
    completed_at: datetime | None
    url: str
    attempts: list[AttemptOut] | None = None


class SourceOut(Schema):
    kind: str
    kind_label: str
    # The key (its public prefix), import or user that took the lead in, in plain words.
    via: str
    api_key_prefix: str | None
    import_id: int | None
    sub1: str
    sub2: str
    sub3: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    gclid: str
    fbclid: str
    msclkid: str
    landing_page: str
    referrer: str
    ip_address: str | None
    user_agent: str


class RoutingOut(Schema):
    route: str
    source: str
    state: str
    state_label: str
    held_reason: str
    timeline: list[dict[str, Any]]


class LeadOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    phone_e164: str
    company: str
    notes: str
    created_at: datetime
    url: str
    admin_url: str
    source: SourceOut | None = None
    submissions: list[SubmissionOut]
    routing: RoutingOut | None = None


class FieldSpecOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    choices: list[list[str]] = []
    help: str = ""
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    row_fields: list[FieldSpecOut] = []


class DestinationOut(Schema):
    slug: str
    name: str
    vendor: str
    operation: str
    accepting: bool
    fields: list[FieldSpecOut]
    contact_fields: list[str]


class PreviewOut(Schema):
    destination: str
    request: dict[str, Any]
    error: str


class RoutingPreviewOut(Schema):
    """What the key's route would do with a lead naming no destinations (nothing saved)."""

    route: str
    chosen: list[str]
    timeline: list[dict[str, Any]]


class DryRunOut(Schema):
    dry_run: bool
    previews: list[PreviewOut]
    routing: RoutingPreviewOut | None = None


class Page(Schema):
    next_cursor: str | None


class LeadPage(Page):
    items: list[LeadOut]


class SubmissionPage(Page):
    items: list[SubmissionOut]


class DestinationPage(Page):
    items: list[DestinationOut]
