"""The customer's quote pages that SalesByte's links point at: view, sign and edit."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from sandbox.models import SandboxQuote


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
