from __future__ import annotations

import math

import pytest

from vendors import redaction
from vendors.outcomes import Condition, Outcome
from vendors.redaction import (
    CODE_LIMIT,
    MASK,
    MESSAGE_LIMIT,
    REFERENCE_LIMIT,
    Redactor,
    clean_data,
    clean_result,
    clean_text,
    known_secrets_redactor,
    remember_secrets,
    storable_body,
)
from vendors.results import VendorResult

SECRET = "echoed-secret-0a1b2c3d"


def test_sensitive_names_are_masked_wherever_they_stand() -> None:
    redactor = Redactor()
    data = {"key": "abc", "lead": {"email": "a@b.c", "token": "t"}, "items": [{"uuid": "u"}]}
    assert redactor.data(data) == {
        "key": MASK,
        "lead": {"email": "a@b.c", "token": MASK},
        "items": [{"uuid": MASK}],
    }


def test_known_secret_values_are_masked_inside_any_text() -> None:
    redactor = Redactor(["gl_0123456789abcdef0123"])
    url = "https://app.getlead.co.uk/api/gl-department-vise-agent-assign/gl_0123456789abcdef0123"
    assert "gl_0123" not in redactor.url(url)
    assert redactor.text("token gl_0123456789abcdef0123 expired") == f"token {MASK} expired"


def test_query_parameters_and_headers_are_masked() -> None:
    redactor = Redactor()
    assert "secret123" not in redactor.url("https://x.test/a?key=secret123&page=2")
    assert "page=2" in redactor.url("https://x.test/a?key=secret123&page=2")
    assert redactor.headers({"X_KEY": "s", "Authorization": "Bearer s", "Accept": "json"}) == {
        "X_KEY": MASK,
        "Authorization": MASK,
        "Accept": "json",
    }


def test_a_masked_query_value_reads_as_the_mask_not_percent_codes() -> None:
    masked = Redactor().url("https://x.test/api?token=gl_abc123456&name=Ann+Lee")
    assert f"token={MASK}" in masked
    assert "%E2%80%A2" not in masked and "name=Ann+Lee" in masked


def test_a_secret_containing_another_is_masked_whole() -> None:
    redactor = Redactor(["abcdef", "abcdef-123456"])
    assert redactor.text("key abcdef-123456 and abcdef") == f"key {MASK} and {MASK}"


def test_short_values_are_not_taken_for_secrets() -> None:
    redactor = Redactor(["12345", "", None])  # type: ignore[list-item]
    assert redactor.text("order 12345 of 123456") == "order 12345 of 123456"
    assert Redactor().text("nothing to mask") == "nothing to mask"


def test_an_empty_sensitive_value_is_left_empty_so_absence_stays_visible() -> None:
    assert Redactor().data({"token": "", "key": None, "uuid": 0}) == {
        "token": "",
        "key": None,
        "uuid": MASK,
    }


def test_data_masks_known_secrets_inside_lists_and_keeps_other_types() -> None:
    redactor = Redactor([SECRET])
    assert redactor.data({"notes": [f"echo {SECRET}", 3, 1.5, True], "n": None}) == {
        "notes": [f"echo {MASK}", 3, 1.5, True],
        "n": None,
    }


# --- secrets this process has used ---------------------------------------------------------


@pytest.fixture
def fresh_memory(monkeypatch):
    """An empty memory of secrets, restored after the test."""
    monkeypatch.setattr(redaction, "_known_secrets", {})
    monkeypatch.setattr(redaction, "_known_redactor", None)


def test_remembered_secrets_are_masked_by_the_shared_redactor(fresh_memory) -> None:
    assert known_secrets_redactor().text(f"log {SECRET}") == f"log {SECRET}"
    remember_secrets([SECRET, "short"])
    assert known_secrets_redactor().text(f"log {SECRET} short") == f"log {MASK} short"


def test_the_shared_redactor_is_rebuilt_only_when_a_secret_is_new(fresh_memory) -> None:
    remember_secrets([SECRET])
    first = known_secrets_redactor()
    remember_secrets([SECRET])
    assert known_secrets_redactor() is first
    remember_secrets(["another-secret-99"])
    assert known_secrets_redactor() is not first


def test_the_memory_forgets_the_oldest_beyond_its_limit(fresh_memory) -> None:
    remember_secrets([f"secret-{n:06d}" for n in range(1001)])
    masking = known_secrets_redactor()
    assert masking.text("secret-000000") == "secret-000000"  # the oldest, forgotten
    assert masking.text("secret-000001") == MASK
    assert masking.text("secret-001000") == MASK


# --- vendor answers fit to store -----------------------------------------------------------


def test_clean_text_drops_nul_caps_and_stringifies() -> None:
    assert clean_text("a\x00b\x00c", 10) == "abc"
    assert clean_text("x" * 50, 20) == "x" * 20
    assert clean_text(-5, 10) == "-5"
    assert clean_text(None, 10) == "None"


def test_clean_data_keeps_plain_json_as_it_is() -> None:
    data = {"a": [1, True, None, 2.5, "s"], "b": {"c": "d"}}
    assert clean_data(data) == data


def test_clean_data_makes_numbers_json_can_store() -> None:
    cleaned = clean_data({"inf": math.inf, "nan": math.nan, "big": 2**70})
    assert cleaned == {"inf": "inf", "nan": "nan", "big": 2**70}


def test_clean_data_bounds_what_a_vendor_can_make_us_keep() -> None:
    cleaned = clean_data(
        {
            "k" * 500: "v\x00" + "w" * 5000,
            "many": list(range(500)),
            "tuple": (1, 2),
            "object": object,
        }
    )
    key = "k" * 200
    assert set(cleaned) == {key, "many", "tuple", "object"}
    assert cleaned[key] == ("v" + "w" * 5000)[:MESSAGE_LIMIT]
    assert cleaned["many"] == list(range(100))
    assert cleaned["tuple"] == [1, 2]
    assert cleaned["object"] == "<class 'object'>"
    assert len(clean_data({str(n): n for n in range(500)})) == 100


def test_clean_data_stops_descending_after_ten_levels() -> None:
    deep: list = ["bottom"]
    for _ in range(20):
        deep = [deep]
    cleaned = clean_data(deep)
    for _ in range(11):
        cleaned = cleaned[0]
    assert isinstance(cleaned, str) and cleaned.startswith("[[")


def test_clean_result_masks_caps_and_sanitises_into_a_new_result() -> None:
    result = VendorResult(
        outcome=Outcome.REJECTED,
        condition=Condition.INVALID,
        retry_after=3.0,
        message=f"bad key {SECRET}\x00" + "m" * 30_000,
        reference="r" * 400,
        code="c" * 80,
        links={"edit": "https://x.test/" + "p" * 3000},
        field_errors={"api_key": [f"{SECRET} refused"], "email": "not a list"},  # type: ignore[dict-item]
        data={"token": "t-123456789", "echo": SECRET, "n": math.inf},
    )
    cleaned = clean_result(result, Redactor([SECRET]))
    assert cleaned is not result
    assert result.message.startswith(f"bad key {SECRET}")  # the original is left alone
    assert (cleaned.outcome, cleaned.condition, cleaned.retry_after) == (
        Outcome.REJECTED,
        Condition.INVALID,
        3.0,
    )
    assert cleaned.message.startswith(f"bad key {MASK}m")
    assert len(cleaned.message) == MESSAGE_LIMIT and "\x00" not in cleaned.message
    assert cleaned.reference == "r" * REFERENCE_LIMIT
    assert cleaned.code == "c" * CODE_LIMIT
    assert len(cleaned.links["edit"]) == MESSAGE_LIMIT
    assert cleaned.field_errors == {"api_key": [f"{MASK} refused"], "email": ["not a list"]}
    assert cleaned.data == {"token": MASK, "echo": MASK, "n": "inf"}


def test_clean_result_of_a_plain_result_changes_nothing() -> None:
    result = VendorResult(outcome=Outcome.ACCEPTED, message="Queued", reference="Q-1")
    assert clean_result(result, Redactor()) == result


@pytest.mark.parametrize(
    "content_type",
    ["image/png", "application/pdf", "application/octet-stream", "font/woff2", "video/mp4"],
)
def test_a_binary_answer_is_stored_as_a_note(content_type: str) -> None:
    assert (
        storable_body("PNG....", content_type)
        == f"[{content_type} answer of 7 characters, not stored]"
    )


def test_an_answer_that_reads_as_binary_is_stored_as_a_note() -> None:
    assert storable_body("a\x00b") == "[binary answer of 3 characters, not stored]"
    undecodable = "\ufffd" * 20 + "x" * 80
    assert storable_body(undecodable, "text/plain") == (
        "[text/plain answer of 100 characters, not stored]"
    )
    assert storable_body("\ufffd" + "x" * 99) == "\ufffd" + "x" * 99  # one odd character


def test_an_empty_answer_is_stored_empty_whatever_its_type() -> None:
    assert storable_body("", "image/png") == ""


def test_a_long_answer_is_cut_with_a_note_within_the_limit(settings) -> None:
    settings.STORED_BODY_LIMIT = 1000
    stored = storable_body("y" * 5000, "application/json")
    assert len(stored) == 1000
    assert stored.endswith("\n[… 4000 more characters not stored]")
    assert storable_body("y" * 1000) == "y" * 1000


def test_strings_masks_every_string_of_stored_data_and_changes_nothing_else() -> None:
    stored = {"message": f"echo {SECRET}", SECRET: [1, None, f"x{SECRET}"], "token": "kept"}
    assert Redactor([SECRET]).strings(stored) == {
        "message": f"echo {MASK}",
        MASK: [1, None, f"x{MASK}"],
        "token": "kept",  # names are the data() net's business, applied when it was stored
    }
