"""What vendor calls are made of and come to: requests, answers, results and the error."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.factories import VendorResultFactory
from vendors.leadbyte import LeadByte
from vendors.outcomes import Condition, Outcome
from vendors.results import (
    DEFAULT_CONDITION,
    JSON_MAX_DEPTH,
    Exchange,
    Operation,
    Reply,
    VendorError,
    VendorRequest,
    VendorResponse,
    VendorResult,
    json_depth,
)
from vendors.salesbyte import SalesByte

C, OUT = Condition, Outcome
SECRET = "echoed-secret-0a1b2c3d"


def mask(text: str) -> str:
    return text.replace(SECRET, "[masked]")


# --- operations and requests --------------------------------------------------------------


def test_an_operation_is_a_frozen_declaration() -> None:
    operation = Operation("create_lead", "Create lead")
    assert (operation.fields, operation.uses_campaign, operation.follow_up) == ((), False, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        operation.name = "other"  # type: ignore[misc]


def test_a_request_starts_without_headers_purpose_or_operation() -> None:
    first, second = VendorRequest("GET", "a"), VendorRequest("GET", "b")
    assert (first.json, first.params, first.purpose, first.operation) == (None, None, "", "")
    first.headers["X"] = "1"
    assert second.headers == {}  # each request its own headers


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "content_type"),
    [
        ("application/json; charset=utf-8", "application/json"),
        (" Application/JSON ", "application/json"),
        ("text/html;charset=ISO-8859-1", "text/html"),
        ("", ""),
    ],
)
def test_the_content_type_is_the_bare_lower_case_media_type(header: str, content_type: str) -> None:
    assert VendorResponse(200, {"Content-Type": header}, "").content_type == content_type


def test_an_answer_without_a_content_type_has_none() -> None:
    assert VendorResponse(200, {}, "").content_type == ""


def test_a_json_answer_is_read() -> None:
    assert VendorResponse(200, {}, '{"status": "Success", "n": [1]}').json() == {
        "status": "Success",
        "n": [1],
    }


@pytest.mark.parametrize(
    ("status", "condition"),
    [
        (200, C.UNREADABLE_ANSWER),
        (302, C.UNREADABLE_ANSWER),
        (404, C.UNREADABLE_ANSWER),
        (500, C.SERVER_ERROR),
        (503, C.SERVER_ERROR),
    ],
)
def test_an_answer_that_is_not_json_is_an_error_naming_its_condition(
    status: int, condition: Condition
) -> None:
    with pytest.raises(VendorError) as caught:
        VendorResponse(status, {}, "<html>Bad gateway</html>").json()
    error = caught.value
    assert error.condition is condition
    assert error.status_code == status
    assert error.message == f"The vendor answered HTTP {status} with a body that is not JSON."
    assert isinstance(error.__cause__, ValueError)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("42", 0),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[[{{{{"}', 1),  # brackets inside a string are text
        ('["\\"[[[", "]]]\\\\", []]', 2),  # so are escaped quotes and backslashes
        ("[" * 100_000 + "]" * 100_000, 100_000),
    ],
)
def test_json_depth_counts_nesting_outside_strings(text: str, depth: int) -> None:
    assert json_depth(text) == depth


def test_json_as_deep_as_the_limit_is_read_and_one_level_more_is_not() -> None:
    assert JSON_MAX_DEPTH == 64
    at_limit = "[" * 64 + "]" * 64
    assert VendorResponse(200, {}, at_limit).json() == json.loads(at_limit)
    with pytest.raises(VendorError) as caught:
        VendorResponse(200, {}, "[" + at_limit + "]").json()
    assert caught.value.condition is C.UNREADABLE_ANSWER
    assert caught.value.message == (
        "The vendor answered HTTP 200 with JSON nested deeper than 64 levels, which LeadHub "
        "does not read."
    )


@pytest.mark.parametrize(
    ("status", "condition"), [(200, C.UNREADABLE_ANSWER), (502, C.SERVER_ERROR)]
)
def test_json_nested_100000_deep_is_refused_before_the_parser_sees_it(
    status: int, condition: Condition
) -> None:
    with pytest.raises(VendorError) as caught:
        VendorResponse(status, {}, "[" * 100_000 + "]" * 100_000).json()
    assert caught.value.condition is condition
    assert caught.value.status_code == status
    assert caught.value.__cause__ is None  # refused by the depth scan, not a RecursionError


# --- results ------------------------------------------------------------------------------


def test_every_outcome_has_a_plainest_condition() -> None:
    assert set(DEFAULT_CONDITION) == set(Outcome)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_result_naming_only_an_outcome_gets_its_plainest_condition(outcome: Outcome) -> None:
    result = VendorResult(outcome=outcome, message="m")
    assert result.condition is DEFAULT_CONDITION[outcome]


def test_a_result_takes_the_stored_strings_and_refuses_anything_else() -> None:
    result = VendorResult(outcome="uncertain", message="m", condition="may_have_taken")  # type: ignore[arg-type]
    assert result.outcome is OUT.UNCERTAIN and result.condition is C.MAY_HAVE_TAKEN
    with pytest.raises(ValueError, match="lost"):
        VendorResult(outcome="lost", message="m")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="gone"):
        VendorResult(outcome=OUT.TRANSIENT, message="m", condition="gone")


def test_a_result_starts_empty_and_owns_its_collections() -> None:
    first, second = VendorResultFactory(), VendorResultFactory()
    assert (first.links, first.field_errors, first.data, first.retry_after) == ({}, {}, {}, None)
    first.links["edit"] = "https://x.test/"
    assert second.links == {}


def test_refused_credentials_pause_the_connection() -> None:
    assert VendorResultFactory(credentials_refused=True).pauses_connection
    assert not VendorResultFactory(failed=True).pauses_connection
    assert not VendorResultFactory().pauses_connection


@pytest.mark.parametrize(
    ("outcome", "condition", "trips"),
    [
        (OUT.TRANSIENT, C.SERVER_ERROR, True),
        (OUT.TRANSIENT, C.UNREACHABLE, True),
        (OUT.UNCERTAIN, C.NO_ANSWER, True),
        (OUT.TRANSIENT, C.NO_ANSWER, True),
        (OUT.TRANSIENT, C.CREDENTIALS_REFUSED, False),  # pauses instead
        (OUT.REJECTED, C.INVALID, False),
        (OUT.ACCEPTED, C.ACCEPTED, False),
        (OUT.DUPLICATE, C.DUPLICATE, False),
        # Only failures count, whatever the condition says.
        (OUT.REJECTED, C.SERVER_ERROR, False),
    ],
)
def test_only_transient_failures_trip_the_breaker(
    outcome: Outcome, condition: Condition, trips: bool
) -> None:
    assert VendorResult(outcome=outcome, message="m", condition=condition).trips_breaker is trips


def test_a_reply_is_ok_without_a_failure() -> None:
    exchange = Exchange(request={}, status_code=200, response_body="", duration_ms=1)
    assert Reply(value=[1], failure=None, exchanges=[exchange]).ok
    failed: Reply[list[int]] = Reply(
        value=None, failure=VendorResultFactory(failed=True), exchanges=[]
    )
    assert not failed.ok


# --- the error ----------------------------------------------------------------------------


def test_an_error_naming_a_condition_is_judged_by_the_table_for_the_vendor() -> None:
    error = VendorError("lost", condition=C.NO_ANSWER)
    assert error.judged_by_table and error.explicit_outcome is None
    assert error.outcome_for(LeadByte, "create_lead") is OUT.TRANSIENT  # refuses a resent lead
    assert error.outcome_for(SalesByte, "create_lead") is OUT.UNCERTAIN  # would take it twice


def test_before_the_vendor_is_known_the_cautious_column_applies() -> None:
    assert VendorError("lost", condition=C.NO_ANSWER).outcome is OUT.UNCERTAIN
    assert VendorError("lost", condition=C.NO_ANSWER).outcome_for(None) is OUT.UNCERTAIN
    assert VendorError("500", condition=C.SERVER_ERROR).outcome is OUT.UNCERTAIN
    assert VendorError("503", condition=C.UNAVAILABLE).outcome is OUT.TRANSIENT


def test_an_error_naming_only_an_outcome_keeps_it_for_every_vendor() -> None:
    error = VendorError("shape", outcome=OUT.UNCERTAIN)
    assert not error.judged_by_table
    assert error.condition is C.NO_ANSWER
    assert error.outcome_for(LeadByte, "create_lead") is OUT.UNCERTAIN
    assert error.outcome is OUT.UNCERTAIN


def test_an_error_naming_neither_is_a_rejection() -> None:
    error = VendorError("no")
    assert error.outcome is OUT.REJECTED and error.condition is C.REFUSED
    assert error.outcome_for(LeadByte) is OUT.REJECTED


def test_an_error_naming_both_keeps_its_outcome_until_a_vendor_is_known() -> None:
    error = VendorError("503 then", outcome=OUT.UNCERTAIN, condition=C.SERVER_ERROR)
    assert error.outcome is OUT.UNCERTAIN
    assert error.outcome_for(LeadByte, "create_lead") is OUT.TRANSIENT


def test_an_error_carries_what_it_was_built_with() -> None:
    error = VendorError(
        "busy",
        condition=C.RATE_LIMITED,
        status_code=429,
        code="-3",
        field_errors={"email": ["bad"]},
        retry_after=30.0,
    )
    assert str(error) == "busy" == error.message
    assert (error.status_code, error.code, error.retry_after) == (429, "-3", 30.0)
    assert error.field_errors == {"email": ["bad"]}
    assert VendorError("x").field_errors == {}


def test_as_result_judges_for_the_vendor_and_keeps_the_details() -> None:
    error = VendorError(
        "gone quiet",
        condition=C.MAY_HAVE_TAKEN,
        code="500",
        field_errors={"phone": ["odd"]},
        retry_after=5.0,
    )
    result = error.as_result(SalesByte, "create_quote")
    assert result == VendorResult(
        outcome=OUT.UNCERTAIN,
        message="gone quiet",
        code="500",
        field_errors={"phone": ["odd"]},
        retry_after=5.0,
        condition=C.MAY_HAVE_TAKEN,
    )
    assert error.as_result(LeadByte, "create_lead").outcome is OUT.TRANSIENT
    assert error.as_result().outcome is OUT.UNCERTAIN


def test_masked_is_a_new_error_and_the_original_is_never_changed() -> None:
    original = VendorError(
        f"bad key {SECRET}",
        condition=C.CREDENTIALS_REFUSED,
        status_code=401,
        code=f"code-{SECRET}",
        field_errors={"api_key": [f"{SECRET} is wrong", 7]},  # type: ignore[list-item]
        retry_after=1.5,
    )
    before = dict(vars(original))
    masked = original.masked(mask)
    assert masked is not original
    assert vars(original) == before
    assert masked.message == str(masked) == "bad key [masked]"
    assert masked.field_errors == {"api_key": ["[masked] is wrong", "7"]}
    assert (masked.condition, masked.judged_by_table, masked.explicit_outcome) == (
        C.CREDENTIALS_REFUSED,
        True,
        None,
    )
    assert (masked.status_code, masked.retry_after) == (401, 1.5)
    assert masked.code == f"code-{SECRET}"  # a vendor's code is not words: cleaned later


def test_masked_keeps_an_explicit_outcome_unjudged() -> None:
    masked = VendorError(f"shape {SECRET}", outcome=OUT.UNCERTAIN).masked(mask)
    assert not masked.judged_by_table
    assert masked.outcome_for(LeadByte, "create_lead") is OUT.UNCERTAIN
    assert masked.condition is C.NO_ANSWER
