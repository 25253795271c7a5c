"""The vendor adapter base: every vendor call runs build → send → parse.

A vendor module subclasses ``VendorAdapter`` and fills in ``build_request`` and
``parse_response`` (and, where the vendor's error bodies need it, ``raise_for_status``).
Its *rules* (operations, how a value is formatted, what a payload lacks, whether a lost
answer may be resent) are class methods, usable without credentials:
``connection.adapter_class.format_value(...)``. An instance is made only to talk to the
vendor; the base sends through ``vendors.http``, times, caps and redacts every exchange,
and turns every failure into a result: ``submit`` and ``call`` never raise for the
vendor's sake.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode, urljoin

from vendors.fieldspec import FieldSpec, FieldType
from vendors.hosts import UnresolvableVendorHost, UnsafeVendorHost, check_vendor_url
from vendors.http import http_request, refused_host, retry_after_seconds
from vendors.outcomes import condition_for_status
from vendors.redaction import (
    MESSAGE_LIMIT,
    Redactor,
    clean_result,
    clean_text,
    remember_secrets,
    storable_body,
)
from vendors.results import (
    Delivery,
    EarlierSend,
    Exchange,
    Operation,
    OutcomeCheck,
    Reply,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
    unreadable_answer,
)
from vendors.tokens import MemoryTokenStore, TokenStore

logger = logging.getLogger(__name__)

T = TypeVar("T")

_STATUS_MESSAGES = {
    401: "The vendor refused the credentials (HTTP 401).",
    403: "The vendor refused access (HTTP 403).",
    404: "The vendor could not find what was asked for (HTTP 404).",
    408: "The vendor timed out reading the request (HTTP 408).",
    429: "The vendor is rate limiting us (HTTP 429).",
    503: "The vendor is unavailable just now (HTTP 503).",
}


class VendorAdapter:
    """Base for one vendor. Subclasses set the class attributes and the hooks."""

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
    # True when the vendor can find a lead it took by what was sent (``find_earlier_send``):
    # a resend refused as a duplicate of LeadHub's own unanswered send is then followed.
    finds_earlier_sends: ClassVar[bool] = False
    # True when a destination's fixed values beyond the operation's fields travel too
    # (``base_payload`` sends them); elsewhere they would be dropped without a word.
    accepts_extra_fields: ClassVar[bool] = False

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        settings: Mapping[str, Any] | None = None,
        token_store: TokenStore | None = None,
        deadline: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        # Seconds one exchange may take in all; None: VENDOR_DEADLINE (vendors.limits).
        self.deadline = deadline
        self.credentials = dict(credentials)
        self.settings = dict(settings or {})
        # Where a vendor's login token is kept (CRM.COM); handed in, so this client never
        # touches the database itself.
        self.token_store: TokenStore = token_store or MemoryTokenStore()
        self.exchanges: list[Exchange] = []
        secrets = self.secret_values()
        self.redactor = Redactor(secrets)
        remember_secrets(secrets)  # the logging filter masks them in any log line

    # --- vendor rules: class methods, no credentials needed ---------------------------------

    @classmethod
    def format_value(
        cls, spec: FieldSpec, value: Any, settings: Mapping[str, Any] | None = None
    ) -> Any:
        """How a cleaned form value travels to this vendor (dates as ISO by default);
        ``settings`` are the connection's."""
        if spec.type is FieldType.ROWS and isinstance(value, list):
            return [cls._format_row(spec.row_fields, row, settings) for row in value]
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value) if spec.type is FieldType.DECIMAL else str(value)
        return value

    @classmethod
    def _format_row(
        cls,
        specs: Iterable[FieldSpec],
        row: Mapping[str, Any],
        settings: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        return {
            spec.name: cls.format_value(spec, row[spec.name], settings)
            for spec in specs
            if row.get(spec.name) not in (None, "", [])
        }

    @classmethod
    def base_payload(cls, destination: Any) -> dict[str, Any]:
        """Fields every lead to ``destination`` carries before its own (LeadByte's campid)."""
        return {}

    @classmethod
    def validate_payload(cls, operation: str, payload: Mapping[str, Any]) -> dict[str, list[str]]:
        """Problems the vendor would refuse in a would-be payload, by vendor field name.

        For rules one field cannot check alone (a field required only when another has a
        given value, one of two fields required). The lead entry form calls it before
        anything is saved and shows each message on the form field that fills that vendor
        field; a row of a ROWS field is addressed as ``name.<row index>.<row field>``.
        """
        return {}

    @classmethod
    def fixed_object_allowed(cls, spec: FieldSpec, value: Any) -> bool:
        """Whether a destination may fix ``spec`` as this object, in the vendor's own shape,
        rather than as the plain value its form field takes (vendors.fixed_values)."""
        return False

    @classmethod
    def resends_safely(cls, operation: str = "") -> bool:
        """Whether a send of ``operation`` whose answer was lost may be made again (see
        vendors.outcomes). Override where operations differ."""
        return cls.rejects_resent_leads

    # --- hooks for talking to the vendor ----------------------------------------------------

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        """Return the HTTP request that performs ``operation`` with ``payload``."""
        raise NotImplementedError

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        """Turn a vendor answer (already past ``raise_for_status``) into a result.

        Raise ``VendorError`` for an answer that means failure.
        """
        raise NotImplementedError

    def raise_for_status(self, operation: str, response: VendorResponse) -> None:
        """Raise ``VendorError`` for an HTTP status that is a failure.

        The default names the condition of the status (vendors.outcomes: 503, 408 and 429
        are transient; other 5xx are transient only where a resend is safe, else uncertain;
        401 pauses the connection; other 4xx are rejections). Vendors
        override it to read their error bodies, then call ``super()``.
        """
        status = response.status_code
        if status < 400:
            return
        message = _STATUS_MESSAGES.get(
            status, f"The vendor answered with an error (HTTP {status})."
        )
        raise VendorError(
            message,
            condition=condition_for_status(status),
            status_code=status,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )

    def check_outcome(self, operation: str, reference: str) -> OutcomeCheck:
        """Ask the vendor what became of the lead it took as ``reference``.

        Only for adapters with ``reports_later``; raise ``VendorError`` when it cannot say.
        Called through ``call``.
        """
        raise NotImplementedError

    def find_earlier_send(
        self, operation: str, payload: Mapping[str, Any], campaign_id: str
    ) -> EarlierSend | None:
        """Find the lead an earlier send of ``payload`` left at the vendor, when its answer
        was lost and a resend was refused as a duplicate; None when the vendor has none.

        Only for adapters with ``finds_earlier_sends``; raise ``VendorError`` when the
        vendor cannot say. Called through ``call``.
        """
        raise NotImplementedError

    def check(self) -> str:
        """Make the cheapest authenticated call the vendor has and say what it proved.

        Raise ``VendorError`` when the vendor refuses or cannot be reached. Vendors
        without such a call keep this default, and the connection page says so.
        """
        raise NotImplementedError(f"{self.label} has no connection test yet.")

    def secret_values(self) -> list[str]:
        """Every value that must never be stored or logged in clear: each credential, and
        ``username:password`` as HTTP Basic carries it (its base64 forms are masked too)."""
        values = [v for v in self.credentials.values() if isinstance(v, str) and v]
        username, password = self.credentials.get("username"), self.credentials.get("password")
        if isinstance(username, str) and isinstance(password, str) and username and password:
            values.append(f"{username}:{password}")
        return values

    # --- the sequence -------------------------------------------------------------------

    def submit(self, operation: str, payload: Mapping[str, Any]) -> Delivery:
        """Perform ``operation``: build → send → parse, never raising for vendor failures."""
        reply = self.call(operation, lambda: self._perform(operation, payload))
        if reply.failure is not None:
            return Delivery(result=reply.failure, exchanges=reply.exchanges)
        assert reply.value is not None  # parse_response returns a result or raises
        return Delivery(result=clean_result(reply.value, self.redactor), exchanges=reply.exchanges)

    def call(self, operation: str, read: Callable[[], T]) -> Reply[T]:
        """Run one vendor call (``submit``'s sequence, or a read such as a campaign list)
        and keep what it came to: the value, or the failure judged for this vendor and
        ``operation``, masked and capped; and every exchange it took."""
        self.exchanges = []
        try:
            value: T | None = read()
            failure = None
        except VendorError as err:
            value = None
            failure = clean_result(err.as_result(type(self), operation), self.redactor)
        except Exception as err:
            # Whatever the vendor sent, its answer is judged and the exchange kept: an answer
            # that made reading it fail is unreadable, never an exception out of the adapter.
            status = self._last_status()
            if status is None:
                raise  # nothing came back: the fault is LeadHub's own, not the answer's
            logger.warning(
                "%s %s: the answer could not be read", self.kind, operation, exc_info=True
            )
            unreadable = unreadable_answer(
                status, f"an answer LeadHub could not read ({type(err).__name__})"
            )
            value = None
            failure = clean_result(unreadable.as_result(type(self), operation), self.redactor)
        return Reply(value=value, failure=failure, exchanges=list(self.exchanges))

    def _last_status(self) -> int | None:
        """The HTTP status of the last answer this call received, if any came."""
        answered = [e.status_code for e in self.exchanges if e.status_code is not None]
        return answered[-1] if answered else None

    def _perform(self, operation: str, payload: Mapping[str, Any]) -> VendorResult:
        request = replace(self.build_request(operation, payload), operation=operation)
        return self.parse_response(operation, self.send(request))

    def preview_request(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The request ``submit`` would send, built by ``build_request`` and redacted
        exactly as a stored attempt is: method, URL, headers and body."""
        request = self.build_request(operation, payload)
        return self._redacted_request(request, self._url(request))

    def send(self, request: VendorRequest) -> VendorResponse:
        """Send one request, mask its answer, record the exchange, and pass the answer
        through ``raise_for_status``. Transport failures become ``VendorError``."""
        url = self._url(request)
        started_at = datetime.now(UTC)
        started = time.monotonic()
        status_code: int | None = None
        body = ""
        content_type = ""
        error = ""
        try:
            self._check_host(url)
            # Masked before anything reads it: the vendor's message, the parsed data and
            # the stored body all come from text that no longer holds a credential.
            answer = self._http(request, url)
            response = replace(answer, text=self.redactor.text(answer.text))
            status_code = response.status_code
            body = response.text
            content_type = response.content_type
            self.raise_for_status(request.operation, response)
            return response
        except VendorError as err:
            # Vendors echo what they were sent: the error that travels on is masked.
            masked = err.masked(self.redactor.text)
            error = masked.message
            if masked.partial is not None:  # an answer cut short: what arrived is kept
                status_code = masked.partial.status_code
                body = masked.partial.text
                content_type = masked.partial.content_type
            raise masked from err.__cause__
        finally:
            self.exchanges.append(
                Exchange(
                    request=self._redacted_request(request, url),
                    status_code=status_code,
                    response_body=storable_body(body, content_type),
                    duration_ms=int((time.monotonic() - started) * 1000),
                    error=clean_text(self.redactor.text(error), MESSAGE_LIMIT),
                    started_at=started_at,
                    purpose=request.purpose,
                )
            )

    def _http(self, request: VendorRequest, url: str) -> VendorResponse:
        """The HTTP exchange itself (vendors.http); tests put a fake answer here."""
        return http_request(
            request.method,
            url,
            params=request.params,
            json=request.json,
            headers=request.headers,
            deadline=self.deadline,
        )

    def _url(self, request: VendorRequest) -> str:
        return urljoin(self.base_url, request.path.lstrip("/"))

    def _check_host(self, url: str) -> None:
        try:
            check_vendor_url(url)
        except UnresolvableVendorHost:
            return  # the connect fails and says so (transient), or the peer check refuses
        except UnsafeVendorHost as err:
            raise refused_host(err) from err

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


def specs_by_name(specs: Iterable[FieldSpec]) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in specs}
