"""SalesByte's Quotes API, simulated: the quote list and one quote, behind a Bearer token."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse

from sandbox.models import SandboxCredential, SandboxQuote
from sandbox.salesbyte.responses import not_found, quote_links, unprocessable
from sandbox.salesbyte.validation import Errors, attribute_name, is_ymd
from sandbox.seed import SALESBYTE_QUOTE_PROFILES, SALESBYTE_QUOTE_TEMPLATES, SALESBYTE_SALESPEOPLE

API_VENDOR = "salesbyte_api"  # the Quotes API's tokens, kept apart from integration uuids
PER_PAGE = 10


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
    links = quote_links(request, quote)
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
        return not_found("Quote not found.")
    return JsonResponse(_detail(request, quote))


def quote_list(request: HttpRequest) -> JsonResponse:
    if not _bearer_ok(request):
        return _unauthenticated()
    quotes, errors = _filtered(request.GET)
    if errors:
        return unprocessable(errors)
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
        if not is_ymd(value):
            errors[name] = [f"The {attribute_name(name)} field must match the format Y-m-d."]
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
