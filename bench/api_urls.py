"""LeadHub's URLs and a bare Django view that inserts one row: the API benchmark's baseline."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadhub.urls import urlpatterns as leadhub_urls

BARE_TABLE = "bench_api_bare"


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    """What any Django view that takes JSON and saves it costs: parse, one INSERT, answer."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BARE_TABLE} (body) VALUES (%s) RETURNING id",  # noqa: S608
            [json.dumps(body)],
        )
        (row_id,) = cursor.fetchone() or (0,)
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/bare", bare_insert), *leadhub_urls]
