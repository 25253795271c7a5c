"""The adapter sequence: build → send → parse, every failure a result, every exchange kept.

A small vendor declared here (``Toy``) exercises the base alone; its answers are put on the
``_http`` hook, except where a real socket is the point (a refused port).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.factories import DestinationFactory
from vendors.base import VendorAdapter, specs_by_name
from vendors.fieldspec import FieldSpec, FieldType
from vendors.outcomes import Condition, Outcome
from vendors.redaction import MASK, known_secrets_redactor
from vendors.registry import adapter_class, implemented_kinds
from vendors.results import (
    Operation,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
)
from vendors.tokens import MemoryTokenStore

KEY = "toy-key-5f6e7d8c9b"
JSON = {"Content-Type": "application/json"}


class Toy(VendorAdapter):
    """A vendor that refuses a resent lead but not a resent note."""

    kind = "toy"
    label = "Toy"
    default_base_url = "https://toy.example/"
    credential_fields = (FieldSpec("api_key", "API key", required=True),)
    operations = {
        "create_lead": Operation("create_lead", "Create lead"),
        "add_note": Operation("add_note", "Add note"),
    }
    rejects_resent_leads = True

    @classmethod
    def resends_safely(cls, operation: str = "") -> bool:
        return operation == "create_lead"

    def build_request(self, operation: str, payload: Mapping[str, Any]) -> VendorRequest:
        if operation not in self.operations:
            raise VendorError(f"Toy has no operation {operation!r}.")
        return VendorRequest(
            "POST",
            f"/api/{operation}",
            params={"key": self.credentials["api_key"]},
            json={"api_key": self.credentials["api_key"], **payload},
            headers={"Authorization": f"Bearer {self.credentials['api_key']}"},
        )

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        body = response.json()
        if body.get("status") != "ok":
            raise VendorError(
                f"Toy refused: {body.get('message')}",
                condition=Condition.INVALID,
                field_errors=body.get("errors") or {},
            )
        return VendorResult(
            outcome=Outcome.ACCEPTED,
            message=str(body.get("message", "Toy took it.")),
            reference=str(body.get("id", "")),
        )

    def list_things(self) -> list[str]:
        """A read of two requests (a listing, then its detail)."""
        first = self.send(
            VendorRequest("GET", "/api/things", params={"key": self.credentials["api_key"]})
        )
        second = self.send(VendorRequest("GET", "/api/things/1"))
        return [*first.json()["things"], *second.json()["things"]]


def toy(**kwargs: Any) -> Toy:
    return Toy(
        base_url=kwargs.pop("base_url", "https://toy.example/"),
        credentials={"api_key": KEY},
        **kwargs,
    )


Answer = VendorResponse | VendorError


def answering(
    adapter: VendorAdapter, monkeypatch, *answers: Answer
) -> list[tuple[VendorRequest, str]]:
    """Put ``answers`` on the adapter's transport, in turn; return what was sent."""
    sent: list[tuple[VendorRequest, str]] = []
    queue = list(answers)

    def http(request: VendorRequest, url: str) -> VendorResponse:
        sent.append((request, url))
        answer = queue.pop(0)
        if isinstance(answer, VendorError):
            raise answer
        return answer

    monkeypatch.setattr(adapter, "_http", http)
    return sent


def ok(body: str = '{"status": "ok", "id": 7, "message": "Taken"}') -> VendorResponse:
    return VendorResponse(200, JSON, body)


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- submit ---------------------------------------------------------------------------------


def test_submit_builds_sends_and_parses_into_a_delivery(monkeypatch) -> None:
    adapter = toy()
    sent = answering(adapter, monkeypatch, ok())
    delivery = adapter.submit("create_lead", {"email": "ada@example.com"})
    assert delivery.result == VendorResult(
        outcome=Outcome.ACCEPTED, message="Taken", reference="7", condition=Condition.ACCEPTED
    )
    ((request, url),) = sent
    assert url == "https://toy.example/api/create_lead"
    assert request.operation == "create_lead"  # set by the base on what build_request made
    assert request.json == {"api_key": KEY, "email": "ada@example.com"}


def test_each_exchange_is_kept_timed_and_redacted(monkeypatch) -> None:
    adapter = toy()
    answering(adapter, monkeypatch, ok(f'{{"status": "ok", "echo": "{KEY}"}}'))
    before = datetime.now(UTC)
    (exchange,) = adapter.submit("create_lead", {"email": "ada@example.com"}).exchanges
    assert exchange.request == {
        "method": "POST",
        "url": f"https://toy.example/api/create_lead?key={MASK}",
        "headers": {"Authorization": MASK},
        "body": {"api_key": MASK, "email": "ada@example.com"},
    }
    assert exchange.status_code == 200
    assert exchange.response_body == f'{{"status": "ok", "echo": "{MASK}"}}'
    assert exchange.error == "" and exchange.purpose == ""
    assert exchange.started_at is not None and before <= exchange.started_at <= datetime.now(UTC)
    assert isinstance(exchange.duration_ms, int) and exchange.duration_ms >= 0


def test_a_successful_result_is_cleaned_before_it_is_returned(monkeypatch) -> None:
    adapter = toy()
    answering(
        adapter, monkeypatch, ok(f'{{"status": "ok", "id": "{"r" * 400}", "message": "{KEY}"}}')
    )
    result = adapter.submit("create_lead", {}).result
    assert len(result.reference) == 255
    assert result.message == MASK


@pytest.mark.parametrize(
    ("operation", "answer", "outcome", "condition"),
    [
        # Sent, answer lost: resent where the vendor refuses a lead it has, held elsewhere.
        (
            "create_lead",
            VendorError("lost", condition=Condition.NO_ANSWER),
            Outcome.TRANSIENT,
            Condition.NO_ANSWER,
        ),
        (
            "add_note",
            VendorError("lost", condition=Condition.NO_ANSWER),
            Outcome.UNCERTAIN,
            Condition.NO_ANSWER,
        ),
        (
            "add_note",
            VendorError("down", condition=Condition.UNREACHABLE),
            Outcome.TRANSIENT,
            Condition.UNREACHABLE,
        ),
        ("create_lead", VendorResponse(503, {}, "busy"), Outcome.TRANSIENT, Condition.UNAVAILABLE),
        (
            "create_lead",
            VendorResponse(401, {}, ""),
            Outcome.TRANSIENT,
            Condition.CREDENTIALS_REFUSED,
        ),
        ("create_lead", VendorResponse(422, JSON, "{}"), Outcome.REJECTED, Condition.CLIENT_ERROR),
        (
            "create_lead",
            VendorResponse(200, JSON, '{"status": "no"}'),
            Outcome.REJECTED,
            Condition.INVALID,
        ),
        (
            "add_note",
            VendorResponse(200, {}, "<html>"),
            Outcome.UNCERTAIN,
            Condition.UNREADABLE_ANSWER,
        ),
        (
            "create_lead",
            VendorResponse(200, {}, "<html>"),
            Outcome.TRANSIENT,
            Condition.UNREADABLE_ANSWER,
        ),
    ],
)
def test_submit_never_raises_for_a_vendor_failure_and_judges_it_per_operation(
    monkeypatch, operation: str, answer: Answer, outcome: Outcome, condition: Condition
) -> None:
    adapter = toy()
    answering(adapter, monkeypatch, answer)
    delivery = adapter.submit(operation, {})
    assert (delivery.result.outcome, delivery.result.condition) == (outcome, condition)
    assert len(delivery.exchanges) == 1


@pytest.mark.parametrize(
    ("operation", "outcome"),
    [("create_lead", Outcome.TRANSIENT), ("add_note", Outcome.UNCERTAIN)],
)
def test_an_answer_that_makes_the_parser_raise_anything_is_an_unreadable_answer(
    monkeypatch, operation: str, outcome: Outcome
) -> None:
    adapter = toy()
    # Valid JSON of a shape Toy's parser does not expect: body.get on a list.
    answering(adapter, monkeypatch, VendorResponse(200, JSON, f'["{KEY}"]'))
    delivery = adapter.submit(operation, {})
    assert delivery.result.condition is Condition.UNREADABLE_ANSWER
    assert delivery.result.outcome is outcome
    assert delivery.result.message == (
        "The vendor answered HTTP 200 with an answer LeadHub could not read (AttributeError)."
    )
    [exchange] = delivery.exchanges
    assert exchange.status_code == 200
    assert exchange.response_body == f'["{MASK}"]'


class Exploding(Toy):
    """Reads its error statuses with code that fails on what it is given."""

    def raise_for_status(self, operation: str, response: VendorResponse) -> None:
        raise RecursionError("maximum recursion depth exceeded")


def test_an_answer_that_makes_raise_for_status_fail_is_judged_by_its_status(monkeypatch) -> None:
    adapter = Exploding(base_url="https://toy.example/", credentials={"api_key": KEY})
    answering(adapter, monkeypatch, VendorResponse(503, JSON, "{}"))
    delivery = adapter.submit("add_note", {})
    assert delivery.result.condition is Condition.SERVER_ERROR
    assert delivery.result.message == (
        "The vendor answered HTTP 503 with an answer LeadHub could not read (RecursionError)."
    )
    assert [e.status_code for e in delivery.exchanges] == [503]


def test_a_request_that_cannot_be_built_is_a_result_with_no_exchange(monkeypatch) -> None:
    adapter = toy()
    sent = answering(adapter, monkeypatch)
    delivery = adapter.submit("teleport", {})
    assert delivery.result.outcome is Outcome.REJECTED
    assert delivery.result.message == "Toy has no operation 'teleport'."
    assert delivery.exchanges == [] and sent == []


def test_a_refusal_is_masked_where_the_vendor_echoed_the_key(monkeypatch) -> None:
    adapter = toy()
    body = (
        f'{{"status": "no", "message": "key {KEY} unknown", "errors": {{"api_key": ["{KEY}?"]}}}}'
    )
    answering(adapter, monkeypatch, VendorResponse(200, JSON, body))
    delivery = adapter.submit("create_lead", {})
    assert delivery.result.message == f"Toy refused: key {MASK} unknown"
    assert delivery.result.field_errors == {"api_key": [f"{MASK}?"]}
    assert KEY not in delivery.exchanges[0].response_body


class ReadingToy(Toy):
    """Keeps every answer text its parser was given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.read: list[str] = []

    def parse_response(self, operation: str, response: VendorResponse) -> VendorResult:
        self.read.append(response.text)
        return super().parse_response(operation, response)


def test_the_answer_is_masked_before_the_adapter_reads_it(monkeypatch) -> None:
    # The reference is not a message: only masking the answer itself keeps the key out.
    key = 'toy/key é+"%&=\\1'
    adapter = ReadingToy(base_url="https://toy.example/", credentials={"api_key": key})
    echo = json.dumps({"status": "ok", "id": key, "message": f"took /x?key={quote_plus(key)}"})
    answering(adapter, monkeypatch, VendorResponse(200, JSON, echo))
    delivery = adapter.submit("create_lead", {})
    assert delivery.result.reference == MASK
    assert delivery.result.message == f"took /x?key={MASK}"
    masked = {"status": "ok", "id": MASK, "message": f"took /x?key={MASK}"}
    assert adapter.read == [json.dumps(masked, ensure_ascii=False)]
    assert delivery.exchanges[0].response_body == adapter.read[0]


def test_a_transport_failure_is_kept_as_an_exchange_without_a_status() -> None:
    adapter = toy(base_url=f"http://127.0.0.1:{refused_port()}/")
    delivery = adapter.submit("create_lead", {})
    assert delivery.result.condition is Condition.UNREACHABLE
    assert delivery.result.outcome is Outcome.TRANSIENT
    (exchange,) = delivery.exchanges
    assert exchange.status_code is None and exchange.response_body == ""
    assert exchange.error == "The vendor could not be reached (connection refused or host unknown)."


def test_an_answer_cut_short_is_kept_masked_with_its_status(monkeypatch, settings) -> None:
    settings.STORED_BODY_LIMIT = 200
    adapter = toy()
    arrived = f'{{"status": "ok", "echo": "{KEY}", "padding": "{"x" * 500}'
    cut = VendorError(
        "The vendor did not finish answering within 2 s.",
        condition=Condition.NO_ANSWER,
        partial=VendorResponse(200, JSON, arrived, truncated=True),
    )
    answering(adapter, monkeypatch, cut)
    delivery = adapter.submit("create_lead", {})
    assert delivery.result.condition is Condition.NO_ANSWER
    assert delivery.result.outcome is Outcome.TRANSIENT  # Toy refuses a resent lead
    (exchange,) = delivery.exchanges
    assert exchange.status_code == 200
    assert exchange.error == "The vendor did not finish answering within 2 s."
    assert exchange.response_body.startswith(f'{{"status": "ok", "echo": "{MASK}"')
    assert KEY not in exchange.response_body
    assert len(exchange.response_body) <= 200  # capped like any answer kept


def test_a_host_inside_our_network_is_refused_before_anything_is_sent(
    monkeypatch, settings
) -> None:
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False
    adapter = toy(base_url="http://169.254.169.254/")
    sent = answering(adapter, monkeypatch)
    delivery = adapter.submit("create_lead", {})
    assert sent == []
    assert delivery.result.outcome is Outcome.REJECTED
    assert delivery.result.message.startswith(
        "LeadHub refused to send: The vendor host 169.254.169.254"
    )
    assert delivery.exchanges[0].status_code is None


# --- call ---------------------------------------------------------------------------------


def test_call_returns_the_value_and_every_exchange_it_took(monkeypatch) -> None:
    adapter = toy()
    answering(adapter, monkeypatch, ok('{"things": ["a"]}'), ok('{"things": ["b"]}'))
    reply = adapter.call("", adapter.list_things)
    assert reply.ok and reply.failure is None
    assert reply.value == ["a", "b"]
    assert [e.request["url"] for e in reply.exchanges] == [
        f"https://toy.example/api/things?key={MASK}",
        "https://toy.example/api/things/1",
    ]


def test_each_call_keeps_only_its_own_exchanges(monkeypatch) -> None:
    adapter = toy()
    answering(adapter, monkeypatch, ok('{"things": []}'), ok('{"things": []}'), ok())
    adapter.call("", adapter.list_things)
    delivery = adapter.submit("create_lead", {})
    assert len(delivery.exchanges) == 1


def test_a_failed_call_is_judged_for_the_vendor_and_operation_and_masked(monkeypatch) -> None:
    adapter = toy()
    lost = VendorError(f"no answer for {KEY}", condition=Condition.NO_ANSWER)
    answering(adapter, monkeypatch, lost, lost)
    held = adapter.call("add_note", adapter.list_things)
    resent = adapter.call("create_lead", adapter.list_things)
    assert held.value is None and not held.ok
    assert held.failure is not None and resent.failure is not None
    assert held.failure.outcome is Outcome.UNCERTAIN
    assert resent.failure.outcome is Outcome.TRANSIENT
    assert held.failure.message == f"no answer for {MASK}"
    assert len(held.exchanges) == 1


def test_an_error_raised_outside_send_is_masked_too() -> None:
    adapter = toy()

    def read() -> None:
        raise VendorError(f"cached token for {KEY} is malformed " + "x" * 5000)

    reply = adapter.call("", read)
    assert reply.failure is not None
    assert KEY not in reply.failure.message
    assert len(reply.failure.message) == 2000
    assert reply.exchanges == []


def test_a_fault_of_ours_is_not_taken_for_the_vendors() -> None:
    adapter = toy()
    with pytest.raises(NotImplementedError, match="Toy has no connection test yet"):
        adapter.call("", adapter.check)


# --- send ---------------------------------------------------------------------------------


class Echoing(Toy):
    """Raises an error that quotes the key from raise_for_status, and keeps it."""

    raised: VendorError | None = None

    def raise_for_status(self, operation: str, response: VendorResponse) -> None:
        try:
            response.json()
        except VendorError as err:
            self.raised = VendorError(
                f"bad key {KEY}",
                condition=Condition.CREDENTIALS_REFUSED,
                status_code=401,
                field_errors={"key": [KEY]},
            )
            raise self.raised from err.__cause__


def test_an_error_from_send_is_a_masked_copy_and_the_original_is_never_changed(monkeypatch) -> None:
    adapter = Echoing(base_url="https://toy.example/", credentials={"api_key": KEY})
    answering(adapter, monkeypatch, VendorResponse(401, {}, "not json"))
    with pytest.raises(VendorError) as caught:
        adapter.send(VendorRequest("GET", "/api/things"))
    original = adapter.raised
    assert original is not None and caught.value is not original
    assert original.message == f"bad key {KEY}" and original.field_errors == {"key": [KEY]}
    assert caught.value.message == f"bad key {MASK}"
    assert caught.value.field_errors == {"key": [MASK]}
    assert caught.value.condition is Condition.CREDENTIALS_REFUSED
    assert caught.value.status_code == 401
    assert isinstance(caught.value.__cause__, ValueError)  # the JSON error behind it
    assert adapter.exchanges[-1].error == f"bad key {MASK}"


def test_send_records_the_purpose_of_a_preparatory_exchange(monkeypatch) -> None:
    adapter = toy()
    answering(adapter, monkeypatch, ok())
    adapter.send(VendorRequest("POST", "/login", purpose="Log in"))
    assert adapter.exchanges[-1].purpose == "Log in"


@pytest.mark.parametrize(
    ("status", "condition", "message"),
    [
        (400, Condition.CLIENT_ERROR, "The vendor answered with an error (HTTP 400)."),
        (401, Condition.CREDENTIALS_REFUSED, "The vendor refused the credentials (HTTP 401)."),
        (403, Condition.CLIENT_ERROR, "The vendor refused access (HTTP 403)."),
        (404, Condition.CLIENT_ERROR, "The vendor could not find what was asked for (HTTP 404)."),
        (408, Condition.REQUEST_TIMEOUT, "The vendor timed out reading the request (HTTP 408)."),
        (429, Condition.RATE_LIMITED, "The vendor is rate limiting us (HTTP 429)."),
        (500, Condition.SERVER_ERROR, "The vendor answered with an error (HTTP 500)."),
    ],
)
def test_raise_for_status_names_the_condition_of_an_error_status(
    status: int, condition: Condition, message: str
) -> None:
    with pytest.raises(VendorError) as caught:
        toy().raise_for_status("create_lead", VendorResponse(status, {"Retry-After": "12"}, ""))
    assert (caught.value.condition, caught.value.message) == (condition, message)
    assert caught.value.status_code == status
    assert caught.value.retry_after == 12.0


@pytest.mark.parametrize("status", [200, 201, 204, 302, 399])
def test_raise_for_status_lets_other_statuses_through(status: int) -> None:
    toy().raise_for_status("create_lead", VendorResponse(status, {}, ""))


# --- preview ------------------------------------------------------------------------------


def test_preview_shows_the_request_as_an_attempt_would_and_sends_nothing(monkeypatch) -> None:
    adapter = toy(base_url="https://toy.example/tenant")
    sent = answering(adapter, monkeypatch)
    preview = adapter.preview_request("create_lead", {"email": "ada@example.com"})
    assert preview == {
        "method": "POST",
        "url": f"https://toy.example/tenant/api/create_lead?key={MASK}",
        "headers": {"Authorization": MASK},
        "body": {"api_key": MASK, "email": "ada@example.com"},
    }
    assert sent == [] and adapter.exchanges == []


# --- the instance -------------------------------------------------------------------------


def test_a_client_remembers_its_secrets_for_the_log_filter() -> None:
    secret = "toy-only-secret-1a2b3c4d"
    Toy(base_url="https://toy.example/", credentials={"api_key": secret, "empty": ""})
    assert known_secrets_redactor().text(f"log {secret}") == f"log {MASK}"


def test_a_client_keeps_its_own_copies_of_what_it_is_given() -> None:
    credentials = {"api_key": KEY}
    settings = {"date_format": "YYYY-MM-DD"}
    adapter = Toy(base_url="https://toy.example", credentials=credentials, settings=settings)
    credentials["api_key"] = "changed"
    settings["date_format"] = "changed"
    assert adapter.credentials == {"api_key": KEY}
    assert adapter.settings == {"date_format": "YYYY-MM-DD"}
    assert adapter.base_url == "https://toy.example/"
    assert isinstance(adapter.token_store, MemoryTokenStore)
    assert adapter.secret_values() == [KEY]


# --- vendor rules, without an instance ------------------------------------------------------


def test_values_travel_in_the_default_shapes() -> None:
    text, decimal = FieldSpec("n", "N"), FieldSpec("d", "D", type=FieldType.DECIMAL)
    assert Toy.format_value(text, date(1990, 12, 31)) == "1990-12-31"
    assert Toy.format_value(text, datetime(1990, 12, 31, 8, 30)) == "1990-12-31T08:30:00"
    assert Toy.format_value(decimal, Decimal("12.50")) == 12.5
    assert Toy.format_value(text, Decimal("12.50")) == "12.50"
    assert Toy.format_value(text, "as is") == "as is"


def test_rows_travel_row_by_row_without_empty_cells() -> None:
    rows = FieldSpec(
        "alternatives",
        "Alternatives",
        type=FieldType.ROWS,
        row_fields=(
            FieldSpec("price", "Price", type=FieldType.DECIMAL),
            FieldSpec("starts", "Starts"),
            FieldSpec("note", "Note"),
        ),
    )
    value = [
        {"price": Decimal("9.90"), "starts": date(2025, 1, 2), "note": ""},
        {"price": Decimal("1"), "starts": None, "note": "x"},
    ]
    assert Toy.format_value(rows, value) == [
        {"price": 9.9, "starts": "2025-01-02"},
        {"price": 1.0, "note": "x"},
    ]


def test_the_base_rules_add_nothing_and_find_nothing() -> None:
    assert VendorAdapter.base_payload(None) == {}
    assert VendorAdapter.validate_payload("create_lead", {"anything": 1}) == {}
    assert VendorAdapter.resends_safely("create_lead") is False


@pytest.mark.parametrize("kind", implemented_kinds())
def test_every_vendors_rules_are_callable_on_the_class(kind: str) -> None:
    vendor = adapter_class(kind)
    destination = DestinationFactory.build(connection__kind=kind, campaign=None, fixed_values={})
    spec = FieldSpec("when", "When", type=FieldType.DATE)
    assert isinstance(vendor.format_value(spec, date(2024, 2, 29)), str)
    assert isinstance(vendor.base_payload(destination), dict)
    for operation in vendor.operations:
        assert isinstance(vendor.validate_payload(operation, {}), dict)
        assert isinstance(vendor.resends_safely(operation), bool)


def test_specs_by_name() -> None:
    first, second = FieldSpec("a", "A"), FieldSpec("b", "B")
    assert specs_by_name([first, second]) == {"a": first, "b": second}
