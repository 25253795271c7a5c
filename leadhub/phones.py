"""Phone numbers: the raw input is kept, an E.164 form is derived for matching and vendors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import phonenumbers
from django.conf import settings


@dataclass(frozen=True)
class Phone:
    e164: str
    country_code: int
    national: str

    @cached_property
    def is_uk_mobile(self) -> bool:
        number = phonenumbers.parse(self.e164)
        return (
            number.country_code == 44
            and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        )


def parse_phone(raw: str, region: str | None = None) -> Phone | None:
    """A valid number in any format people type, or None."""
    if not raw or not raw.strip():
        return None
    return _parse(raw, region or settings.PHONE_DEFAULT_REGION)


# One lead's number is parsed by the form, its validators and the payload builder; a bulk
# import does that for every row, so the (immutable) answer is remembered.
@lru_cache(maxsize=4096)
def _parse(raw: str, region: str) -> Phone | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country_code=number.country_code,
        national=str(number.national_number),
    )


def to_e164(raw: str) -> str:
    phone = parse_phone(raw)
    return phone.e164 if phone else ""
