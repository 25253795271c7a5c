"""Phone numbers: parsing in any format, and a number known again by its E.164 form."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from vendors import phones
from vendors.phones import parse_phone, phone_hint, plausible_type

REGIONS = ["GB", "US", "IT", "SE", "IN", "DE", "AE"]


def _number_or_none(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def parsed_afresh(raw: str, region: str) -> phones.Phone | None:
    """What the phonenumbers library itself says, past every remembered answer."""
    return phones._parse.__wrapped__(raw, region)


@pytest.mark.parametrize(
    ("raw", "region", "uk_mobile"),
    [
        ("07911 123456", "GB", True),
        ("+44 7911 123456", "US", True),
        ("07911 123456 ext. 12", "GB", True),
        ("020 7946 0018", "GB", False),
        ("06 1234 5678", "IT", False),  # Italian numbers keep their leading zero
        ("+46 768 741 810", "GB", False),
        ("(202) 555-0143", "US", False),
    ],
)
def test_a_number_is_the_same_read_again_in_its_e164_form(
    raw: str, region: str, uk_mobile: bool
) -> None:
    phone = parse_phone(raw, region)
    assert phone is not None and phone.is_uk_mobile is uk_mobile
    again = parsed_afresh(phone.e164, "SE" if region != "SE" else "GB")
    assert again == phone and again.is_uk_mobile is uk_mobile
    # So the E.164 form may be answered from memory, whatever the region asked for.
    assert parse_phone(phone.e164, "US") == phone


def test_an_invalid_number_is_none() -> None:
    assert parse_phone("12") is None
    assert parse_phone("   ") is None
    assert parse_phone("not a phone") is None


NUMBERS = st.one_of(
    st.text(alphabet="0123456789 +-()", min_size=3, max_size=20),
    # Mostly valid: a national number after a trunk zero or a country code.
    st.builds(
        "{}{}".format,
        st.sampled_from(["0", "07", "02", "+44", "+447", "+1", "+39", "+390", "+46", "+91"]),
        st.text(alphabet="0123456789", min_size=6, max_size=11),
    ),
)


@given(
    digits=NUMBERS,
    region=st.sampled_from(REGIONS),
    other=st.sampled_from(REGIONS),
)
def test_fuzz_any_valid_number_reads_the_same_from_its_e164_form(
    digits: str, region: str, other: str
) -> None:
    number = _number_or_none(digits, region)
    if number is not None:
        # parse_phone asks a number's type, not whether it is valid: the same question.
        is_valid = phonenumbers.is_valid_number(number)
        assert is_valid == (phonenumbers.number_type(number) != PhoneNumberType.UNKNOWN)
    phone = parsed_afresh(digits, region)
    # A number the library's tables miss is taken when its operator block is a real one.
    plausible = number is not None and plausible_type(number) != PhoneNumberType.UNKNOWN
    assert (phone is not None) == (number is not None and (is_valid or plausible))
    if phone is None:
        return  # an invalid number has no E.164 form
    again = parsed_afresh(phone.e164, other)
    assert again == phone
    assert again.is_uk_mobile == phone.is_uk_mobile


def test_a_uk_mobile_the_tables_miss_is_taken_as_a_mobile(settings) -> None:
    settings.PHONE_DEFAULT_REGION = "GB"
    raw = "07911 654321"
    assert not phonenumbers.is_valid_number(phonenumbers.parse(raw, "GB"))  # the library's view
    phone = parse_phone(raw)
    assert phone is not None and phone.e164 == "+447911654321" and phone.is_uk_mobile
    assert parsed_afresh(phone.e164, "US") == phone  # its E.164 form is judged alike


@pytest.mark.parametrize(
    "raw",
    ["07911 65432", "0791 165 432 100", "09999 999999", "01111 111111"],
    ids=["short", "long", "no-such-block", "no-such-area"],
)
def test_a_number_that_is_not_plausible_is_still_refused(raw: str) -> None:
    assert parsed_afresh(raw, "GB") is None


def test_a_refused_number_is_told_what_is_expected(settings) -> None:
    settings.PHONE_DEFAULT_REGION = "GB"
    assert phone_hint() == (
        "Enter a phone number with its area code, e.g. 020 7946 0000 or +44 20 7946 0000."
    )
    assert phone_hint("US").endswith("e.g. (201) 555-0123 or +1 201-555-0123.")
