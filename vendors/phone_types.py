"""A phone number's type, worked out once per operator block instead of once per number.

phonenumbers decides a number's type (and so whether it is valid) by matching its national
number against its region's patterns, about a dozen regular expressions: 20 µs a number,
most of the time of a bulk import of unique numbers. Those patterns mostly decide on the
first digits; the last ones are "any digit" (``\\d{6}``). So the number's last digits are
replaced by a wildcard and each pattern asked twice:

- the wildcard matches only where the pattern takes any digit (``\\d``): a match means every
  number with that beginning matches;
- the wildcard matches wherever the pattern takes some digit: no match means none does.

When every pattern the library would consult is settled either way, the answer holds for
the whole block and is remembered for it; else fewer digits are hidden, and in the end the
library itself is asked. The library's own order of questions (``number_type``,
``region_code_for_number``) is followed step by step, so the answer is the library's answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber, PhoneNumberType

WILDCARD = "X"
# Digits hidden at the end of a national number, most first.
HIDDEN = (6, 5, 4, 3)
BLOCKS_REMEMBERED = 50_000
# The specific types in the order phonenumbers asks about them (_number_type_helper).
SPECIFIC = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)


class Unsettled(Exception):
    """The block's numbers do not all give the same answer."""


_TOKEN = re.compile(r"\\d|\[[^\]^\\]*\]|[0-9]|\(\?:|[()|?*+]|\{\d+(?:,\d*)?\}")


@lru_cache(maxsize=1024)
def _patterns(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """The pattern with the wildcard taken only by ``\\d`` (sure matches) and by anything that
    takes a digit (sure misses); None for a pattern using anything else (then not settled)."""
    sure, maybe, position = [], [], 0
    for token in _TOKEN.finditer(pattern):
        if token.start() != position:
            return None
        position = token.end()
        text = token.group()
        if text == r"\d":
            sure.append(rf"[\d{WILDCARD}]")
            maybe.append(rf"[\d{WILDCARD}]")
        elif text.startswith("[") or text.isdigit():
            inside = text[1:-1] if text.startswith("[") else text
            if not re.fullmatch(r"[0-9\-]+", inside):
                return None
            sure.append(text)
            maybe.append(f"[{inside}{WILDCARD}]")
        else:
            sure.append(text)
            maybe.append(text)
    if position != len(pattern):
        return None
    return re.compile(f"(?:{''.join(sure)})"), re.compile(f"(?:{''.join(maybe)})")


def _matches(number: str, desc: phonenumbers.PhoneNumberDesc | None) -> bool:
    """_is_number_matching_desc, settled for the block; raises Unsettled."""
    if desc is None:
        return False
    lengths = desc.possible_length
    if lengths and len(number) not in lengths:
        return False
    if not desc.national_number_pattern:
        return False
    return _settled(number, desc.national_number_pattern, whole=True)


def _settled(number: str, pattern: str, *, whole: bool) -> bool:
    """Whether the pattern matches the whole number (else its start) whatever the hidden
    digits are; raises Unsettled when that depends on them."""
    compiled = _patterns(pattern)
    if compiled is None:
        raise Unsettled
    sure, maybe = compiled
    if (sure.fullmatch if whole else sure.match)(number):
        return True
    if not (maybe.fullmatch if whole else maybe.match)(number):
        return False
    raise Unsettled


def _type(number: str, metadata: PhoneMetadata) -> int:
    """_number_type_helper for every number of the block; raises Unsettled."""
    if not _matches(number, metadata.general_desc):
        return PhoneNumberType.UNKNOWN
    for name, kind in SPECIFIC:
        if _matches(number, getattr(metadata, name)):
            return kind
    same = metadata.same_mobile_and_fixed_line_pattern
    if _matches(number, metadata.fixed_line):
        if same or _matches(number, metadata.mobile):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return PhoneNumberType.FIXED_LINE
    if not same and _matches(number, metadata.mobile):
        return PhoneNumberType.MOBILE
    return PhoneNumberType.UNKNOWN


def _block_type(country_code: int, number: str) -> int:
    """number_type for every number of the block; raises Unsettled."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    region = None
    if regions is not None and len(regions) == 1:
        region = regions[0]
    elif regions is not None:
        for code in regions:
            metadata = PhoneMetadata.metadata_for_region(code.upper(), None)
            if metadata is None:
                continue
            if metadata.leading_digits is not None:
                if _settled(number, metadata.leading_digits, whole=False):
                    region = code
                    break
            elif _type(number, metadata) != PhoneNumberType.UNKNOWN:
                region = code
                break
    # As number_type: no region found gives no metadata (the stubs want a region).
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)  # type: ignore[arg-type]
    if metadata is None:
        return PhoneNumberType.UNKNOWN
    return _type(number, metadata)


_blocks: dict[tuple[int, str, int], int | None] = {}


def number_type(number: PhoneNumber) -> int:
    """phonenumbers.number_type(number), from what is known of the number's block."""
    if number.italian_leading_zero or number.country_code is None:
        return phonenumbers.number_type(number)
    national = str(number.national_number)
    for hidden in HIDDEN:
        if hidden >= len(national):
            continue
        key = (number.country_code, national[:-hidden], len(national))
        if key not in _blocks:
            if len(_blocks) >= BLOCKS_REMEMBERED:
                _blocks.clear()
            try:
                _blocks[key] = _block_type(key[0], key[1] + WILDCARD * hidden)
            except Unsettled:
                _blocks[key] = None
        known = _blocks[key]
        if known is not None:
            return known
    return phonenumbers.number_type(number)


# Digits, with single spaces between groups: "07911 123456", "+44 7911 123456".
_PLAIN = re.compile(r"(\+?)(\d+(?: \d+)*)")


def number_parse(raw: str, region: str) -> PhoneNumber:
    """phonenumbers.parse(raw, region), read directly when the number is written in one of
    the plain ways people write numbers: the national form with its national prefix
    ("07911 123456") or the international one ("+44 7911 123456"), digits and single
    spaces only. Anything else, or anything the library might read otherwise (an
    international call prefix, a carrier code, a length the region does not have), is
    left to the library. Raises NumberParseException as the library does."""
    plain = _PLAIN.fullmatch(raw)
    if plain is not None:
        digits = plain.group(2).replace(" ", "")
        number = _international(digits) if plain.group(1) else _national(digits, region)
        if number is not None:
            return number
    return phonenumbers.parse(raw, region)


def _national(digits: str, region: str) -> PhoneNumber | None:
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or not metadata.national_prefix or metadata.national_prefix_transform_rule:
        return None
    prefix = metadata.national_prefix
    international = metadata.international_prefix or ""
    if not international.isdigit() or digits.startswith(international):
        return None
    strip = re.match(metadata.national_prefix_for_parsing or prefix, digits)
    if strip is None or strip.group() != prefix or strip.groups():
        return None
    return _significant(metadata, digits[len(prefix) :])


def _international(digits: str) -> PhoneNumber | None:
    if digits[0] == "0":
        return None  # no country code starts with 0
    for length in (1, 2, 3):
        code = int(digits[:length])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    regions = COUNTRY_CODE_TO_REGION_CODE[code]
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
    if metadata is None:
        return None
    national = digits[length:]
    strip = metadata.national_prefix_for_parsing
    if strip and re.match(strip, national):
        return None  # the library would try to take a national prefix off
    return _significant(metadata, national)


def _significant(metadata: PhoneMetadata, national: str) -> PhoneNumber | None:
    """The number, when ``national`` is a whole national significant number of the region:
    a length it has, matching its general pattern, no leading zero."""
    general = metadata.general_desc
    if (
        not national
        or national[0] == "0"
        or general is None
        or not general.national_number_pattern
        or len(national) not in general.possible_length
        or not re.fullmatch(general.national_number_pattern, national)
    ):
        return None
    return PhoneNumber(country_code=metadata.country_code, national_number=int(national))
