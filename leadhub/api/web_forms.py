"""The web-to-lead endpoints: an HTML form on any website posts a lead to one destination
(``/api/v1/forms/<slug>``), or to its key's route (``/api/v1/forms``), which chooses.

A web page cannot hide a secret, so the form carries a *publishable* key (``lh_pub_…``):
public by design, like Stripe's publishable keys, and good for nothing but this endpoint,
the destinations it names, and its rate limit. The lead is checked by the admin's lead
entry form exactly as an API lead is (leadhub/api/intake.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadhub.api.errors import ApiError, error_response
from leadhub.api.guard import rate_limit_check
from leadhub.api.intake import FieldError, destinations_usable, lead_check
from leadhub.api.keys import KeyRefused, api_key_authenticate, key_destinations
from leadhub.api.models import ApiKey, KeyKind
from leadhub.attribution.models import DETAIL_FIELDS, SourceKind
from leadhub.attribution.services import SourceDetails
from leadhub.attribution.visitor import request_ip, request_user_agent
from leadhub.models import Lead
from leadhub.routing.intake import lead_create_and_route
from leadhub.services.leads import CONTACT_FIELDS, lead_create_and_send

# The form's own names, never sent to the vendor: the key, and where the person came from
# (filled from the page by the snippet's script, leadhub/api/snippets.py).
KEY_FIELD = "key"


def web_form_source(request: HttpRequest, key: ApiKey) -> SourceDetails:
    """The form's source: its key, the campaign details the page passed, and the person's
    address and browser. Without the snippet's script, the page the form was posted from
    (the Referer header, where the browser sends it) stands for the landing page."""
    details = {name: request.POST.get(name, "") for name in DETAIL_FIELDS}
    if not details["landing_page"]:
        details["landing_page"] = request.headers.get("Referer", "")
    return SourceDetails(
        kind=SourceKind.WEB_FORM,
        api_key_id=key.pk,
        details=details,
        ip_address=request_ip(request),
        user_agent=request_user_agent(request),
    )


def _key(request: HttpRequest) -> ApiKey | HttpResponse:
    """The form's publishable key, or the answer refusing it."""
    try:
        key = api_key_authenticate(request.POST.get(KEY_FIELD, ""), kind=KeyKind.PUBLISHABLE)
        rate_limit_check(key)
    except KeyRefused as refused:
        return error_response(401, refused.code, refused.message)
    except ApiError as error:
        return error.response()
    return key


def _invalid(errors: list[FieldError]) -> HttpResponse:
    return error_response(
        422,
        "invalid_lead",
        "The form has errors; see errors.",
        errors=[e.as_dict() for e in errors],
    )


def _thanks(request: HttpRequest, lead: Lead) -> HttpResponse:
    if "text/html" in request.headers.get("Accept", ""):
        return HttpResponse(
            format_html(
                "<!doctype html><title>Thank you</title><p>Thank you, {}: we have your "
                "details.</p>",
                lead.first_name,
            ),
            status=201,
        )
    return JsonResponse({"received": True, "lead_id": lead.pk}, status=201)


@csrf_exempt  # posted from other sites; the publishable key, not a cookie, says who
@require_POST
def web_form_receive(request: HttpRequest, slug: str) -> HttpResponse:
    key = _key(request)
    if isinstance(key, HttpResponse):
        return key
    destination = key_destinations(key).get(slug)
    if destination is None:
        return error_response(
            403,
            "destination_out_of_scope",
            f"This key may not send to: {slug}.",
            destinations=[slug],
        )
    contact = {name: request.POST.get(name, "") for name in CONTACT_FIELDS}
    # A destination field that happens to share a source's name (a campaign's own
    # "utm_source") still goes to the vendor; the source keeps it too.
    fields = {spec.name for spec in destination.staff_field_specs()}
    own = {
        name: request.POST.get(name, "")
        for name in request.POST
        if name not in CONTACT_FIELDS
        and name != KEY_FIELD
        and (name not in DETAIL_FIELDS or name in fields)
    }
    errors = destinations_usable([destination])
    intake = None if errors else lead_check(contact, [destination], {slug: own})
    if intake is None or intake.lead is None:
        return _invalid(errors or (intake.errors if intake else []))
    lead = lead_create_and_send(
        contact=intake.lead.contact,
        destinations=[destination],
        destination_values=intake.lead.values,
        owner=key.owner,
        source=web_form_source(request, key),
    )
    return _thanks(request, lead)


@csrf_exempt  # posted from other sites; the publishable key, not a cookie, says who
@require_POST
def web_form_receive_routed(request: HttpRequest) -> HttpResponse:
    """A form tied to a route rather than one destination: the key's route chooses where
    the lead goes, as for an API lead without destinations (docs/routing.md); the decision
    and its reasons are kept on the lead's routing timeline."""
    key = _key(request)
    if isinstance(key, HttpResponse):
        return key
    route = key.route
    if route is None or not route.is_active:
        return error_response(
            422,
            "no_destinations",
            "This form's key has no route: post to /api/v1/forms/<destination> instead.",
        )
    contact = {name: request.POST.get(name, "") for name in CONTACT_FIELDS}
    intake = lead_check(contact, [], {})
    if intake.lead is None:
        return _invalid(intake.errors)
    lead, _ = lead_create_and_route(
        contact=intake.lead.contact,
        route=route,
        source=web_form_source(request, key),
        owner=key.owner,
    )
    return _thanks(request, lead)
