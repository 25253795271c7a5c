"""The API's endpoints, under /api/v1/ (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Query, Router, Schema
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from leadhub.api import answers
from leadhub.api.errors import ApiError, error_body, errors_install
from leadhub.api.guard import Answer, idempotent, rate_limit_check
from leadhub.api.intake import FieldError, destinations_usable, lead_check
from leadhub.api.keys import api_key_authenticate, key_checker, key_destinations
from leadhub.api.models import ApiKey, KeyKind
from leadhub.api.schemas import (
    DestinationPage,
    DryRunOut,
    ErrorOut,
    LeadIn,
    LeadOut,
    LeadPage,
    SubmissionOut,
    SubmissionPage,
)
from leadhub.attribution.models import SourceKind
from leadhub.attribution.selectors import SOURCE_RELATED
from leadhub.attribution.services import SourceDetails
from leadhub.attribution.visitor import request_ip, request_user_agent
from leadhub.delivery.outbox import submission_resend
from leadhub.models import Lead, Submission
from leadhub.privacy.duplicates import Duplicate, duplicates_find
from leadhub.routing.intake import lead_create_and_route
from leadhub.routing.preview import route_preview
from leadhub.selectors import visible_rows
from leadhub.services.leads import CONSENT_FIELDS, CONTACT_FIELDS, lead_create_and_send_rows
from leadhub.services.preview import lead_preview
from leadhub.statuses import RESENDABLE, InvalidTransition
from vendors.models import Destination, unusable_campaign_q

ERRORS: dict[int | str, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


class KeyAuth(HttpBearer):
    """``Authorization: Bearer lh_live_…``; each request counts against the key's rate."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = api_key_authenticate(token)
        rate_limit_check(key)
        return key


api = NinjaAPI(
    title="LeadHub API",
    version="1",
    description="Send leads to destinations and read what became of them. See docs/api.md.",
    urls_namespace="api_v1",
    auth=KeyAuth(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
)
errors_install(api)
router = Router()


def _key(request: HttpRequest) -> ApiKey:
    key = getattr(request, "auth", None)
    assert isinstance(key, ApiKey)
    return key


def _writer(request: HttpRequest) -> ApiKey:
    key = _key(request)
    if not key.can_write:
        raise ApiError(403, "read_only_key", "This key may read only.")
    return key


def _routed_here(key: ApiKey) -> Q:
    """A lead routed by the key's route that this key itself took in (its source row says
    which key): a route shared by several keys does not let each read the others' leads."""
    return Q(routing_decision__route__api_keys=key, source__api_key=key)


def _leads(key: ApiKey) -> QuerySet[Lead]:
    """The leads a key may read: its owner may see them, and one went to its destinations
    or the key took it in and its route routed it."""
    routed = Lead.objects.filter(_routed_here(key)).values("pk")
    sent = Lead.objects.filter(submissions__destination__api_keys=key).values("pk")
    scoped = Lead.objects.filter(Q(pk__in=sent) | Q(pk__in=routed)).select_related(
        "routing_decision__route", *SOURCE_RELATED
    )
    return visible_rows(key.owner, scoped)


def _submissions(key: ApiKey) -> QuerySet[Submission]:
    routed = Submission.objects.filter(
        lead__in=Lead.objects.filter(_routed_here(key)).values("pk")
    ).values("pk")
    sent = Submission.objects.filter(destination__api_keys=key).values("pk")
    scoped = Submission.objects.filter(Q(pk__in=sent) | Q(pk__in=routed)).select_related(
        "destination"
    )
    return visible_rows(key.owner, scoped)


def _page(rows: QuerySet[Any], cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """Newest first, ``limit`` rows after the cursor; the cursor of the next page or None."""
    limit = max(1, min(limit, 100))
    if cursor:
        after = answers.cursor_decode(cursor)
        if after is None:
            raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave.")
        rows = rows.filter(pk__lt=after)
    page = list(rows.order_by("-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, answers.cursor_encode(page[-1].pk) if more and page else None


class PageQuery(Schema):
    cursor: str | None = None
    limit: int = 25


def _destinations_for(key: ApiKey, payload: LeadIn) -> list[Destination]:
    """The destinations the lead names, in its order; 422 or 403 naming the wrong ones."""
    slugs = [row.destination for row in payload.destinations]
    scope = key_destinations(key)
    errors = [
        FieldError(None, slug, "duplicate_destination", f"{slug} is named more than once.")
        for index, slug in enumerate(slugs)
        if slug in slugs[:index]
    ]
    outside = [slug for slug in dict.fromkeys(slugs) if slug not in scope]
    known = (
        set(Destination.objects.filter(slug__in=outside).values_list("slug", flat=True))
        if outside
        else set()
    )
    errors += [
        FieldError(None, slug, "unknown_destination", f"There is no destination {slug!r}.")
        for slug in outside
        if slug not in known
    ]
    if errors:
        raise ApiError(
            422,
            "invalid_lead",
            "The lead names destinations it cannot use.",
            errors=[e.as_dict() for e in errors],
        )
    if outside:
        raise ApiError(
            403,
            "destination_out_of_scope",
            f"This key may not send to: {', '.join(outside)}.",
            destinations=outside,
        )
    return [scope[slug] for slug in slugs]


def api_source(request: HttpRequest, key: ApiKey, payload: LeadIn) -> SourceDetails:
    """The lead's source: the key, what the sender passed, and the person's address and
    browser as the sender relays them, else as this request shows them."""
    given = payload.source
    details = given.model_dump(exclude={"ip_address", "user_agent"}) if given else {}
    ip = str(given.ip_address) if given and given.ip_address else request_ip(request)
    agent = given.user_agent if given and given.user_agent else request_user_agent(request)
    return SourceDetails(
        kind=SourceKind.API, api_key_id=key.pk, details=details, ip_address=ip, user_agent=agent
    )


def _duplicate_body(found: list[tuple[Destination, Duplicate]]) -> dict[str, Any]:
    """The 409 for a person sent to these destinations recently (``allow_duplicate``)."""
    return error_body(
        "duplicate_lead",
        "This person was sent to these destinations recently; send again with "
        '"allow_duplicate": true to send anyway.',
        errors=[
            {
                "field": earlier.matched_on,
                "destination": destination.slug,
                "code": "duplicate",
                "message": f"Sent on {earlier.created_at:%Y-%m-%d} as lead "
                f"{earlier.lead_id} (/api/v1/leads/{earlier.lead_id}).",
            }
            for destination, earlier in found
        ],
    )


def lead_receive(
    key: ApiKey, payload: LeadIn, *, dry_run: bool, source: SourceDetails | None = None
) -> Answer:
    """Check a lead as the admin's form does; save and queue it, or preview it."""
    if not payload.destinations:
        return _lead_routed(key, payload, dry_run=dry_run, source=source)
    destinations = _destinations_for(key, payload)
    unusable = destinations_usable(destinations)
    contact = {name: getattr(payload, name) or "" for name in (*CONTACT_FIELDS, *CONSENT_FIELDS)}
    values = {row.destination: row.fields for row in payload.destinations}
    checker = key_checker(key, destinations) if not unusable else None
    intake = lead_check(contact, destinations, values, checker) if checker else None
    if intake is None or intake.lead is None:
        errors = unusable or (intake.errors if intake else [])
        return 422, error_body(
            "invalid_lead",
            "The lead has errors; see errors.",
            errors=[e.as_dict() for e in errors],
        )
    cleaned = intake.lead
    if dry_run:
        previews = lead_preview(
            contact=cleaned.contact, destinations=destinations, destination_values=cleaned.values
        )
        return 200, {"dry_run": True, "previews": [answers.preview_answer(p) for p in previews]}
    duplicates = {} if payload.allow_duplicate else duplicates_find(cleaned.contact, destinations)
    if duplicates:
        by_pk = {d.pk: d for d in destinations}
        return 409, _duplicate_body([(by_pk[pk], earlier) for pk, earlier in duplicates.items()])
    lead, submissions = lead_create_and_send_rows(
        contact=cleaned.contact,
        destinations=destinations,
        destination_values=cleaned.values,
        owner=key.owner,
        source=source,
        payloads=cleaned.payloads,
    )
    if settings.Q_CLUSTER.get("sync"):
        # The worker ran inline as the lead committed (Q_SYNC): answer with what it did.
        submissions = list(lead.submissions.select_related("destination").order_by("pk"))
    answers.lead_known(lead, key=key, routed=False)
    return 201, answers.lead_answer(lead, submissions)


def _lead_routed(
    key: ApiKey, payload: LeadIn, *, dry_run: bool, source: SourceDetails | None
) -> Answer:
    """A lead naming no destinations: the key's route chooses (docs/routing.md)."""
    route = key.route
    if route is None or not route.is_active:
        raise ApiError(
            422,
            "no_destinations",
            "Name the destinations: this key has no route to choose them.",
        )
    contact = {name: getattr(payload, name) or "" for name in (*CONTACT_FIELDS, *CONSENT_FIELDS)}
    intake = lead_check(contact, [], {})
    if intake.lead is None:
        return 422, error_body(
            "invalid_lead",
            "The lead has errors; see errors.",
            errors=[e.as_dict() for e in intake.errors],
        )
    if source is None:
        kind = SourceKind.WEB_FORM if key.kind == KeyKind.PUBLISHABLE else SourceKind.API
        source = SourceDetails(kind=kind, api_key_id=key.pk)
    contact = intake.lead.contact
    if dry_run or not payload.allow_duplicate:
        # Decided once more without saving: the dry run's answer, or the duplicate guard.
        would = route_preview(
            contact=contact,
            route=route,
            source=source.kind,
            allow_duplicate=payload.allow_duplicate,
        )
        if dry_run:
            chosen = [d.slug for d in would.chosen]
            routing = {"route": route.name, "chosen": chosen, "timeline": would.timeline}
            return 200, {"dry_run": True, "previews": [], "routing": routing}
        if would.duplicates and not would.chosen:
            return 409, _duplicate_body(would.duplicates)
    lead, _ = lead_create_and_route(
        contact=contact,
        route=route,
        source=source,
        owner=key.owner,
        allow_duplicate=payload.allow_duplicate,
    )
    submissions = list(lead.submissions.select_related("destination").order_by("pk"))
    answers.lead_known(lead, key=key, routed=True)
    return 201, answers.lead_answer(lead, submissions)


@router.post(
    "/leads",
    response={201: LeadOut, 200: DryRunOut, 409: ErrorOut, 422: ErrorOut, **ERRORS},
    url_name="lead_create",
    summary="Send a lead to destinations",
)
def lead_create(request: HttpRequest, payload: LeadIn, dry_run: bool = False) -> JsonResponse:
    key = _writer(request)
    source = api_source(request, key, payload)
    return idempotent(
        request, key, lambda: lead_receive(key, payload, dry_run=dry_run, source=source)
    )


@router.get("/leads", response={200: LeadPage, **ERRORS}, url_name="lead_list")
def lead_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    key = _key(request)
    rows, next_cursor = _page(_leads(key), page.cursor, page.limit)
    by_lead = _lead_submissions(key, rows)
    items = [answers.lead_answer(lead, by_lead.get(lead.pk, [])) for lead in rows]
    return {"items": items, "next_cursor": next_cursor}


def _lead_submissions(key: ApiKey, leads: list[Lead]) -> dict[int, list[Submission]]:
    found: dict[int, list[Submission]] = {}
    for row in _submissions(key).filter(lead__in=leads).order_by("pk"):
        found.setdefault(row.lead_id, []).append(row)
    return found


@router.get(
    "/leads/{lead_id}", response={200: LeadOut, 404: ErrorOut, **ERRORS}, url_name="lead_get"
)
def lead_get(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    key = _key(request)
    lead = _leads(key).filter(pk=lead_id).first()
    if lead is None:
        raise ApiError(404, "not_found", f"No lead {lead_id} this key may read.")
    return answers.lead_answer(lead, _lead_submissions(key, [lead]).get(lead.pk, []))


@router.get("/submissions", response={200: SubmissionPage, **ERRORS}, url_name="submission_list")
def submission_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    rows, next_cursor = _page(_submissions(_key(request)), page.cursor, page.limit)
    return {"items": [answers.submission_answer(s) for s in rows], "next_cursor": next_cursor}


def _submission(key: ApiKey, submission_id: int) -> Submission:
    submission = (
        _submissions(key).prefetch_related(Prefetch("attempts")).filter(pk=submission_id).first()
    )
    if submission is None:
        raise ApiError(404, "not_found", f"No submission {submission_id} this key may read.")
    return submission


@router.get(
    "/submissions/{submission_id}",
    response={200: SubmissionOut, 404: ErrorOut, **ERRORS},
    url_name="submission_get",
)
def submission_get(request: HttpRequest, submission_id: int) -> dict[str, Any]:
    return answers.submission_answer(_submission(_key(request), submission_id), attempts=True)


@router.post(
    "/submissions/{submission_id}/resend",
    response={200: SubmissionOut, 404: ErrorOut, 409: ErrorOut, **ERRORS},
    url_name="submission_resend",
    summary="Send a rejected, exhausted or unanswered submission again",
)
def submission_resend_view(request: HttpRequest, submission_id: int) -> JsonResponse:
    key = _writer(request)
    submission = _submission(key, submission_id)
    if not key.owner.has_perm("leadhub.change_submission"):
        raise ApiError(403, "not_permitted", "The key's owner may not send submissions again.")

    def run() -> Answer:
        if submission.status not in RESENDABLE:
            raise ApiError(
                409,
                "not_resendable",
                f"A submission that is {submission.get_status_display().lower()} cannot be "
                "sent again.",
            )
        try:
            resent = submission_resend(submission=submission)
        except InvalidTransition as refused:
            raise ApiError(409, "not_resendable", str(refused)) from None
        return 200, answers.submission_answer(resent)

    return idempotent(request, key, run)


@router.get("/destinations", response={200: DestinationPage, **ERRORS}, url_name="destination_list")
def destination_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    key = _key(request)
    rows = key.destinations.select_related("connection", "campaign")
    found, next_cursor = _page(rows, page.cursor, page.limit)
    blocked = set(rows.filter(unusable_campaign_q("campaign__")).values_list("pk", flat=True))
    items = [
        answers.destination_answer(
            d, accepting=d.is_active and d.connection.is_active and d.pk not in blocked
        )
        for d in found
    ]
    return {"items": items, "next_cursor": next_cursor}


api.add_router("", router)
