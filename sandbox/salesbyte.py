"""SalesByte, simulated: the Integration API, the Quotes API and the customer's quote pages.

Rules (shared/vendor-apis.md, "Simulator rules (SalesByte)"):
- JSON in and out, except the template endpoint: ``200 text/plain "Quote created"``;
- validation first, Laravel style: every missing or wrongly typed field → 422
  ``{"message", "errors": {field: [..]}}``; then an unknown ``uuid``, quote profile, quote
  template or salesperson (every address of an array) → 404 ``{"message"}``;
- create_quote enforces the ``send_type`` enum and its conditions (email for email/dual,
  phone for sms/dual); booleans are true/false, 0/1 or "0"/"1";
- phones lose spaces and ``-().``, a leading 00 becomes +, a leading 0 becomes +46; quote and
  template phones must then be ``+46`` and nine digits; create_brandawareness only sanitises;
- success gives an increasing id, a random 14-character key and the documented link shapes
  (pointing at this sandbox, so the links work in the demo);
- Quotes API: ``Authorization: Bearer``; a missing or bad token → 401
  ``{"message": "Unauthenticated."}``; an unknown key → 404; 10 a page; date filters and
  sorting as documented; the page envelope (``links``, ``meta``) is Laravel's (assumed).

Sandbox switches, not SalesByte's: a ``customer_name`` of ``SANDBOX 500`` answers HTTP 500
(after validation, as a failure while creating would), and the customer view page has a
"Sign" button that signs the quote, so the Quotes API can show signed quotes.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import SandboxCredential, SandboxQuote, SandboxRecord
from sandbox.seed import (
    SALESBYTE_QUOTE_PROFILES,
    SALESBYTE_QUOTE_TEMPLATES,
    SALESBYTE_SALESPEOPLE,
)

VENDOR = "salesbyte"
API_VENDOR = "salesbyte_api"  # the Quotes API's tokens, kept apart from integration uuids
FAIL_NAME = "SANDBOX 500"
PER_PAGE = 10
KEY_ALPHABET = string.ascii_letters + string.digits

SEND_TYPES = ("email", "sms", "dual", "auto", "none")
BOOLEAN_VALUES = (True, False, 0, 1, "0", "1")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SWEDISH_PHONE = re.compile(r"^\+46\d{9}$")
PUNCTUATION = re.compile(r"[\s\-().]")

Errors = dict[str, list[str]]


# --- Laravel-style validation -------------------------------------------------------------


def _attr(name: str) -> str:
    return name.replace("_", " ")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


class Validator:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: Errors = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def required(self, *names: str) -> None:
        for name in names:
            if _blank(self.data.get(name)):
                self.fail(name, f"The {_attr(name)} field is required.")

    def check(self, name: str, ok: Callable[[Any], bool], must: str) -> None:
        """A present, non-null value must pass ``ok``."""
        value = self.data.get(name)
        if not _blank(value) and name not in self.errors and not ok(value):
            self.fail(name, f"The {_attr(name)} field {must}.")

    def integers(self, *names: str) -> None:
        for name in names:
            self.check(name, _is_int, "must be an integer")

    def booleans(self, *names: str) -> None:
        for name in names:
            value = self.data.get(name)
            if value is not None and name not in self.errors and not _is_boolean(value):
                self.fail(name, f"The {_attr(name)} field must be true or false.")

    def strings(self, *names: str) -> None:
        for name in names:
            self.check(name, lambda v: isinstance(v, str), "must be a string")

    def email(self, name: str) -> None:
        self.check(
            name,
            lambda v: isinstance(v, str) and bool(EMAIL.match(v)),
            "must be a valid email address",
        )

    def salespeople(self) -> None:
        value = self.data.get("salesperson_email")
        addresses = value if isinstance(value, list) else [value]
        if not _blank(value) and not all(isinstance(a, str) and EMAIL.match(a) for a in addresses):
            self.fail("salesperson_email", "The salesperson email field must be valid addresses.")

    def swedish_phone(self, name: str) -> None:
        self.check(
            name,
            lambda v: isinstance(v, str) and bool(SWEDISH_PHONE.match(sanitise_phone(v))),
            "format is invalid",
        )


def _is_boolean(value: Any) -> bool:
    return any(value == ok and type(value) is type(ok) for ok in BOOLEAN_VALUES)


def sanitise_phone(raw: str) -> str:
    phone = PUNCTUATION.sub("", raw)
    if phone.startswith("00"):
        return "+" + phone[2:]
    if phone.startswith("0"):
        return "+46" + phone[1:]
    return phone


def _lead_errors(data: dict[str, Any]) -> Errors:
    v = Validator(data)
    v.required(
        "uuid",
        "quote_profile_id",
        "customer_name",
        "send_type",
        "type",
        *_BRAND_BOOLEANS,
    )
    v.strings("uuid", "customer_name", "send_type", "type", "customer_phone", "customer_company")
    v.strings(*(f"custom_field_{n}_content" for n in range(1, 11)), "message")
    v.strings(*(f"tag_{n}" for n in range(1, 11)))
    v.integers("quote_profile_id")
    v.booleans(*_BRAND_BOOLEANS)
    v.email("customer_email")
    v.salespeople()
    return v.errors


_BRAND_BOOLEANS = (
    "chat_enabled",
    "workflows_enabled",
    "allow_customer_document_upload",
    "trigger_created_messages_to_customer",
)


def _quote_errors(data: dict[str, Any]) -> Errors:
    v = Validator(data)
    v.required(
        "uuid",
        "quote_profile_id",
        "customer_name",
        "send_type",
        "workflows_enabled",
        "allow_customer_document_upload",
        "signable",
    )
    v.strings("uuid", "customer_name", "customer_company", "message")
    v.integers("quote_profile_id")
    v.booleans(
        "workflows_enabled",
        "allow_customer_document_upload",
        "signable",
        "chat_enabled",
        "trigger_created_messages_to_customer",
    )
    send_type = data.get("send_type")
    if not _blank(send_type) and send_type not in SEND_TYPES:
        v.fail("send_type", "The selected send type is invalid.")
    if send_type in ("email", "dual") and _blank(data.get("customer_email")):
        v.fail(
            "customer_email", f"The customer email field is required when send type is {send_type}."
        )
    if send_type in ("sms", "dual") and _blank(data.get("customer_phone")):
        v.fail(
            "customer_phone", f"The customer phone field is required when send type is {send_type}."
        )
    v.email("customer_email")
    v.swedish_phone("customer_phone")
    v.salespeople()
    v.check("signable_until", _is_ymd, "must match the format Y-m-d")
    _alternatives_errors(v, data.get("alternatives"))
    custom = data.get("custom_fields")
    if custom is not None and not isinstance(custom, dict):
        v.fail("custom_fields", "The custom fields field must be an array.")
    elif isinstance(custom, dict):
        for name, item in custom.items():
            if not isinstance(item, dict) or "value" not in item:
                v.fail(
                    f"custom_fields.{name}.value",
                    f"The custom_fields.{name}.value field is required.",
                )
    return v.errors


def _alternatives_errors(v: Validator, alternatives: Any) -> None:
    if alternatives is None:
        return
    if not isinstance(alternatives, list):
        v.fail("alternatives", "The alternatives field must be an array.")
        return
    for index, item in enumerate(alternatives):
        at = f"alternatives.{index}"
        if not isinstance(item, dict):
            v.fail(at, f"The {at} field must be an array.")
            continue
        bundle, skus = item.get("bundle_id"), item.get("skus")
        if _blank(bundle) and _blank(skus):
            v.fail(
                f"{at}.bundle_id",
                f"The {at}.bundle_id field is required when {at}.skus is not present.",
            )
        elif not _blank(bundle) and not _blank(skus):
            v.fail(
                f"{at}.bundle_id",
                f"The {at}.bundle_id field prohibits {at}.skus from being present.",
            )
        if not _blank(bundle) and not _is_int(bundle):
            v.fail(f"{at}.bundle_id", f"The {at}.bundle_id field must be an integer.")
        if not _blank(skus) and not (
            isinstance(skus, list) and all(isinstance(s, int | str) and s != "" for s in skus)
        ):
            v.fail(f"{at}.skus", f"The {at}.skus field must be a list of SKUs.")
        if item.get("sort_order") is not None and not _is_int(item.get("sort_order")):
            v.fail(f"{at}.sort_order", f"The {at}.sort_order field must be an integer.")
        if item.get("title") is not None and not isinstance(item.get("title"), str):
            v.fail(f"{at}.title", f"The {at}.title field must be a string.")


def _template_errors(data: dict[str, Any]) -> Errors:
    v = Validator(data)
    v.required("uuid", "quote_template_id", "customer_name", "trigger_created_messages_to_customer")
    if _blank(data.get("customer_email")) and _blank(data.get("customer_phone")):
        v.fail(
            "customer_email",
            "The customer email field is required when customer phone is not present.",
        )
        v.fail(
            "customer_phone",
            "The customer phone field is required when customer email is not present.",
        )
    v.strings("uuid", "customer_name")
    v.integers("quote_template_id")
    v.booleans("trigger_created_messages_to_customer")
    v.email("customer_email")
    v.swedish_phone("customer_phone")
    fields = data.get("customer_fields")
    if fields is not None and not isinstance(fields, dict | list):
        v.fail("customer_fields", "The customer fields field must be an array.")
    return v.errors


def _is_ymd(value: Any) -> bool:
    try:
        datetime.strptime(str(value), "%Y-%m-%d")
    except ValueError:
        return False
    return True


# --- the Integration API ------------------------------------------------------------------


def _json_body(request: HttpRequest) -> dict[str, Any]:
    # Laravel reads a body that is not a JSON object as no input at all.
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _unprocessable(errors: Errors) -> JsonResponse:
    first = next(iter(errors.values()))[0]
    more = sum(len(m) for m in errors.values()) - 1
    if more:
        first += f" (and {more} more error{'s' if more > 1 else ''})"
    return JsonResponse({"message": first, "errors": errors}, status=422)


def _not_found(message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=404)


def _unknown_salesperson(data: dict[str, Any]) -> str:
    value = data.get("salesperson_email")
    for address in value if isinstance(value, list) else [value]:
        if address and str(address).lower() not in SALESBYTE_SALESPEOPLE:
            return str(address)
    return ""


def _refusal(endpoint: str, data: dict[str, Any]) -> JsonResponse | None:
    """The 422, 404 or scripted 500 a request gets, in SalesByte's order; None if it passes."""
    errors = {
        "create_brandawareness": _lead_errors,
        "create_quote": _quote_errors,
        "create_quote/template": _template_errors,
    }[endpoint](data)
    if errors:
        return _unprocessable(errors)
    if not SandboxCredential.accepts(VENDOR, str(data["uuid"])):
        return _not_found("Integration not found.")
    if endpoint == "create_quote/template":
        if int(data["quote_template_id"]) not in SALESBYTE_QUOTE_TEMPLATES:
            return _not_found("Quote template not found for this integration.")
    elif int(data["quote_profile_id"]) not in SALESBYTE_QUOTE_PROFILES:
        return _not_found("Quote profile not found.")
    unknown = _unknown_salesperson(data)
    if unknown:
        return _not_found(f"Salesperson with email {unknown} not found.")
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
    return JsonResponse({"id": quote.pk, "links": _links(request, quote)})


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


def _links(request: HttpRequest, quote: SandboxQuote) -> dict[str, str]:
    view = request.build_absolute_uri(reverse("sandbox:salesbyte-view", args=[quote.key]))
    return {
        "edit": request.build_absolute_uri(reverse("sandbox:salesbyte-edit", args=[quote.pk])),
        "customer_view": view,
        "customer_verificate": request.build_absolute_uri(
            reverse("sandbox:salesbyte-signed", args=[quote.key])
        ),
        "customer_project_approval": f"{view}?project_approval=1",
    }


# --- the Quotes API -------------------------------------------------------------------------


def _bearer_ok(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and SandboxCredential.accepts(API_VENDOR, token.strip())


def _unauthenticated() -> JsonResponse:
    return JsonResponse({"message": "Unauthenticated."}, status=401)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _salesperson(data: dict[str, Any]) -> dict[str, str]:
    chosen = data.get("salesperson_email")
    email = (chosen[0] if isinstance(chosen, list) else chosen) or next(iter(SALESBYTE_SALESPEOPLE))
    return {"name": SALESBYTE_SALESPEOPLE.get(str(email).lower(), ""), "email": str(email)}


def _list_item(quote: SandboxQuote) -> dict[str, Any]:
    data = quote.data
    name = str(data.get("customer_name") or "")
    first, _, last = name.partition(" ")
    profile = SALESBYTE_QUOTE_PROFILES.get(quote.quote_profile_id or 0) or (
        SALESBYTE_QUOTE_TEMPLATES.get(int(data.get("quote_template_id") or 0), "")
    )
    return {
        "id": quote.pk,
        "key": quote.key,
        "quote_profile_name": profile,
        "customer_name": name,
        "customer_first_name": first,
        "customer_last_name": last,
        "customer_company": data.get("customer_company"),
        "customer_phone": data.get("customer_phone"),
        "customer_email": data.get("customer_email"),
        "quote_value": 0,
        "created_at": _stamp(quote.created_at),
        "updated_at": _stamp(quote.updated_at),
        "salesperson": _salesperson(data),
    }


def _detail(request: HttpRequest, quote: SandboxQuote) -> dict[str, Any]:
    signed = quote.signed_at is not None
    custom = quote.data.get("custom_fields") or quote.data.get("customer_fields") or {}
    links = _links(request, quote)
    return {
        **_list_item(quote),
        "address_street": None,
        "address_zip": None,
        "address_city": None,
        "custom_fields": {
            name: item.get("value") if isinstance(item, dict) else item
            for name, item in (custom.items() if isinstance(custom, dict) else [])
        },
        "is_signed": signed,
        "is_fully_signed": signed,
        "requires_more_signatures": False,
        "is_project_approval_pending": False,
        "is_project_approval_signed": False,
        "signed_offer": {
            "main_document_name": f"quote-{quote.pk}.pdf",
            "main_document_url": links["customer_verificate"],
            "extra_documents": [],
        }
        if signed
        else None,
        "signed_products": {
            "total_excluding_vat": 0,
            "total_including_vat": 0,
            "currency": "SEK",
            "products": [],
        }
        if signed
        else None,
        "statuses": ["signed"] if signed else [],
        "links": links,
    }


def quote_detail(request: HttpRequest, key: str) -> JsonResponse:
    if not _bearer_ok(request):
        return _unauthenticated()
    quote = SandboxQuote.objects.filter(key=key).first()
    if quote is None:
        return _not_found("Quote not found.")
    return JsonResponse(_detail(request, quote))


def quote_list(request: HttpRequest) -> JsonResponse:
    if not _bearer_ok(request):
        return _unauthenticated()
    quotes, errors = _filtered(request.GET)
    if errors:
        return _unprocessable(errors)
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    page = max(page, 1)
    total = quotes.count()
    last_page = max(1, -(-total // PER_PAGE))
    items = list(quotes[(page - 1) * PER_PAGE : page * PER_PAGE])
    base = request.build_absolute_uri(request.path)

    def page_url(number: int) -> str | None:
        return f"{base}?page={number}" if 1 <= number <= last_page else None

    first_index = (page - 1) * PER_PAGE + 1
    return JsonResponse(
        {
            "data": [_list_item(q) for q in items],
            "links": {
                "first": page_url(1),
                "last": page_url(last_page),
                "prev": page_url(page - 1),
                "next": page_url(page + 1),
            },
            "meta": {
                "current_page": page,
                "from": first_index if items else None,
                "to": first_index + len(items) - 1 if items else None,
                "last_page": last_page,
                "per_page": PER_PAGE,
                "total": total,
            },
        }
    )


def _filtered(query: Any) -> tuple[QuerySet[SandboxQuote], Errors]:
    errors: Errors = {}
    quotes = SandboxQuote.objects.all()
    for name, lookup in (
        ("created_from", "created_at__date__gte"),
        ("created_to", "created_at__date__lte"),
        ("updated_from", "updated_at__date__gte"),
        ("updated_to", "updated_at__date__lte"),
    ):
        value = query.get(name)
        if not value:
            continue
        if not _is_ymd(value):
            errors[name] = [f"The {_attr(name)} field must match the format Y-m-d."]
            continue
        quotes = quotes.filter(**{lookup: date.fromisoformat(value)})
    sort_by = query.get("sort_by") or "created_at"
    sort_order = query.get("sort_order") or "desc"
    if sort_by not in ("created_at", "updated_at"):
        errors["sort_by"] = ["The selected sort by is invalid."]
    if sort_order not in ("asc", "desc"):
        errors["sort_order"] = ["The selected sort order is invalid."]
    if not errors:
        sign = "-" if sort_order == "desc" else ""
        quotes = quotes.order_by(f"{sign}{sort_by}", f"{sign}id")
    return quotes, errors


# --- the customer's pages (links in the answers point here) -----------------------------------


def _page(title: str, body: str) -> HttpResponse:
    return HttpResponse(
        format_html(
            "<!doctype html><title>{} · SalesByte sandbox</title><h1>{}</h1>{}",
            title,
            title,
            body,
        )
    )


@csrf_exempt
def customer_view(request: HttpRequest, key: str) -> HttpResponse:
    quote = SandboxQuote.objects.filter(key=key).first()
    if quote is None:
        return HttpResponse("Quote not found.", status=404, content_type="text/plain")
    state = "Signed." if quote.signed_at else "Not signed yet."
    sign = reverse("sandbox:salesbyte-signed", args=[key])
    body = format_html(
        '<p>Quote {} for {}. {}</p><form method="post" action="{}">'
        '<button type="submit">Sign the quote</button></form>',
        quote.pk,
        quote.data.get("customer_name", ""),
        state,
        sign,
    )
    return _page("Your quote", body)


@csrf_exempt
def customer_signed(request: HttpRequest, key: str) -> HttpResponse:
    """The customer's signing: POST signs the quote (the sandbox's way to show signed)."""
    quote = SandboxQuote.objects.filter(key=key).first()
    if quote is None:
        return HttpResponse("Quote not found.", status=404, content_type="text/plain")
    if request.method == "POST" and quote.signed_at is None:
        quote_sign(quote)
    state = "signed" if quote.signed_at else "not signed yet"
    return _page("Quote verification", format_html("<p>Quote {} is {}.</p>", quote.pk, state))


def quote_sign(quote: SandboxQuote) -> None:
    now = timezone.now()
    quote.signed_at = now
    quote.updated_at = now
    quote.save(update_fields=["signed_at", "updated_at"])


def quote_edit(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = SandboxQuote.objects.filter(pk=quote_id).first()
    if quote is None:
        return HttpResponse("Quote not found.", status=404, content_type="text/plain")
    return _page(
        f"Quote {quote.pk}", format_html("<pre>{}</pre>", json.dumps(quote.data, indent=2))
    )
