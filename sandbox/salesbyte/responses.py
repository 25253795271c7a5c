"""The answers both SalesByte APIs share: Laravel's 422 and 404 bodies and a quote's links."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from sandbox.models import SandboxQuote
from sandbox.salesbyte.validation import Errors


def unprocessable(errors: Errors) -> JsonResponse:
    first = next(iter(errors.values()))[0]
    more = sum(len(m) for m in errors.values()) - 1
    if more:
        first += f" (and {more} more error{'s' if more > 1 else ''})"
    return JsonResponse({"message": first, "errors": errors}, status=422)


def not_found(message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=404)


def quote_links(request: HttpRequest, quote: SandboxQuote) -> dict[str, str]:
    view = request.build_absolute_uri(reverse("sandbox:salesbyte-view", args=[quote.key]))
    return {
        "edit": request.build_absolute_uri(reverse("sandbox:salesbyte-edit", args=[quote.pk])),
        "customer_view": view,
        "customer_verificate": request.build_absolute_uri(
            reverse("sandbox:salesbyte-signed", args=[quote.key])
        ),
        "customer_project_approval": f"{view}?project_approval=1",
    }
