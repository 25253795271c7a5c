"""A strict Content-Security-Policy for the test server, unless the app already sends one.

Browser tests check that no page breaks the policy. The policy the product deploys is
the app's own; until a response carries one, this adds the strictest sensible one, so the
check is never vacuous.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

STRICT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


class StrictCSPMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not any(header in response for header in HEADERS):
            response["Content-Security-Policy"] = STRICT_POLICY
        return response
