"""Test-only endpoints for answers the sandbox does not give: redirects, huge and binary bodies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from leadhub.urls import urlpatterns as leadhub_urls

hits: list[str] = []


@csrf_exempt
def redirect(request: HttpRequest) -> HttpResponse:
    hits.append("redirect")
    return HttpResponseRedirect("/hostile/target")


@csrf_exempt
def target(request: HttpRequest) -> HttpResponse:
    hits.append("target")
    return HttpResponse('{"status": "Success"}', content_type="application/json")


@csrf_exempt
def huge(request: HttpRequest) -> HttpResponse:
    return HttpResponse("x" * 300_000, content_type="text/plain", status=500)


@csrf_exempt
def binary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(bytes(range(256)) * 64, content_type="application/octet-stream", status=502)


urlpatterns = [
    path("hostile/restapi/v1.2/leads", redirect),
    path("hostile/target", target),
    path("huge/restapi/v1.2/leads", huge),
    path("binary/restapi/v1.2/leads", binary),
    *leadhub_urls,
]
