"""Phone numbers: the raw input is kept, an E.164 form is derived for matching and vendors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from django.conf import settings
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from vendors.phone_types import number_parse, number_type

# How many numbers are remembered by their E.164 form (see parse_phone) and as typed: more
# than a bulk import's chunk holds (IMPORT_CHUNK_ROWS), as its columns are checked one
# after another and each asks about every number of the chunk again.
E164_REMEMBERED = 25_000
# The last digits of a national number that are the subscriber's, not the operator block's.
SUBSCRIBER_DIGITS = 6
# The numbers a refused phone's message shows, per default region; others get the library's.
HINT_EXAMPLES = {"GB": ("020 7946 0000", "+44 20 7946 0000")}


@dataclass(frozen=True)
class Phone:
    e164: str
    country_code: int
    national: str
    number_type: int = field(repr=False)  # a phonenumbers.PhoneNumberType

    @property
    def is_uk_mobile(self) -> bool:
        return self.country_code == 44 and self.number_type == phonenumbers.PhoneNumberType.MOBILE


def parse_phone(raw: str, region: str | None = None) -> Phone | None:
    """A valid number in any format people type, or None."""
    if not raw or not raw.strip():
        return None
    # A number is parsed as typed, then checked again in its E.164 form (a vendor field's
    # rule). A number with its +country code reads the same whatever the region, and the
    # E.164 form of a valid number is that number, so the answer is already known.
    known = _by_e164.get(raw)
    if known is not None:
        return known
    return _parse(raw, region or settings.PHONE_DEFAULT_REGION)


_by_e164: dict[str, Phone] = {}


# One lead's number is parsed by the form, its validators and the payload builder; a bulk
# import does that for every row, so the (immutable) answer is remembered.
@lru_cache(maxsize=E164_REMEMBERED)
def _parse(raw: str, region: str) -> Phone | None:
    try:
        number = number_parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    # A number's type is UNKNOWN exactly when it is not valid: both match the number against
    # its region's patterns, so one question answers both (test_phones.py holds the library
    # to it). A number the library's tables do not list may still be plausible.
    kind = number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        kind = plausible_type(number)
    if kind == PhoneNumberType.UNKNOWN or number.country_code is None:
        return None
    phone = Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country_code=number.country_code,
        national=str(number.national_number),
        number_type=kind,
    )
    if len(_by_e164) >= E164_REMEMBERED:
        _by_e164.clear()
    _by_e164[phone.e164] = phone
    return phone


def plausible_type(number: PhoneNumber) -> int:
    """The type of a number of the right length in an operator block the library's tables
    miss (numbers are handed out faster than the tables follow: 07911 654321 is a UK mobile
    in all but the tables): the type its neighbours in the block have, the same number but
    for the subscriber digits. UNKNOWN if no neighbour is a number at all.

    It depends only on the country code and the national number, so a number and its
    E.164 form are judged alike.
    """
    if number.italian_leading_zero or not phonenumbers.is_possible_number(number):
        return PhoneNumberType.UNKNOWN
    national = str(number.national_number)
    block = national[:-SUBSCRIBER_DIGITS]
    if not block:
        return PhoneNumberType.UNKNOWN
    votes: Counter[int] = Counter()
    for digit in "0123456789":
        neighbour = PhoneNumber(
            country_code=number.country_code,
            national_number=int(block + digit * (len(national) - len(block))),
        )
        kind = number_type(neighbour)
        if kind != PhoneNumberType.UNKNOWN:
            votes[kind] += 1
    return votes.most_common(1)[0][0] if votes else PhoneNumberType.UNKNOWN


def phone_hint(region: str | None = None) -> str:
    """What a refused number's message asks for, with examples written as people write them."""
    return _hint(region or settings.PHONE_DEFAULT_REGION)


@lru_cache(maxsize=32)
def _hint(region: str) -> str:
    examples = HINT_EXAMPLES.get(region)
    if examples is None:
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.FIXED_LINE)
        if example is None:
            return "Enter a phone number with its country code, e.g. +44 20 7946 0000."
        examples = (
            phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL),
            phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL),
        )
    national, international = examples
    return f"Enter a phone number with its area code, e.g. {national} or {international}."


def to_e164(raw: str) -> str:
    phone = parse_phone(raw)
    return phone.e164 if phone else ""
