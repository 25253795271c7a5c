"""Fault injection for every vendor the sandbox simulates.

A ``SandboxFault`` row says: the next N requests whose path starts with a prefix (one
connection's base URL, say ``/sandbox/leadbyte/``) fail in a given way. The middleware
below sits in front of every view under ``/sandbox/``, so a vendor simulator added later
gets every fault mode without a line of its own. Where a fault has to speak the vendor's
language (its error body under HTTP 200, its expired-token answer), the vendor's sandbox
module may declare ``FAULT_RESPONSES = {mode: (status, json_body)}``; otherwise a plain
generic answer is used.

Use ``sandbox_fault_set`` from tests and the "Sandbox faults" admin page by hand.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from sandbox.models import FaultMode, SandboxFault

logger = logging.getLogger(__name__)

SANDBOX_PREFIX = "/sandbox/"

GENERIC_RESPONSES: dict[str, tuple[int, dict[str, Any]]] = {
    FaultMode.ERROR_200: (200, {"status": "error", "message": "Temporary failure, try later"}),
    FaultMode.EXPIRED_TOKEN: (401, {"status": "error", "message": "Invalid or expired token"}),
}

HTML_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    "<h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p>"
    "<hr><p>nginx</p></body></html>"
)


def sandbox_fault_set(
    target: Any,
    mode: str,
    count: int = 1,
    *,
    method: str = "",
    retry_after: int = 30,
    delay_seconds: float | None = None,
) -> SandboxFault:
    """Make the next ``count`` requests to ``target`` fail as ``mode``.

    ``target`` is a path prefix (``/sandbox/leadbyte/``), a URL, or anything with a
    ``base_url`` (a Connection).
    """
    return SandboxFault.objects.create(
        path_prefix=fault_prefix(target),
        mode=FaultMode(mode),
        remaining=count,
        method=method.upper(),
        retry_after=retry_after,
        delay_seconds=delay_seconds,
    )


def sandbox_faults_clear() -> None:
    SandboxFault.objects.all().delete()


def fault_prefix(target: Any) -> str:
    if hasattr(target, "base_url"):  # a connection: everything under its base URL
        path = urlsplit(str(target.base_url)).path
        return path if path.endswith("/") else path + "/"
    value = str(target)
    return urlsplit(value).path if "://" in value else value


def fault_take(path: str, method: str) -> SandboxFault | None:
    """The fault this request falls under, counted off atomically (one winner per count)."""
    for fault in SandboxFault.objects.filter(remaining__gt=0).order_by("-id"):
        if not path.startswith(fault.path_prefix):
            continue
        if fault.method and fault.method != method.upper():
            continue
        taken = SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1, hits=F("hits") + 1
        )
        if taken:
            return fault
    return None


def _vendor_response(kind: str, mode: str) -> tuple[int, dict[str, Any]]:
    try:
        module = importlib.import_module(f"sandbox.{kind}")
    except ImportError:
        module = None
    responses = getattr(module, "FAULT_RESPONSES", {}) if module else {}
    return responses.get(mode) or GENERIC_RESPONSES[mode]


def client_socket(environ: dict[str, Any]) -> socket.socket | None:
    """The client's socket behind a WSGI request (gunicorn, runserver, the live server)."""
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    obj: Any = environ.get("wsgi.input")
    for _ in range(8):
        if obj is None or isinstance(obj, socket.socket):
            return obj
        # Django's LimitedStream keeps only the bound read method of the stream it wraps;
        # then BufferedReader.raw → SocketIO._sock.
        reader = getattr(obj, "_read", None)
        obj = (
            getattr(obj, "_sock", None)
            or getattr(obj, "raw", None)
            or getattr(obj, "stream", None)
            or getattr(reader, "__self__", None)
        )
    return None


def _reset(request: HttpRequest) -> HttpResponse:
    sock = client_socket(request.environ)
    if sock is None:
        # The test client has no socket: say so rather than pretend.
        return HttpResponse("The sandbox cannot drop this connection.", status=500)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    # The server's attempt to write this goes nowhere: the client saw the connection close.
    response = HttpResponse(b"", status=500)
    response["Connection"] = "close"
    return response


def _truncated(response: HttpResponse) -> HttpResponse:
    body = response.content
    cut = HttpResponse(
        body[: max(1, len(body) // 2)],
        status=response.status_code,
        content_type=response.get("Content-Type", "application/json"),
    )
    return cut


def fault_response(
    fault: SandboxFault, request: HttpRequest, get_response: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    mode = fault.mode
    kind = request.path_info[len(SANDBOX_PREFIX) :].split("/", 1)[0]
    logger.info("sandbox fault %s on %s %s", mode, request.method, request.path_info)
    if mode in (FaultMode.HTTP_500, FaultMode.HTTP_502, FaultMode.HTTP_503):
        status = int(mode.split("_")[1])
        return HttpResponse(
            f"Sandbox fault: HTTP {status}", status=status, content_type="text/plain"
        )
    if mode == FaultMode.RATE_LIMITED:
        response = JsonResponse({"message": "Too many requests"}, status=429)
        response["Retry-After"] = str(fault.retry_after)
        return response
    if mode == FaultMode.HTML_ERROR:
        return HttpResponse(HTML_ERROR_PAGE, status=502, content_type="text/html")
    if mode in (FaultMode.ERROR_200, FaultMode.EXPIRED_TOKEN):
        status, body = _vendor_response(kind, mode)
        return HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if mode == FaultMode.RESET:
        return _reset(request)
    if mode == FaultMode.SLOW:
        # The vendor takes the lead at once; only its answer comes too late.
        response = get_response(request)
        delay = fault.delay_seconds
        if delay is None:
            delay = float(settings.VENDOR_READ_TIMEOUT) + 1.0
        time.sleep(delay)
        return response
    if mode == FaultMode.TRUNCATED:
        return _truncated(get_response(request))
    if mode == FaultMode.DRIP:
        return _drip(get_response(request), fault.delay_seconds or 1.0)
    if mode == FaultMode.DEEP_JSON:
        get_response(request)  # the vendor takes the lead; only its answer is hostile
        return HttpResponse(DEEP_JSON, status=200, content_type="application/json")
    if mode == FaultMode.ECHO:
        return _echo(request)
    return get_response(request)


# Valid JSON that a recursive parser cannot read: 100,000 nested arrays.
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def _drip(response: HttpResponse, seconds_per_byte: float) -> StreamingHttpResponse:
    """The real answer, one byte at a time: every socket read succeeds, the whole never ends."""
    body = response.content

    def bytes_slowly() -> Iterator[bytes]:
        for index in range(len(body)):
            yield body[index : index + 1]
            time.sleep(seconds_per_byte)

    dripped = StreamingHttpResponse(
        bytes_slowly(),
        status=response.status_code,
        content_type=response.get("Content-Type", "application/json"),
    )
    return dripped


def _echo(request: HttpRequest) -> JsonResponse:
    """A vendor that quotes the request back in its error, raw and decoded.

    The raw forms carry credentials as they travelled (percent-encoded, JSON-escaped); the
    decoded forms carry them in clear. JsonResponse escapes non-ASCII as \\uXXXX.
    """
    raw_line = f"{request.method} {request.get_full_path()}"
    raw_body = request.body.decode("utf-8", "replace")
    try:
        decoded_body = json.dumps(json.loads(raw_body), ensure_ascii=False)
    except ValueError:
        decoded_body = unquote_plus(raw_body)
    headers = {name: value for name, value in request.headers.items()}
    message = (
        f"Bad request {raw_line} ({unquote_plus(raw_line)}); body {raw_body} ({decoded_body}); "
        f"headers {headers}"
    )
    return JsonResponse(
        {
            "status": "error",
            "message": message,
            "error": message,
            "request": {
                "line": raw_line,
                "decoded_line": unquote_plus(raw_line),
                "headers": headers,
                "body": raw_body,
                "decoded_body": decoded_body,
            },
        },
        status=400,
    )


class SandboxFaultMiddleware:
    """Apply the pending fault, if any, to requests under /sandbox/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(SANDBOX_PREFIX):
            return self.get_response(request)
        fault = fault_take(request.path_info, request.method or "GET")
        if fault is None:
            return self.get_response(request)
        return fault_response(fault, request, self.get_response)
