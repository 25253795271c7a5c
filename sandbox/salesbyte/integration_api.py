"""SalesByte's Integration API, simulated: create_brandawareness, create_quote, its template."""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import SandboxCredential, SandboxQuote, SandboxRecord
from sandbox.salesbyte.responses import not_found, quote_links, unprocessable
from sandbox.salesbyte.validation import lead_errors, quote_errors, sanitise_phone, template_errors
from sandbox.seed import (
    SALESBYTE_QUOTE_PROFILES,
    SALESBYTE_QUOTE_TEMPLATES,
    SALESBYTE_SALESPEOPLE,
)

VENDOR = "salesbyte"
FAIL_NAME = "SANDBOX 500"
KEY_ALPHABET = string.ascii_letters + string.digits


def _json_body(request: HttpRequest) -> dict[str, Any]:
    # Laravel reads a body that is not a JSON object as no input at all.
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _unknown_salesperson(data: dict[str, Any]) -> str:
    value = data.get("salesperson_email")
    for address in value if isinstance(value, list) else [value]:
        if address and str(address).lower() not in SALESBYTE_SALESPEOPLE:
            return str(address)
    return ""


def _refusal(endpoint: str, data: dict[str, Any]) -> JsonResponse | None:
    """The 422, 404 or scripted 500 a request gets, in SalesByte's order; None if it passes."""
    errors = {
        "create_brandawareness": lead_errors,
        "create_quote": quote_errors,
        "create_quote/template": template_errors,
    }[endpoint](data)
    if errors:
        return unprocessable(errors)
    if not SandboxCredential.accepts(VENDOR, str(data["uuid"])):
        return not_found("Integration not found.")
    if endpoint == "create_quote/template":
        if int(data["quote_template_id"]) not in SALESBYTE_QUOTE_TEMPLATES:
            return not_found("Quote template not found for this integration.")
    elif int(data["quote_profile_id"]) not in SALESBYTE_QUOTE_PROFILES:
        return not_found("Quote profile not found.")
    unknown = _unknown_salesperson(data)
    if unknown:
        return not_found(f"Salesperson with email {unknown} not found.")
    if data.get("customer_name") == FAIL_NAME:
        return JsonResponse({"message": "Server Error"}, status=500)
    return None


def _receive(request: HttpRequest, endpoint: str) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"message": "The GET method is not supported."}, status=405)
    data = _json_body(request)
    stored = {k: v for k, v in data.items() if k != "uuid"}  # credentials never in clear
    refusal = _refusal(endpoint, data)
    if refusal is not None:
        SandboxRecord.objects.create(
            vendor=VENDOR, endpoint=endpoint, payload=stored, status=str(refusal.status_code)
        )
        return refusal
    if isinstance(data.get("customer_phone"), str):
        stored["customer_phone"] = sanitise_phone(data["customer_phone"])
    quote = SandboxQuote.objects.create(
        key=new_key(),
        kind=endpoint,
        quote_profile_id=int(data["quote_profile_id"]) if "quote_profile_id" in data else None,
        data=stored,
    )
    SandboxRecord.objects.create(
        vendor=VENDOR,
        endpoint=endpoint,
        reference=quote.key,
        payload=stored,
        accepted=True,
        status="created",
    )
    if endpoint == "create_quote/template":
        return HttpResponse("Quote created", content_type="text/plain; charset=utf-8")
    return JsonResponse({"id": quote.pk, "links": quote_links(request, quote)})


@csrf_exempt
def create_brandawareness(request: HttpRequest) -> HttpResponse:
    return _receive(request, "create_brandawareness")


@csrf_exempt
def create_quote(request: HttpRequest) -> HttpResponse:
    return _receive(request, "create_quote")


@csrf_exempt
def create_quote_template(request: HttpRequest) -> HttpResponse:
    return _receive(request, "create_quote/template")


def new_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(14))
