"""HTTP to vendors: the one module that imports ``requests``.

One guarded session per process (no redirects, no transport retries, every socket's peer
checked against the addresses vendors may have), answers read up to a cap, every exchange
within a wall-clock deadline, and every transport failure turned into a ``VendorError``
naming its condition. It knows nothing of vendors, credentials or the database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from vendors.hosts import UnsafeVendorHost, address_refusal
from vendors.http_environment import host_environment
from vendors.outcomes import Condition, Outcome
from vendors.results import VendorError, VendorResponse

USER_AGENT = "LeadHub/0.1 (+https://github.com/leadhub)"
CHUNK = 65536


class Deadline:
    """The wall-clock end of one exchange, enforced on the socket it runs on.

    A timer shuts the socket down when the time is up, whatever the exchange is doing then
    (connecting, sending, waiting for the status line, reading the body): a blocked read
    returns at once. The connection registers itself (``_DeadlineWatch``) each time it
    connects or sends a request, so a pooled connection is watched as well as a new one.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passed = False
        self._lock = threading.Lock()
        self._connection: Any = None
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()
        _current.deadline = None

    def finish(self) -> None:
        """The exchange is over: its connection may go back to the pool, where a timer firing
        late must not cut it under the next exchange (another thread's, perhaps)."""
        with self._lock:
            self._timer.cancel()
            self._connection = None

    def watch(self, connection: Any) -> bool:
        """Watch ``connection``; False when the time is already up (send nothing more)."""
        with self._lock:
            self._connection = connection
            return not self.passed

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            sock = getattr(self._connection, "sock", None)
            if sock is not None:
                # socket.socket's own shutdown: an SSL socket's would also drop its TLS state
                # under the reading thread's feet. Already closed: nothing to cut.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Current(threading.local):
    deadline: Deadline | None = None


_current = _Current()


class AnswerCut(Exception):
    """The deadline passed while the body was being read; ``text`` is what had arrived."""

    def __init__(self, text: str) -> None:
        super().__init__("the answer was cut at the deadline")
        self.text = text


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


class _DeadlineWatch:
    """Registers the connection with the exchange's deadline; refuses to start sending once
    it has passed (as a connect timeout: nothing reached the vendor)."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]  # a mixin: the urllib3 connection's connect
        self._watched()

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._watched()
        super().request(*args, **kwargs)  # type: ignore[misc]  # the urllib3 connection's

    def _watched(self) -> None:
        deadline = _current.deadline
        if deadline is not None and not deadline.watch(self):
            if self.sock is not None:
                self.sock.close()
                self.sock = None
            raise ConnectTimeoutError(self, "The exchange's deadline passed before sending.")


class _GuardedHTTPConnection(_DeadlineWatch, _PeerCheck, urllib3.connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_DeadlineWatch, _PeerCheck, urllib3.connection.HTTPSConnection):
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
        # The environment's proxy and CA settings are read once per host (vendors.http_environment),
        # not on every request: requests would walk os.environ each time. A ~/.netrc is
        # never read: its passwords are not a vendor's credentials.
        session.trust_env = False
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
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    deadline: float | None = None,
) -> VendorResponse:
    """Make one request and read its answer up to ``VENDOR_MAX_RESPONSE_BYTES``, all within
    ``deadline`` seconds (``VENDOR_DEADLINE`` when None). ``data`` is a body sent byte for
    byte (a signed webhook), instead of ``json``.

    Raises ``VendorError`` for every transport failure, naming what it means for delivery:
    nothing sent (unreachable) or sent without an answer (no answer). An answer cut at the
    deadline travels on the error as ``partial``.
    """
    seconds = float(settings.VENDOR_DEADLINE if deadline is None else deadline)
    timeout = (
        min(settings.VENDOR_CONNECT_TIMEOUT, seconds),
        min(settings.VENDOR_READ_TIMEOUT, seconds),
    )
    unsendable = [name for name, value in (headers or {}).items() if not _latin1(value)]
    if unsendable:
        # http.client would raise mid-request: HTTP headers carry Latin-1 only (RFC 9110 §5.5).
        raise VendorError(
            f"LeadHub could not send the request: the {', '.join(unsendable)} header holds "
            "characters HTTP headers cannot carry. Check the connection's credentials.",
            outcome=Outcome.REJECTED,
        )
    status_code: int | None = None
    answer_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    proxies, verify = host_environment(url)
    with Deadline(seconds) as watch:
        try:
            with http_session().request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=dict(headers or {}),
                timeout=timeout,
                allow_redirects=False,
                stream=True,
                proxies=proxies,
                verify=verify,
            ) as raw:
                status_code = raw.status_code
                # Header names are case-insensitive (RFC 9110 §5.1): "retry-after" is
                # Retry-After.
                answer_headers = CaseInsensitiveDict(raw.headers)
                if "charset=" not in raw.headers.get("Content-Type", "").lower():
                    # requests reads text/* without a charset as ISO-8859-1 (RFC 2616's
                    # default, dropped since); vendors write UTF-8.
                    raw.encoding = None
                text, truncated = read_capped(raw, settings.VENDOR_MAX_RESPONSE_BYTES, watch)
                watch.finish()  # before the connection goes back to the pool
                return VendorResponse(
                    status_code=raw.status_code,
                    headers=answer_headers,
                    text=text,
                    truncated=truncated,
                )
        except AnswerCut as cut:
            assert status_code is not None  # only a body being read is cut
            partial = VendorResponse(status_code, answer_headers, cut.text, truncated=True)
            raise VendorError(
                deadline_message(seconds), condition=Condition.NO_ANSWER, partial=partial
            ) from cut
        except UnsafeVendorHost as err:
            raise refused_host(err) from err
        except requests.RequestException as err:
            message, condition = transport_failure(err)
            if watch.passed and condition is Condition.NO_ANSWER:
                message = deadline_message(seconds)
            raise VendorError(message, condition=condition) from err


def _latin1(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def deadline_message(seconds: float) -> str:
    return f"The vendor did not finish answering within {seconds:g} s."


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


def read_capped(
    raw: requests.Response, limit: int, deadline: Deadline | None = None
) -> tuple[str, bool]:
    """The body as text, read no further than ``limit`` bytes; and whether it was cut.

    With a ``deadline``, raises ``AnswerCut`` with what had arrived once it passes.
    """
    chunks: list[bytes] = []
    size = 0
    truncated = False
    try:
        for chunk in _chunks(raw, deadline):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                truncated = True
                break
    except requests.RequestException as err:
        if deadline is not None and deadline.passed:
            raise AnswerCut(_decoded(raw, chunks, limit)) from err
        raise
    if deadline is not None and deadline.passed and not truncated:
        # The socket was shut under the last read: an end that is not the answer's.
        raise AnswerCut(_decoded(raw, chunks, limit))
    return _decoded(raw, chunks, limit), truncated


def _chunks(raw: requests.Response, deadline: Deadline | None) -> Iterator[bytes]:
    """The body in chunks as they arrive; with a deadline, whatever each read brings (a
    full-sized read would wait for 64 KiB), stopping once it has passed. urllib3's errors
    become requests' ones, as ``iter_content`` raises them."""
    if deadline is None:
        yield from raw.iter_content(chunk_size=CHUNK)
        return
    try:
        while not deadline.passed:
            chunk = raw.raw.read1(CHUNK, decode_content=True)
            if not chunk:
                return
            yield chunk
    except ProtocolError as err:
        raise requests.exceptions.ChunkedEncodingError(err) from err
    except DecodeError as err:
        raise requests.exceptions.ContentDecodingError(err) from err
    except ReadTimeoutError as err:
        raise requests.ReadTimeout(err) from err
    except urllib3.exceptions.SSLError as err:
        raise requests.exceptions.SSLError(err) from err


def _decoded(raw: requests.Response, chunks: list[bytes], limit: int) -> str:
    content = b"".join(chunks)[:limit]
    encoding = raw.encoding or "utf-8"
    try:
        return content.decode(encoding, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


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
