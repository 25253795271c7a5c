"""A number's type from its block is the type phonenumbers gives the number itself."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumber, PhoneNumberType

from vendors import phone_types

# phonenumbers' tables against our blocks: no database at all.
pytestmark = pytest.mark.db_agnostic

# Countries with one region, several regions behind one code (+1, +44, +7), and a leading
# zero kept in the national number (+39).
COUNTRY_CODES = (44, 1, 7, 39, 46, 49, 33, 61, 353, 91, 34, 31, 47, 358, 41, 48, 27, 86, 81, 55)
TYPES = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.VOIP,
)


def _numbers() -> list[PhoneNumber]:
    """Each region's example numbers with a random number of their last digits changed,
    and every UK block of four digits with a few subscriber numbers."""
    rng = random.Random(15)
    numbers = []
    for code in COUNTRY_CODES:
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
            for kind in TYPES:
                example = phonenumbers.example_number_for_type(region, kind)
                if example is None:
                    continue
                digits = str(example.national_number)
                for _ in range(40):
                    changed = rng.randint(1, len(digits))
                    tail = "".join(rng.choice("0123456789") for _ in range(changed))
                    numbers.append(
                        PhoneNumber(
                            country_code=example.country_code,
                            national_number=int(digits[:-changed] + tail),
                            italian_leading_zero=example.italian_leading_zero,
                        )
                    )
    for block in range(1000, 10000, 7):
        for tail in ("000000", "123456", "999999", "550123"):
            numbers.append(PhoneNumber(country_code=44, national_number=int(f"{block}{tail}")))
    return numbers


def test_the_type_of_a_block_is_the_librarys_type_of_each_number() -> None:
    phone_types._blocks.clear()
    numbers = _numbers()
    assert len(numbers) > 10_000
    different = [n for n in numbers if phone_types.number_type(n) != phonenumbers.number_type(n)]
    assert different == []
    settled = [v for v in phone_types._blocks.values() if v is not None]
    assert len(settled) > len(phone_types._blocks) / 2  # most blocks are settled


@pytest.mark.parametrize(
    ("pattern", "number", "expected"),
    [
        (r"7\d{3}", "7XXX", True),  # any digits: every number of the block
        (r"7[0-4]\d{2}", "7XXX", None),  # depends on the hidden digits
        (r"8\d{3}", "7XXX", False),  # none of them
        (r"7(?:911[028])\d{5}", "79110XXXXX", True),
    ],
)
def test_a_pattern_is_settled_only_when_the_hidden_digits_cannot_change_it(
    pattern: str, number: str, expected: bool | None
) -> None:
    try:
        answer: bool | None = phone_types._settled(number, pattern, whole=True)
    except phone_types.Unsettled:
        answer = None
    assert answer is expected


def test_a_pattern_it_cannot_read_is_never_settled() -> None:
    with pytest.raises(phone_types.Unsettled):
        phone_types._settled("7XXX", r"7\w{3}", whole=True)


def _written(rng: random.Random) -> list[str]:
    """Numbers written the plain ways and the ways next to them the library must judge."""
    raws = []
    for block in range(0, 10000, 13):
        digits = f"{block:04d}" + "".join(rng.choice("0123456789") for _ in range(6))
        raws += [
            f"0{digits}",
            f"0{digits[:4]} {digits[4:]}",
            f"0{digits[:3]} {digits[3:6]} {digits[6:]}",
            f"+44 {digits}",
            f"+44{digits[:4]} {digits[4:]}",
            f"0{digits[:-1]}",  # too short
            f"0{digits}1",  # too long
            f"+44 0{digits}",  # the national prefix after the country code
            f"00{digits}",  # an international call prefix
            f"+{digits}",
            f"+0{digits}",
            f"+1 {digits}",
            f"+39 0{digits[:9]}",  # Italy keeps its leading zero
            f"+353 {digits[:9]}",
            f"0{digits[:4]}  {digits[4:]}",  # two spaces: the library's
        ]
    return raws


@pytest.mark.parametrize("region", ["GB", "US", "SE", "IT"])
def test_a_plainly_written_number_reads_as_the_library_reads_it(region: str) -> None:
    for raw in _written(random.Random(region)):
        try:
            expected: object = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException as err:
            expected = err.error_type
        try:
            answer: object = phone_types.number_parse(raw, region)
        except phonenumbers.NumberParseException as err:
            answer = err.error_type
        assert answer == expected, raw
