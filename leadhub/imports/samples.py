"""What helps staff prepare and map a file: a CSV template per destination, and the first
values of each column of an uploaded file.

The template's header row is the import's own field labels, which the mapping recognises
by themselves, and its one row is a lead the destination's form accepts.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from leadhub.csvfiles import numbered_rows, reader
from leadhub.imports.models import ImportJob
from leadhub.imports.rows import targets
from vendors.fieldspec import FieldSpec, FieldType
from vendors.models import Destination

SAMPLE_ROWS = 3
# A lead every destination's form takes: the contact fields the import knows.
CONTACT_SAMPLE: dict[str, str] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "07911 123456",
    "company": "Analytical Engines Ltd",
    "notes": "Asked for a call back after 5 pm",
    "consent_date": date.today().isoformat(),
    "consent_url": "https://www.example.com/quote",
    "consent_wording": "I agree to be contacted about my quote.",
}
BY_TYPE: dict[FieldType, str] = {
    FieldType.EMAIL: "ada@example.com",
    FieldType.EMAILS: "ada@example.com",
    FieldType.DATE: (date.today() - timedelta(days=365 * 30)).isoformat(),
    FieldType.ALPHABETICAL: "Example",
    FieldType.UK_MOBILE: "07911 123456",
    FieldType.PHONE: "07911 123456",
    FieldType.POSTCODE: "SW1A 1AA",
    FieldType.INTEGER: "1",
    FieldType.DECIMAL: "1.5",
    FieldType.BOOLEAN: "yes",
}


def spec_sample(spec: FieldSpec) -> str:
    """A value this field takes: its default, its first choice, or one of its type."""
    if spec.default not in (None, ""):
        return _text(spec.default)
    offered = [value for value, _ in spec.choices if str(value).strip()]
    if offered:
        return str(offered[0])
    if spec.type in (FieldType.INTEGER, FieldType.DECIMAL) and spec.min_value is not None:
        return _text(int(spec.min_value) if spec.type is FieldType.INTEGER else spec.min_value)
    return BY_TYPE.get(spec.type, "Example")[: spec.max_length or None]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def import_template(destination: Destination) -> tuple[list[str], list[str]]:
    """The header row and one sample row of a file this destination's import takes."""
    by_name = {spec.name: spec for spec in destination.staff_field_specs()}
    header: list[str] = []
    row: list[str] = []
    for target in targets([destination]):
        name = target.key.rsplit("__", 1)[-1]
        if "__" not in target.key:
            header.append(target.label)
            row.append(CONTACT_SAMPLE.get(target.key, ""))
            continue
        spec = by_name.get(name)
        header.append(spec.label if spec else target.label)
        row.append(spec_sample(spec) if spec else "")
    return header, row


def import_samples(job: ImportJob, count: int = SAMPLE_ROWS) -> dict[str, list[str]]:
    """The first non-empty values of each of the file's columns, by header."""
    source = bytes(ImportJob.objects.values_list("source", flat=True).get(pk=job.pk))
    rows = reader(source, job.encoding, job.delimiter)
    next(rows, None)
    samples: dict[str, list[str]] = {header: [] for header in job.headers if header}
    for _, cells in itertools.islice(numbered_rows(rows), 20):
        for header, cell in zip(job.headers, cells, strict=False):
            shown = samples.get(header)
            if shown is not None and cell.strip() and len(shown) < count:
                shown.append(cell.strip())
    return samples
