"""HTTP to vendors: the one module that imports ``requests``.

One guarded session per process (no redirects, no transport retries, every socket's peer
checked against the addresses vendors may have), answers read up to a cap, and every
transport failure turned into a ``VendorError`` naming its condition. It knows nothing of
vendors, credentials or the database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from vendors.hosts import UnsafeVendorHost, address_refusal
from vendors.outcomes import Condition, Outcome
from vendors.results import VendorError, VendorResponse

USER_AGENT = "LeadHub/0.1 (+https://github.com/leadhub)"


class _PeerCheck:
    """Refuses a socket whose peer is an address vendors may not have (see vendors.hosts).

    The URL was checked before sending; this catches a name that resolved differently by
    the time the connection was made (DNS rebinding). Tunnelled proxy connections are left
    alone: their peer is the proxy."""

    host: str
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]  # a mixin: the urllib3 connection's connect
        if getattr(self, "_tunnel_host", None) or self.sock is None:
            return
        reason = address_refusal(str(self.sock.getpeername()[0]))
        if reason:
            self.sock.close()
            self.sock = None
            raise UnsafeVendorHost(f"The vendor host {self.host} connected to {reason}.")


class _GuardedHTTPConnection(_PeerCheck, urllib3.connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_PeerCheck, urllib3.connection.HTTPSConnection):
    pass


class _GuardedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


_sessions: dict[int, requests.Session] = {}


def http_session() -> requests.Session:
    """One Session per process, created after django-q2 forks its workers."""
    session = _sessions.get(os.getpid())
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        # No transport-level retries: a POST is never repeated behind the outbox's back.
        adapter = _GuardedAdapter(pool_connections=8, pool_maxsize=16, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _sessions[os.getpid()] = session
    return session


def refused_host(err: UnsafeVendorHost) -> VendorError:
    return VendorError(
        f"LeadHub refused to send: {err} Fix the connection's base URL.",
        outcome=Outcome.REJECTED,
    )


def http_request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> VendorResponse:
    """Make one request and read its answer up to ``VENDOR_MAX_RESPONSE_BYTES``.

    Raises ``VendorError`` for every transport failure, naming what it means for delivery:
    nothing sent (unreachable) or sent without an answer (no answer).
    """
    timeout = (settings.VENDOR_CONNECT_TIMEOUT, settings.VENDOR_READ_TIMEOUT)
    try:
        with http_session().request(
            method,
            url,
            params=params,
            json=json,
            headers=dict(headers or {}),
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as raw:
            if "charset=" not in raw.headers.get("Content-Type", "").lower():
                # requests reads text/* without a charset as ISO-8859-1 (RFC 2616's default,
                # dropped since); vendors write UTF-8.
                raw.encoding = None
            text, truncated = read_capped(raw, settings.VENDOR_MAX_RESPONSE_BYTES)
            return VendorResponse(
                status_code=raw.status_code,
                # Header names are case-insensitive (RFC 9110 §5.1): "retry-after" is
                # Retry-After.
                headers=CaseInsensitiveDict(raw.headers),
                text=text,
                truncated=truncated,
            )
    except UnsafeVendorHost as err:
        raise refused_host(err) from err
    except requests.RequestException as err:
        message, condition = transport_failure(err)
        raise VendorError(message, condition=condition) from err


def transport_failure(err: requests.RequestException) -> tuple[str, Condition]:
    """What went wrong on the wire, in plain words, and whether the vendor may have the lead."""
    if isinstance(err, requests.ConnectTimeout):
        return "The vendor could not be reached in time (connect timeout).", Condition.UNREACHABLE
    if isinstance(err, requests.ReadTimeout):
        return "The vendor took the request but did not answer in time.", Condition.NO_ANSWER
    if isinstance(
        err, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return "The vendor's answer broke off before it was complete.", Condition.NO_ANSWER
    if isinstance(err, requests.ConnectionError):
        if _never_connected(err):
            message = "The vendor could not be reached (connection refused or host unknown)."
            return message, Condition.UNREACHABLE
        return "The connection to the vendor dropped before it answered.", Condition.NO_ANSWER
    # Bad URL, bad header...: raised before anything was sent.
    return f"The request to the vendor failed: {type(err).__name__}.", Condition.UNREACHABLE


def read_capped(raw: requests.Response, limit: int) -> tuple[str, bool]:
    """The body as text, read no further than ``limit`` bytes; and whether it was cut."""
    chunks: list[bytes] = []
    size = 0
    truncated = False
    for chunk in raw.iter_content(chunk_size=65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            truncated = True
            break
    content = b"".join(chunks)[:limit]
    encoding = raw.encoding or "utf-8"
    try:
        text = content.decode(encoding, errors="replace")
    except LookupError:
        text = content.decode("utf-8", errors="replace")
    return text, truncated


def _never_connected(err: requests.ConnectionError) -> bool:
    reason: Any = err.args[0] if err.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
