"""The vendor adapter base: every vendor call runs build → send → parse.

This is the only module that imports ``requests``. A vendor module subclasses
``VendorAdapter`` and fills in ``build_request`` and ``parse_response`` (and, where the
vendor's error bodies need it, ``raise_for_status``); the base sends, times, caps and
redacts every HTTP exchange, and turns transport failures into outcomes.

Vendor failures are results, never crashes: ``submit`` always returns a ``Delivery``
whose ``result.outcome`` is one of the closed ``Outcome`` vocabulary.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from vendors.fieldspec import FieldSpec, FieldType
from vendors.hosts import (
    UnresolvableVendorHost,
    UnsafeVendorHost,
    address_refusal,
    check_vendor_url,
)
from vendors.outcomes import (
    Condition,
    Outcome,
    condition_for_status,
    outcome_for,
    rule_for,
)
from vendors.redaction import Redactor, remember_secrets

__all__ = ["Condition", "Outcome"]  # re-exported: vendor modules import them from here

USER_AGENT = "LeadHub/0.1 (+https://github.com/leadhub)"


@dataclass
class VendorRequest:
    method: str
    path: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # What a preparatory exchange (a login) did, shown on its attempt when it succeeds.
    purpose: str = ""


@dataclass
class VendorResponse:
    status_code: int
    headers: Mapping[str, str]
    text: str
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or a VendorError saying the answer was not JSON."""
        try:
            return json.loads(self.text)
        except ValueError as err:
            raise VendorError(
                f"The vendor answered HTTP {self.status_code} with a body that is not JSON.",
                condition=(
                    Condition.SERVER_ERROR
                    if self.status_code >= 500
                    else Condition.UNREADABLE_ANSWER
                ),
                status_code=self.status_code,
            ) from err


@dataclass
class VendorResult:
    outcome: Outcome
    message: str
    reference: str = ""
    code: str = ""
    links: dict[str, str] = field(default_factory=dict)
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None
    # The condition behind the outcome (vendors.outcomes); inferred from it when not given.
    condition: str = ""

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)  # refuses anything outside the vocabulary
        self.condition = Condition(self.condition or _DEFAULT_CONDITION[self.outcome])

    @property
    def pauses_connection(self) -> bool:
        return rule_for(self.condition).pauses_connection

    @property
    def trips_breaker(self) -> bool:
        return self.outcome in (Outcome.TRANSIENT, Outcome.UNCERTAIN) and (
            rule_for(self.condition).trips_breaker
        )


# For results and errors that name only an outcome (the condition is then the plainest one).
_DEFAULT_CONDITION: dict[Outcome, Condition] = {
    Outcome.ACCEPTED: Condition.ACCEPTED,
    Outcome.QUARANTINED: Condition.QUARANTINED,
    Outcome.DUPLICATE: Condition.DUPLICATE,
    Outcome.REJECTED: Condition.REFUSED,
    Outcome.TRANSIENT: Condition.VENDOR_TROUBLE,
    Outcome.UNCERTAIN: Condition.NO_ANSWER,
}


@dataclass
class OutcomeCheck:
    """What a vendor says later about a lead it took (LeadByte's queue: Valid, Invalid...)."""

    label: str  # the vendor's own word, shown on the submission
    outcome: Outcome  # accepted, quarantined or rejected
    final: bool  # no need to ask again
    message: str = ""
    code: str = ""


@dataclass
class Exchange:
    """One HTTP exchange, redacted and ready to be stored as an Attempt."""

    request: dict[str, Any]
    status_code: int | None
    response_body: str
    duration_ms: int
    error: str = ""
    started_at: datetime | None = None
    purpose: str = ""


@dataclass
class Delivery:
    """What one ``submit`` came to: the result and every exchange it took."""

    result: VendorResult
    exchanges: list[Exchange]


class VendorError(Exception):
    """A vendor call that failed.

    Name the ``condition`` (vendors.outcomes) and the table decides the outcome for the
    adapter at hand; an explicit ``outcome`` alone is still accepted (the condition is then
    inferred from it). Neither means a rejection.
    """

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome | None = None,
        condition: Condition | None = None,
        status_code: int | None = None,
        code: str = "",
        field_errors: dict[str, list[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.condition = Condition(condition) if condition else None
        if outcome is not None:
            self.outcome = Outcome(outcome)
        elif self.condition is not None:
            # Provisional (the cautious column) until ``judged_for`` knows the adapter.
            self.outcome = rule_for(self.condition).without_dedupe
        else:
            self.outcome = Outcome.REJECTED
        self.status_code = status_code
        self.code = code
        self.field_errors = field_errors or {}
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.outcome is Outcome.TRANSIENT

    def judged_for(self, adapter: Any) -> VendorError:
        """Settle the outcome from the table for this adapter (when a condition was named)."""
        if self.condition is not None:
            self.outcome = outcome_for(self.condition, adapter)
        return self

    def as_result(self) -> VendorResult:
        return VendorResult(
            outcome=self.outcome,
            message=self.message,
            code=self.code,
            field_errors=self.field_errors,
            retry_after=self.retry_after,
            condition=self.condition or "",
        )


@dataclass(frozen=True)
class Operation:
    """One documented vendor endpoint that LeadHub sends leads to."""

    name: str
    label: str
    fields: tuple[FieldSpec, ...] = ()
    uses_campaign: bool = False
    # Started from a lead's page about a lead the vendor already has (a Getlead note),
    # never offered as a destination.
    follow_up: bool = False


class _PeerCheck:
    """Refuses a socket whose peer is an address vendors may not have (see vendors.hosts).

    The URL was checked before sending; this catches a name that resolved differently by
    the time the connection was made (DNS rebinding). Tunnelled proxy connections are left
    alone: their peer is the proxy."""

    host: str
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
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


_STATUS_MESSAGES = {
    401: "The vendor refused the credentials (HTTP 401).",
    403: "The vendor refused access (HTTP 403).",
    404: "The vendor could not find what was asked for (HTTP 404).",
    408: "The vendor timed out reading the request (HTTP 408).",
    429: "The vendor is rate limiting us (HTTP 429).",
}


class VendorAdapter:
    """Base for one vendor's client. Subclasses set the class attributes and the hooks."""

    kind: ClassVar[str]
    label: ClassVar[str]
    default_base_url: ClassVar[str]
    # Written once by an admin, never shown again (stored encrypted on the connection).
    credential_fields: ClassVar[tuple[FieldSpec, ...]] = ()
    # Plain per-connection settings, stored as JSON on the connection.
    setting_fields: ClassVar[tuple[FieldSpec, ...]] = ()
    operations: ClassVar[dict[str, Operation]] = {}
    # True when the vendor itself refuses a lead it already has, so a lead whose answer
    # was lost can be sent again without creating a second one (vendors.outcomes).
    rejects_resent_leads: ClassVar[bool] = False
    # True when the vendor tells later what became of a lead it took (``check_outcome``).
    reports_later: ClassVar[bool] = False

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.credentials = dict(credentials)
        self.settings = dict(settings or {})
        self.exchanges: list[Exchange] = []
        secrets = self.secret_values()
        self.redactor = Redactor(secrets)
        remember_secrets(secrets)  # the logging filter masks them in any log line

    @classmethod
    def for_connection(cls, connection: Any) -> VendorAdapter:
        """The client for a stored connection; vendors with session state (a login token)
        override it to reach the connection."""
        return cls(
            base_url=connection.base_url,
            credentials=connection.credentials,
            settings=connection.settings,
        )

    # --- hooks ------------------------------------------------------------------------

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        """Return the HTTP request that performs ``operation`` with ``payload``."""
        raise NotImplementedError

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        """Turn a vendor answer (already past ``raise_for_status``) into a result.

        Raise ``VendorError`` for an answer that means failure.
        """
        raise NotImplementedError

    def raise_for_status(self, response: VendorResponse) -> None:
        """Raise ``VendorError`` for an HTTP status that is a failure.

        The default names the condition of the status (vendors.outcomes: 5xx, 408 and 429
        are transient, 401 pauses the connection, other 4xx are rejections). Vendors
        override it to read their error bodies, then call ``super()``.
        """
        status = response.status_code
        if status < 400:
            return
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        message = _STATUS_MESSAGES.get(
            status, f"The vendor answered with an error (HTTP {status})."
        )
        raise VendorError(
            message,
            condition=condition_for_status(status),
            status_code=status,
            retry_after=retry_after,
        )

    def resends_safely(self, operation: str = "") -> bool:
        """Whether a send of ``operation`` whose answer was lost may be made again (see
        vendors.outcomes). Override where operations differ."""
        return self.rejects_resent_leads

    def check_outcome(self, operation: str, reference: str) -> OutcomeCheck:
        """Ask the vendor what became of the lead it took as ``reference``.

        Only for adapters with ``reports_later``; raise ``VendorError`` when it cannot say.
        """
        raise NotImplementedError

    def validate_payload(self, operation: str, payload: Mapping[str, Any]) -> dict[str, list[str]]:
        """Problems the vendor would refuse in a would-be payload, by vendor field name.

        For rules one field cannot check alone (a field required only when another has a
        given value, one of two fields required). The lead entry form calls it before
        anything is saved and shows each message on the form field that fills that vendor
        field; a row of a ROWS field is addressed as ``name.<row index>.<row field>``.
        """
        return {}

    def format_value(self, spec: FieldSpec, value: Any) -> Any:
        """How a cleaned form value travels to this vendor (dates as ISO by default)."""
        if spec.type is FieldType.ROWS and isinstance(value, list):
            return [self._format_row(spec.row_fields, row) for row in value]
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value) if spec.type is FieldType.DECIMAL else str(value)
        return value

    def _format_row(self, specs: Iterable[FieldSpec], row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            spec.name: self.format_value(spec, row[spec.name])
            for spec in specs
            if row.get(spec.name) not in (None, "", [])
        }

    def base_payload(self, destination: Any) -> dict[str, Any]:
        """Fields every lead to ``destination`` carries before its own (LeadByte's campid)."""
        return {}

    def check(self) -> str:
        """Make the cheapest authenticated call the vendor has and say what it proved.

        Raise ``VendorError`` when the vendor refuses or cannot be reached. Vendors
        without such a call keep this default, and the connection page says so.
        """
        raise NotImplementedError(f"{self.label} has no connection test yet.")

    def preview_request(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The request ``submit`` would send, built by ``build_request`` and redacted
        exactly as a stored attempt is: method, URL, headers and body."""
        request = self.build_request(operation, payload)
        url = urljoin(self.base_url, request.path.lstrip("/"))
        return self._redacted_request(request, url)

    def secret_values(self) -> list[str]:
        """Every value that must never be stored or logged in clear."""
        return [v for v in self.credentials.values() if isinstance(v, str) and v]

    # --- the sequence -------------------------------------------------------------------

    def submit(self, operation: str, payload: Mapping[str, Any]) -> Delivery:
        """Perform ``operation``: build → send → parse, never raising for vendor failures."""
        self.exchanges = []
        try:
            request = self.build_request(operation, payload)
            response = self.send(request)
            result = self.parse_response(operation, response)
        except VendorError as err:
            result = err.judged_for(self).as_result()
        _clean_result(result, self.redactor)
        return Delivery(result=result, exchanges=list(self.exchanges))

    def send(self, request: VendorRequest) -> VendorResponse:
        """Send one request, record the exchange, and pass the answer through
        ``raise_for_status``. Transport failures become ``VendorError``."""
        url = urljoin(self.base_url, request.path.lstrip("/"))
        started_at = datetime.now(UTC)
        started = time.monotonic()
        status_code: int | None = None
        body = ""
        content_type = ""
        error = ""
        try:
            self._check_host(url)
            response = self._http(request, url)
            status_code = response.status_code
            body = response.text
            content_type = response.content_type
            self.raise_for_status(response)
            return response
        except VendorError as err:
            # Vendors echo what they were sent: the error that travels on is masked too.
            err.message = self.redactor.text(err.message)
            err.args = (err.message,)
            err.field_errors = {
                k: [self.redactor.text(str(m)) for m in v] for k, v in err.field_errors.items()
            }
            error = err.message
            raise
        finally:
            self.exchanges.append(
                Exchange(
                    request=self._redacted_request(request, url),
                    status_code=status_code,
                    response_body=storable_body(self.redactor.text(body), content_type),
                    duration_ms=int((time.monotonic() - started) * 1000),
                    error=_clean_text(self.redactor.text(error), MESSAGE_LIMIT),
                    started_at=started_at,
                    purpose=request.purpose,
                )
            )

    def _check_host(self, url: str) -> None:
        try:
            check_vendor_url(url)
        except UnresolvableVendorHost:
            return  # the connect fails and says so (transient), or the peer check refuses
        except UnsafeVendorHost as err:
            raise VendorError(
                f"LeadHub refused to send: {err} Fix the connection's base URL.",
                outcome=Outcome.REJECTED,
            ) from err

    def _http(self, request: VendorRequest, url: str) -> VendorResponse:
        timeout = (settings.VENDOR_CONNECT_TIMEOUT, settings.VENDOR_READ_TIMEOUT)
        try:
            with http_session().request(
                request.method,
                url,
                params=request.params,
                json=request.json,
                headers=request.headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as raw:
                text, truncated = _read_capped(raw, settings.VENDOR_MAX_RESPONSE_BYTES)
                return VendorResponse(
                    status_code=raw.status_code,
                    headers=dict(raw.headers),
                    text=text,
                    truncated=truncated,
                )
        except UnsafeVendorHost as err:
            raise VendorError(
                f"LeadHub refused to send: {err} Fix the connection's base URL.",
                outcome=Outcome.REJECTED,
            ) from err
        except requests.ConnectTimeout as err:
            raise VendorError(
                "The vendor could not be reached in time (connect timeout).",
                condition=Condition.UNREACHABLE,
            ) from err
        except requests.ReadTimeout as err:
            raise VendorError(
                "The vendor took the request but did not answer in time.",
                condition=Condition.NO_ANSWER,
            ) from err
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as err:
            raise VendorError(
                "The vendor's answer broke off before it was complete.",
                condition=Condition.NO_ANSWER,
            ) from err
        except requests.ConnectionError as err:
            if _never_connected(err):
                raise VendorError(
                    "The vendor could not be reached (connection refused or host unknown).",
                    condition=Condition.UNREACHABLE,
                ) from err
            raise VendorError(
                "The connection to the vendor dropped before it answered.",
                condition=Condition.NO_ANSWER,
            ) from err
        except requests.RequestException as err:
            # Bad URL, bad header...: raised before anything was sent.
            raise VendorError(
                f"The request to the vendor failed: {type(err).__name__}.",
                condition=Condition.UNREACHABLE,
            ) from err

    def _redacted_request(self, request: VendorRequest, url: str) -> dict[str, Any]:
        full_url = url
        if request.params:
            full_url = f"{url}?{urlencode(request.params, doseq=True)}"
        return {
            "method": request.method,
            "url": self.redactor.url(full_url),
            "headers": self.redactor.headers(request.headers),
            "body": self.redactor.data(request.json),
        }


# Vendor strings are untrusted: these bound what is kept of them.
MESSAGE_LIMIT = 2000
REFERENCE_LIMIT = 255  # Submission.vendor_reference
CODE_LIMIT = 50  # Submission.vendor_code
_LIST_LIMIT = 100
_BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "application/gzip",
)


def _clean_text(value: object, limit: int) -> str:
    """A vendor string fit to store: text, without NUL (PostgreSQL refuses it), capped."""
    text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "")[:limit]


def _clean_data(value: Any, depth: int = 0) -> Any:
    """Vendor data fit for a JSON column: plain types, clean capped strings, finite numbers."""
    if depth > 10:
        return _clean_text(value, MESSAGE_LIMIT)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        items = list(value.items())[:_LIST_LIMIT]
        return {_clean_text(k, 200): _clean_data(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [_clean_data(v, depth + 1) for v in list(value)[:_LIST_LIMIT]]
    return _clean_text(value, MESSAGE_LIMIT)


def _clean_result(result: VendorResult, redactor: Redactor) -> None:
    result.message = _clean_text(
        redactor.text(_clean_text(result.message, 10 * MESSAGE_LIMIT)), MESSAGE_LIMIT
    )
    result.reference = _clean_text(result.reference, REFERENCE_LIMIT)
    result.code = _clean_text(result.code, CODE_LIMIT)
    result.links = {
        _clean_text(k, 100): _clean_text(v, MESSAGE_LIMIT)
        for k, v in list((result.links or {}).items())[:_LIST_LIMIT]
    }
    result.field_errors = {
        _clean_text(k, 200): [
            redactor.text(_clean_text(m, MESSAGE_LIMIT))
            for m in (v if isinstance(v, list | tuple) else [v])[:_LIST_LIMIT]
        ]
        for k, v in list((result.field_errors or {}).items())[:_LIST_LIMIT]
    }
    result.data = redactor.data(_clean_data(result.data or {}))


def storable_body(text: str, content_type: str = "") -> str:
    """What is kept of a vendor answer: a note for binary content, else capped clean text."""
    limit = settings.STORED_BODY_LIMIT
    sample = text[:4096]
    binary_type = content_type.startswith(_BINARY_TYPES)
    replaced = sample.count("\ufffd")
    if ("\x00" in sample or (sample and replaced > len(sample) // 10) or binary_type) and text:
        return f"[{content_type or 'binary'} answer of {len(text)} characters, not stored]"
    text = text.replace("\x00", "")
    if len(text) <= limit:
        return text
    note = f"\n[… {len(text) - limit} more characters not stored]"
    return text[: max(0, limit - len(note))] + note


def _read_capped(raw: requests.Response, limit: int) -> tuple[str, bool]:
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


def specs_by_name(specs: Iterable[FieldSpec]) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in specs}
