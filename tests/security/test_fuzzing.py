"""Fuzzing with hypothesis: generated forms and vendor answer parsers.

Targets: the lead entry form built from LeadByte campaign fields and from every
operation's declared fields, and the bulk import's cleaner, which must agree with that form
on every example; every adapter's answer handling (raise_for_status and
parse_response through the real push and record); LeadByte's campaign sync; the capped
reader. Each example must end without an unhandled exception and without half-saved rows.
The "ci" profile (CI=true) runs 2,000 examples per target; "dev" runs a quick pass.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from django.db import transaction
from hypothesis import example, given
from hypothesis import strategies as st

from leadhub.delivery.push import submission_push
from leadhub.forms.lead_entry import (
    LeadEntryCleaner,
    cleaned_lead,
    destination_prefix,
    lead_entry_form_class,
)
from leadhub.models import Attempt, Lead, Submission
from leadhub.services.leads import lead_create_and_send
from leadhub.statuses import SubmissionStatus
from sandbox.seed import EXAMPLE_CAMPAIGN
from tests.factories import ConnectionFactory, DestinationFactory, LeadFactory
from tests.security.test_secret_scan import SAMPLES
from vendors import base
from vendors.base import VendorAdapter
from vendors.campaign_sync import campaigns_sync
from vendors.fieldspec import FieldType
from vendors.http import read_capped
from vendors.models import Campaign, CampaignField, Connection, Destination
from vendors.outcomes import Outcome
from vendors.redaction import storable_body
from vendors.registry import adapter_class, implemented_kinds
from vendors.results import VendorError, VendorRequest, VendorResponse

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    """Raised at the end of each example to undo what it saved."""


@pytest.fixture
def savepoint():
    """Run a block in a savepoint that is always rolled back."""

    def run(block):
        try:
            with transaction.atomic():
                block()
                raise Rollback
        except Rollback:
            pass

    return run


# --- strategies -------------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "07911 123456",
        "+447911123456",
        "SW1A 1AA",
        "2024-02-30",
        "31/12/1990",
        "ada@example.com",
        "Ada",
        "😀" * 10,
        "\u202e\u200b",
        "9" * 400,
    ]
)
TEXT = st.one_of(
    NASTY,
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=300),
    st.integers(1000, 20_000).map(lambda n: "x" * n),
)

JSON_KEYS = st.sampled_from(
    [
        "status",
        "code",
        "message",
        "errors",
        "results",
        "queueId",
        "id",
        "links",
        "data",
        "token",
        "fields",
        "name",
        "reference",
        "records",
        "success",
        "error",
        "edit",
    ]
)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(
        [
            "Success",
            "success",
            "Error",
            "fail",
            "error",
            "Queued",
            "Quarantined",
            "-2",
            "-5",
            "1",
            "https://ok.example/x",
            "javascript:alert(1)",
        ]
    ),
)
JSON = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(JSON_KEYS | st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=25,
)


def json_object(
    required: dict[str, st.SearchStrategy[Any]],
    leaves: tuple[str, ...] = (),
    **others: st.SearchStrategy[Any],
) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object with the ``required`` keys and any of the optional ones: ``leaves``, each
    holding a JSON leaf, and ``others``, each drawn from its own strategy."""
    return st.fixed_dictionaries(required, optional={**dict.fromkeys(leaves, JSON_LEAF), **others})


SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "status": JSON_LEAF,
        "code": JSON_LEAF,
        "message": JSON_LEAF,
        "errors": JSON,
        "results": st.lists(
            json_object({}, ("queueId", "status", "code")) | JSON,
            max_size=3,
        )
        | JSON,
        "id": JSON_LEAF,
        "links": JSON,
        "data": JSON,
        "fields": JSON,
    },
)
BODY = st.one_of(
    SHAPED.map(json.dumps),
    JSON.map(json.dumps),
    TEXT,
    st.binary(max_size=2000).map(lambda b: b.decode("utf-8", errors="replace")),
    st.integers(50_000, 400_000).map(
        lambda n: json.dumps({"status": "Success", "results": [{"queueId": "q" * n}]})
    ),
)
CONTENT_TYPE = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "text/html",
        "",
        "application/octet-stream",
        "image/png",
    ]
)
ANSWER = st.builds(
    lambda status, ctype, body, retry: VendorResponse(
        status, {"Content-Type": ctype, **({"Retry-After": retry} if retry else {})}, body
    ),
    st.integers(100, 599),
    CONTENT_TYPE,
    BODY,
    st.one_of(st.none(), st.sampled_from(["5", "-1", "1e9", "soon", "nan"])),
)


def answering(answers: list[VendorResponse]):
    """An ``_http`` that returns the given answers in turn (the last one repeats)."""

    def http(self: VendorAdapter, request: VendorRequest, url: str) -> VendorResponse:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return http


# --- the generated lead entry form ---------------------------------------------------------


def leadbyte_campaign_destination() -> Destination:
    connection = ConnectionFactory(kind="leadbyte")
    campaign = Campaign.objects.create(
        connection=connection, vendor_id="9", name="Fuzz", reference=EXAMPLE_CAMPAIGN["reference"]
    )
    for position, meta in enumerate(EXAMPLE_CAMPAIGN["fields"]):
        CampaignField.objects.create(
            campaign=campaign,
            position=position,
            **{k: meta[k] for k in ("name", "label", "required", "data_type", "category")},
            selection_values=meta["selection_values"],
            selection_labels=meta["selection_labels"],
        )
    return DestinationFactory(connection=connection, campaign=campaign, fixed_values={"sid": "1"})


def declared_operation_targets() -> list[tuple[str, str]]:
    return [
        (kind, name)
        for kind in implemented_kinds()
        for name, operation in adapter_class(kind).operations.items()
        if operation.fields
    ]


def valid_value(spec) -> st.SearchStrategy[str]:
    if spec.choices:
        return st.sampled_from([value for value, _ in spec.choices])
    return {
        FieldType.EMAIL: st.just("fuzz@example.com"),
        FieldType.DATE: st.just("1990-12-31"),
        FieldType.UK_MOBILE: st.just("07911123456"),
        FieldType.PHONE: st.just("+447911123456"),
        FieldType.POSTCODE: st.just("SW1A 1AA"),
        FieldType.INTEGER: st.integers(-5, 500).map(str),
        FieldType.DECIMAL: st.just("12.50"),
        FieldType.BOOLEAN: st.sampled_from(["on", ""]),
        FieldType.ALPHABETICAL: st.just("Lovelace"),
    }.get(spec.type, st.just("Volvo"))


def form_data(destinations: list[Destination]) -> st.SearchStrategy[dict[str, str]]:
    fields: dict[str, st.SearchStrategy[str]] = {
        "first_name": st.one_of(st.just("Ada"), TEXT),
        "last_name": st.one_of(st.just("Lovelace"), TEXT),
        "email": st.one_of(st.just("ada@example.com"), TEXT),
        "phone": st.one_of(st.just("07911 123456"), TEXT),
        "company": TEXT,
        "notes": TEXT,
    }
    for destination in destinations:
        for spec in destination.staff_field_specs():
            if spec.contact:
                continue
            fields[destination_prefix(destination) + spec.name] = st.one_of(valid_value(spec), TEXT)
    return st.fixed_dictionaries({}, optional=fields)


def check_form(destinations: list[Destination], data: dict[str, str], savepoint) -> None:
    form_class = lead_entry_form_class(destinations)

    def block() -> None:
        leads, submissions = Lead.objects.count(), Submission.objects.count()
        form = form_class(data)
        if not form.is_valid():
            assert form.errors
            assert (Lead.objects.count(), Submission.objects.count()) == (leads, submissions)
            return
        lead = lead_create_and_send(
            contact=form.contact_data(),
            destinations=destinations,
            destination_values=form.destination_values(),
        )
        assert Lead.objects.count() == leads + 1
        assert lead.submissions.count() == len(destinations)
        for submission in lead.submissions.all():
            json.dumps(submission.payload)

    savepoint(block)


def test_fuzz_the_lead_form_built_from_leadbyte_campaign_fields(savepoint) -> None:
    destination = leadbyte_campaign_destination()

    @given(data=form_data([destination]))
    def run(data: dict[str, str]) -> None:
        check_form([destination], data, savepoint)

    run()


def declared_operation_destination(kind: str, operation: str) -> Destination:
    return DestinationFactory(
        connection=ConnectionFactory(kind=kind, credentials=SAMPLES[kind].credentials),
        operation=operation,
        campaign=None,
        fixed_values={},
    )


@pytest.mark.parametrize(("kind", "operation"), declared_operation_targets() or [("-", "-")])
def test_fuzz_the_lead_form_built_from_declared_operation_fields(
    savepoint, kind: str, operation: str
) -> None:
    if kind == "-":
        pytest.skip("no implemented vendor declares operation fields yet")
    destination = declared_operation_destination(kind, operation)

    @given(data=form_data([destination]))
    def run(data: dict[str, str]) -> None:
        check_form([destination], data, savepoint)

    run()


def agreeing_cleaner(destinations: list[Destination]):
    """A check that the import's cleaner gives the form's answer for the data."""
    form_class = lead_entry_form_class(destinations)
    cleaner = LeadEntryCleaner(form_class)

    def check(data: dict[str, str]) -> None:
        lead = cleaner.clean(data)
        form = form_class(data)
        assert (lead is not None) == form.is_valid(), form.errors
        if lead is not None:
            assert repr(lead) == repr(cleaned_lead(form))

    return cleaner, check


def test_fuzz_the_import_cleaner_agrees_with_the_form_on_campaign_fields() -> None:
    destination = leadbyte_campaign_destination()
    _, check = agreeing_cleaner([destination])

    @given(data=form_data([destination]))
    def run(data: dict[str, str]) -> None:
        check(data)

    run()


@pytest.mark.parametrize(("kind", "operation"), declared_operation_targets() or [("-", "-")])
def test_fuzz_the_import_cleaner_agrees_with_the_form_on_declared_fields(
    kind: str, operation: str
) -> None:
    if kind == "-":
        pytest.skip("no implemented vendor declares operation fields yet")
    destination = declared_operation_destination(kind, operation)
    cleaner, check = agreeing_cleaner([destination])
    if not cleaner.usable:
        pytest.skip("repeatable rows: the import binds every row to the form itself")

    @given(data=form_data([destination]))
    def run(data: dict[str, str]) -> None:
        check(data)

    run()


# --- vendor answers -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", implemented_kinds())
def test_fuzz_every_adapters_answer_handling_through_push_and_record(
    savepoint, monkeypatch, kind: str
) -> None:
    adapter = adapter_class(kind)
    connection = ConnectionFactory(
        kind=kind, base_url="https://vendor.example.com/", credentials=SAMPLES[kind].credentials
    )
    monkeypatch.setattr(base, "check_vendor_url", lambda url: None)  # no DNS offline
    operations = list(adapter.operations)
    lead = LeadFactory()

    @given(answers=st.lists(ANSWER, min_size=1, max_size=3), operation=st.sampled_from(operations))
    def run(answers: list[VendorResponse], operation: str) -> None:
        monkeypatch.setattr(adapter, "_http", answering(list(answers)))

        def block() -> None:
            submission = Submission.objects.create(
                lead=lead,
                connection=connection,
                operation=operation,
                payload={"email": "fuzz@example.com"},
            )
            pushed = submission_push(submission_id=submission.pk)
            assert pushed is not None
            pushed.refresh_from_db()
            assert pushed.status in SubmissionStatus.values
            assert pushed.status != SubmissionStatus.SENDING  # recorded, not half-way
            assert Attempt.objects.filter(submission=pushed).count() >= 1
            assert len(pushed.vendor_reference) <= 255 and len(pushed.vendor_code) <= 50

        savepoint(block)

    run()


@given(answer=ANSWER)
# JSON's Infinity as LeadByte's code once escaped as an OverflowError.
@example(answer=VendorResponse(400, {"Content-Type": "application/json"}, '{"code": Infinity}'))
def test_fuzz_raise_for_status_and_parse_response_directly(answer: VendorResponse) -> None:
    for kind in implemented_kinds():
        adapter = adapter_class(kind)(base_url="https://vendor.example.com/", credentials={})
        for operation in adapter.operations:
            try:
                adapter.raise_for_status(operation, answer)
                result = adapter.parse_response(operation, answer)
            except VendorError as err:
                assert err.outcome in Outcome
                continue
            assert result.outcome in Outcome


def test_fuzz_leadbyte_campaign_sync(savepoint, monkeypatch) -> None:
    from vendors.leadbyte import LeadByte

    connection = ConnectionFactory(kind="leadbyte", base_url="https://vendor.example.com/")
    monkeypatch.setattr(base, "check_vendor_url", lambda url: None)
    field = json_object(
        {"name": st.one_of(st.just("data13"), JSON_LEAF)},
        ("label", "required", "data_type", "selection_values", "selection_labels"),
    )
    detail = json_object(
        {"id": st.one_of(st.just("9"), JSON_LEAF)},
        ("name", "reference", "active", "description"),
        fields=st.lists(field | JSON, max_size=4) | JSON,
    )
    listing = st.lists(st.fixed_dictionaries({"id": JSON_LEAF}) | JSON, max_size=3).map(json.dumps)
    answer = st.builds(
        lambda status, body: VendorResponse(status, {"Content-Type": "application/json"}, body),
        st.sampled_from([200, 200, 200, 401, 500]),
        st.one_of(detail.map(json.dumps), BODY),
    )

    @given(first=listing, rest=st.lists(answer, min_size=1, max_size=3))
    def run(first: str, rest: list[VendorResponse]) -> None:
        answers = [VendorResponse(200, {"Content-Type": "application/json"}, first), *rest]
        monkeypatch.setattr(LeadByte, "_http", answering(answers))

        def block() -> None:
            before = list(Campaign.objects.values_list("pk", flat=True))
            try:
                campaigns_sync(connection=Connection.objects.get(pk=connection.pk))
            except VendorError:
                assert list(Campaign.objects.values_list("pk", flat=True)) == before
                return
            for campaign in Campaign.objects.all():
                assert len(campaign.name) <= 255 and len(campaign.reference) <= 255

        savepoint(block)

    run()


class FakeRaw:
    def __init__(self, chunks: list[bytes], encoding: str | None) -> None:
        self.chunks, self.encoding = chunks, encoding

    def iter_content(self, chunk_size: int) -> Any:
        return iter(self.chunks)


@given(
    chunks=st.lists(st.binary(max_size=5000), max_size=8),
    encoding=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "no-such-encoding", "ascii"]),
    limit=st.integers(1, 20_000),
)
def test_fuzz_the_capped_reader(chunks: list[bytes], encoding: str | None, limit: int) -> None:
    text, truncated = read_capped(FakeRaw(chunks, encoding), limit)
    assert isinstance(text, str)
    assert truncated == (sum(map(len, chunks)) > limit) or truncated is False
    stored = storable_body(text)
    assert "\x00" not in stored
