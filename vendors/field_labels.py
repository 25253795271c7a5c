"""Vendor fields in plain words: the label staff read, and choice lists without repeats.

Vendors name fields for their databases (``make_of_car``, ``DOB``, ``First_Name``) and
sometimes list one answer twice (LeadByte's gender "Male, Female, M, F"). Staff see a plain
label instead: the one an integration admin set on the destination, else the vendor's
humanised. What is sent never changes: the vendor field name, and the vendor's own values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from vendors.fieldspec import FieldSpec

# Vendor labels whose words do not say what they are.
KNOWN_LABELS: dict[str, str] = {
    "dob": "Date of birth",
    "d.o.b.": "Date of birth",
    "date_of_birth": "Date of birth",
    "sid": "Source ID",
    "ssid": "Sub-source ID",
    "optindate": "Opted in on",
    "optinurl": "Opt-in page",
    "optinwording": "Opt-in wording",
}
# Where the spec keeps the label the vendor gave, for matching CSV headers and for admins.
VENDOR_LABEL = "vendor_label"
_SEPARATORS = re.compile(r"[_\s]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def plain_label(label: str, name: str = "") -> str:
    """A vendor label in plain words: ``make_of_car`` → "Make of car", ``DOB`` → "Date of
    birth". A label already written for people ("Postcode", "Company name") is kept."""
    text = (label or name).strip()
    known = KNOWN_LABELS.get(text.lower()) or KNOWN_LABELS.get(name.lower())
    if known and (not label or label.lower() in (name.lower(), text.lower())):
        return known
    if "_" not in text and not _CAMEL.search(text) and text != text.lower():
        return text  # "Gender", "Postcode", "VAT number": already plain
    words = _SEPARATORS.sub(" ", _CAMEL.sub(" ", text)).strip().split(" ")
    plain = [w if (w.isupper() and len(w) > 1) else w.lower() for w in words if w]
    if not plain:
        return name
    first = plain[0]
    return " ".join([first[:1].upper() + first[1:], *plain[1:]])


def plain_choices(choices: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The choices staff are offered: one per answer. A repeated label is offered once (its
    first value), and a one-letter answer is left out where exactly one longer answer starts
    with it ("M" beside "Male"). The vendor's values all stay valid; only the list is shorter.
    """
    listed = [(value, str(label)) for value, label in choices]
    longer = [label for value, label in listed if value != "" and len(label.strip()) > 1]
    shown: list[tuple[Any, Any]] = []
    seen: set[str] = set()
    for value, label in listed:
        key = label.strip().casefold()
        if value != "" and len(key) == 1:
            meaning = [other for other in longer if other.strip().casefold().startswith(key)]
            if len(meaning) == 1:
                continue
        if key in seen and value != "":
            continue
        seen.add(key)
        shown.append((value, label))
    return shown


def choice_label(spec: FieldSpec, value: Any) -> str | None:
    """The words a chosen value stands for ("M" → "Male"), or None if it is not a choice."""
    labels = {str(v): str(label) for v, label in spec.choices}
    label = labels.get(str(value))
    if label is None:
        return None
    if len(label.strip()) == 1:
        for _value, shown_label in plain_choices(spec.choices):
            if str(shown_label).strip().casefold().startswith(label.strip().casefold()):
                return str(shown_label)
    return label


def spec_in_plain_words(spec: FieldSpec, label: str | None = None) -> FieldSpec:
    """``spec`` with the label staff read: ``label`` (an admin's), else the vendor's made
    plain. Its name, choices and rules are the vendor's."""
    return replace(
        spec,
        label=(label or "").strip() or plain_label(spec.label, spec.name),
        extra={**spec.extra, VENDOR_LABEL: spec.extra.get(VENDOR_LABEL, spec.label)},
    )


def specs_in_plain_words(
    specs: Iterable[FieldSpec], labels: Mapping[str, str] | None = None
) -> list[FieldSpec]:
    labels = labels or {}
    return [spec_in_plain_words(spec, labels.get(spec.name)) for spec in specs]
