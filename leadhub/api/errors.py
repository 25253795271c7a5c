"""Every API error is a JSON object with a stable ``code`` (docs/api.md lists them)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from leadhub.api.keys import KeyRefused

logger = logging.getLogger(__name__)

# What pydantic calls a problem → the code the API promises.
PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "json_invalid": "malformed_json",
    "too_long": "too_many",
    "too_short": "too_few",
    "ip_any_address": "invalid_ip_address",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.errors, self.headers, self.extra = list(errors), headers or {}, extra

    def response(self) -> JsonResponse:
        return error_response(
            self.status,
            self.code,
            self.message,
            errors=self.errors,
            headers=self.headers,
            **self.extra,
        )


def error_body(
    code: str, message: str, *, errors: Sequence[dict[str, Any]] = (), **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    if errors:
        body["error"]["errors"] = list(errors)
    return body


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, errors=errors, **extra), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _location(loc: Sequence[Any]) -> str | None:
    parts = [p for p in loc if p not in ("body", "payload", "query", "path")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def validation_errors(raw: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for error in raw:
        kind = str(error.get("type", "invalid"))
        found.append(
            {
                "field": _location(error.get("loc", ())),
                "destination": None,
                "code": PYDANTIC_CODES.get(kind, "wrong_type" if kind.endswith("_type") else kind),
                "message": str(error.get("msg", "Invalid value.")),
            }
        )
    return found


def errors_install(api: NinjaAPI) -> None:
    """Answer every exception the API can meet with a JSON error object."""

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return exc.response()

    def on_key_refused(request: HttpRequest, exc: KeyRefused) -> HttpResponse:
        return error_response(401, exc.code, exc.message, headers={"WWW-Authenticate": "Bearer"})

    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            401,
            "missing_api_key",
            "Send an API key: Authorization: Bearer lh_live_…",
            headers={"WWW-Authenticate": "Bearer"},
        )

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = validation_errors(exc.errors)
        if any(e["code"] == "malformed_json" for e in errors):
            return error_response(400, "malformed_json", "The body is not valid JSON.")
        return error_response(
            422, "invalid_request", "The request has errors; see errors.", errors=errors
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and "parse request body" in str(exc):
            return error_response(400, "malformed_json", "The body is not valid JSON.")
        code = {400: "bad_request", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", "No such object, or the key may not see it.")

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(413, "body_too_large", "The body is too large.")

    def on_anything(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged through the redacting handlers; the answer names no detail.
        logger.exception("API error on %s", request.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")

    handlers: list[tuple[type[Exception], Any]] = [
        (ApiError, on_api_error),
        (KeyRefused, on_key_refused),
        (AuthenticationError, on_unauthenticated),
        (ValidationError, on_validation),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (Exception, on_anything),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)
