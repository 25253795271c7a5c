from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.encodings import PRINTABLE, basic_auth_forms, credentials, encoded_forms
from vendors.base import VendorAdapter
from vendors.redaction import MASK, Redactor
from vendors.secret_forms import char_forms, secrets_pattern

SECRET = 'k/é +%&="\\-7f3a'


@settings(max_examples=60, deadline=None)
@given(secret=credentials(), before=st.text(PRINTABLE, max_size=8))
@example(secret=SECRET, before="")
def test_every_form_of_a_credential_is_masked_whole(secret: str, before: str) -> None:
    redactor = Redactor([secret])
    for name, form in encoded_forms(secret).items():
        masked = redactor.text(f"{before}<{form}>")
        assert masked.endswith(f"<{MASK}>"), (name, form, masked)


def test_a_basic_authorization_is_masked_for_a_username_and_password() -> None:
    adapter = VendorAdapter(
        base_url="https://x.test/",
        credentials={"username": "ada.lovelace", "password": "p/ss wörd&1"},
    )
    for name, form in basic_auth_forms("ada.lovelace", "p/ss wörd&1").items():
        header = f"Authorization: Basic {form}"
        assert adapter.redactor.text(header) == f"Authorization: Basic {MASK}", name


def test_an_echoed_request_keeps_its_shape_around_the_masks() -> None:
    echo = json.dumps({"line": f"POST /leads/{SECRET}?key={SECRET}", "body": json.dumps(SECRET)})
    masked = Redactor([SECRET]).text(echo)
    assert json.loads(masked) == {"line": f"POST /leads/{MASK}?key={MASK}", "body": f'"{MASK}"'}


def test_a_secret_containing_another_is_masked_whole_in_every_form() -> None:
    short, long = "abc/def", "abc/def ghi"
    redactor = Redactor([short, long])
    for form in encoded_forms(long).values():
        assert redactor.text(f"<{form}>") == f"<{MASK}>", form


@given(text=st.text(PRINTABLE, max_size=200))
@settings(max_examples=200, deadline=None)
def test_masking_changes_only_the_secret_and_twice_is_once(text: str) -> None:
    redactor = Redactor([SECRET])
    assert redactor.text(text) == text
    masked = redactor.text(f"{text} {SECRET} {text}")
    assert masked == f"{text} {MASK} {text}"
    assert redactor.text(masked) == masked


def test_plain_text_around_an_encoding_is_left_alone() -> None:
    text = "a%2Fb &amp; \\u00e9 + x=1 caf\u00e9"
    assert Redactor([SECRET]).text(text) == text


def test_the_pattern_is_built_once_per_set_of_secrets() -> None:
    first = Redactor(["cached-secret-1", "cached-secret-2"])
    again = Redactor(["cached-secret-2", "cached-secret-1"])
    assert first._pattern is again._pattern
    assert secrets_pattern(frozenset()) is None


def test_a_character_stands_in_its_forms_and_a_plain_one_only_as_itself() -> None:
    assert char_forms("a") == {"a"}
    assert {"/", "%2F", "%2f", "\\/", "%252F"} <= char_forms("/")
    assert {"é", "%C3%A9", "%c3%a9", "\\u00e9", "\\u00E9", "\\\\u00e9"} <= char_forms("é")
    assert {'"', "&quot;", '\\"', '\\\\\\"', "%22"} <= char_forms('"')
