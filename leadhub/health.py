"""Liveness (/healthz, no I/O) and readiness (/readyz: database and worker cluster).

Answered by the first middleware, before host validation, so a probe that addresses the
server by IP still gets an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

# The cluster's monitor refreshes its stats every few seconds; older means not running.
CLUSTER_STALE_SECONDS = 60


def liveness() -> JsonResponse:
    return JsonResponse({"status": "pass"})


def readiness() -> JsonResponse:
    checks: dict[str, dict[str, str]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"status": "pass"}
    except Exception as err:
        checks["database"] = {"status": "fail", "output": type(err).__name__}
    checks["cluster"] = _cluster_check()
    healthy = all(c["status"] == "pass" for c in checks.values())
    return JsonResponse(
        {"status": "pass" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )


def _cluster_check() -> dict[str, str]:
    try:
        from django_q.status import Stat

        stats = Stat.get_all()
    except Exception as err:
        return {"status": "fail", "output": type(err).__name__}
    now = time.time()
    fresh = [s for s in stats if now - s.timestamp.timestamp() < CLUSTER_STALE_SECONDS]
    if not fresh:
        return {"status": "fail", "output": "no worker cluster seen in the last minute"}
    return {"status": "pass", "output": f"{len(fresh)} cluster(s) running"}


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            return liveness()
        if path == "/readyz":
            return readiness()
        return self.get_response(request)
