"""Phone numbers: the raw input is kept, an E.164 form is derived for matching and vendors."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from django.conf import settings

# How many numbers are remembered by their E.164 form (see parse_phone).
E164_REMEMBERED = 4096


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
@lru_cache(maxsize=4096)
def _parse(raw: str, region: str) -> Phone | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    # A number's type is UNKNOWN exactly when it is not valid: both match the number against
    # its region's patterns, so one question answers both (test_phones.py holds the library
    # to it).
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN or number.country_code is None:
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


def to_e164(raw: str) -> str:
    phone = parse_phone(raw)
    return phone.e164 if phone else ""
