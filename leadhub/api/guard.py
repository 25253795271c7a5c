"""What every API request passes before any view: body size, JSON only, a per-key rate,
and the same answer for a retried POST (idempotency)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django_redis.cache import RedisCache  # type: ignore[import-untyped]

from leadhub.api.errors import ApiError, error_response
from leadhub.api.models import ApiKey, IdempotentAnswer

API_PREFIX = "/api/v1/"
# Posted as an HTML form (the web-to-lead endpoints, to its route or to a destination under
# it), not JSON.
FORM_PATH = "/api/v1/forms"
IDEMPOTENCY_WINDOW = timedelta(hours=24)
IDEMPOTENCY_KEY_MAX = 255


class ApiGuardMiddleware:
    """For /api/v1/ only: refuse a body over API_MAX_BODY_BYTES before it is read, refuse
    a body that is not JSON, and turn Django's own HTML error pages into JSON errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = self._refused(request)
        response = refused or self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return _as_json(response)
        return response

    def _refused(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "bad_request", "Content-Length is not a number.")
        if length > settings.API_MAX_BODY_BYTES:
            return error_response(
                413,
                "body_too_large",
                f"The body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
            )
        if request.method in {"POST", "PUT", "PATCH"} and length:
            content_type = request.content_type or ""
            wanted = (
                {"application/x-www-form-urlencoded", "multipart/form-data"}
                if request.path == FORM_PATH or request.path.startswith(f"{FORM_PATH}/")
                else {"application/json"}
            )
            if content_type not in wanted:
                return error_response(
                    415,
                    "unsupported_media_type",
                    f"Send the body as {' or '.join(sorted(wanted))}.",
                )
        return None


def _as_json(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    code = {
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        400: "bad_request",
        403: "forbidden",
    }.get(status, "internal_error" if status >= 500 else "error")
    answer = error_response(status, code, response.reason_phrase or code)
    if "Allow" in response:
        answer["Allow"] = response["Allow"]
    return answer


def rate_limit_check(key: ApiKey) -> None:
    """Count a request against the key's window; 429 with Retry-After past the limit."""
    limit, window = settings.API_RATE_LIMIT, settings.API_RATE_WINDOW
    if limit <= 0:
        return
    now = time.time()
    slot = int(now // window)
    count = _window_count(f"api-rate:{key.prefix}:{slot}", timeout=window + 1)
    if count > limit:
        retry_after = max(1, int((slot + 1) * window - now + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            f"More than {limit} requests in {window} s with this key; wait {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def _window_count(name: str, *, timeout: int) -> int:
    """Count one more request in the window ``name``; its count now. On Redis (django-redis)
    one round trip: SET NX with the expiry, then INCR, pipelined. Other caches: add, incr."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        redis_key = backend.make_key(name)
        pipe = backend.client.get_client(write=True).pipeline(transaction=False)
        pipe.set(redis_key, 0, ex=timeout, nx=True)
        pipe.incr(redis_key)
        return int(pipe.execute()[1])
    backend.add(name, 0, timeout=timeout)
    try:
        return int(backend.incr(name))
    except ValueError:  # expired between add and incr
        backend.set(name, 1, timeout=timeout)
        return 1


Answer = tuple[int, dict[str, Any]]


def _json(status: int, body: dict[str, Any], replayed: bool = False) -> JsonResponse:
    response = JsonResponse(body, status=status, encoder=DjangoJSONEncoder)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request: HttpRequest, key: ApiKey, run: Callable[[], Answer]) -> JsonResponse:
    """Run ``run`` once per Idempotency-Key: a retry gets the first answer for 24 h, the
    same key with another request a 409. The answer is kept in the transaction that saves
    the lead, so concurrent retries wait on the first one's row and get its answer."""
    header = request.headers.get("Idempotency-Key")
    if header is None:
        return _json(*run())
    if not header.strip() or len(header) > IDEMPOTENCY_KEY_MAX:
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters.",
        )
    fingerprint = hashlib.sha256(
        b"\0".join(
            [(request.method or "").encode(), request.get_full_path().encode(), request.body or b""]
        )
    ).hexdigest()
    with transaction.atomic():
        IdempotentAnswer.objects.filter(
            api_key=key, key=header, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotentAnswer.objects.create(
                    api_key=key, key=header, request_hash=fingerprint
                )
        except IntegrityError:
            # Another request holds this key: its transaction has committed by now (the
            # insert waited for it), so its answer is there to read.
            first = IdempotentAnswer.objects.get(api_key=key, key=header)
            if first.request_hash != fingerprint:
                raise ApiError(
                    409,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with another request in the last 24 h.",
                ) from None
            return _json(first.status_code, first.body, replayed=True)
        status, body = run()
        response = _json(status, body)
        record.status_code = status
        record.body = json.loads(response.content)  # as sent: the replay sends the same
        record.save(update_fields=["status_code", "body"])
    return response
