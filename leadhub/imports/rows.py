"""What a CSV column can fill, and one row checked by the lead entry form itself.

Each row becomes the data of the very form class staff fill in the admin
(``lead_entry_form_class``), so an imported lead obeys exactly the rules a typed one does:
the contact fields, each destination's own fields, and the contact fields checked against
each destination's rules. The form's checks are set up once per import
(``LeadEntryCleaner``); a row they do not accept is bound to the form, which says what is
wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db.models import Prefetch

from leadhub.csvfiles import looks_like_formula
from leadhub.forms.lead_columns import REFUSED, Accepted, ColumnCleaner, Memo
from leadhub.forms.lead_entry import (
    CleanedLead,
    ContactForm,
    LeadEntryCleaner,
    LeadEntryForm,
    cleaned_lead,
    destination_prefix,
    lead_entry_form_class,
)
from vendors.field_labels import VENDOR_LABEL
from vendors.fieldspec import FieldType
from vendors.models import CampaignField, Destination

# Contact values vendors may ask for, and the lead field that provides each.
CONTACT_SOURCES = {
    "first_name": "first_name",
    "last_name": "last_name",
    "full_name": "first_name",
    "email": "email",
    "phone": "phone",
    "phone_country_code": "phone",
    "phone_national": "phone",
    "company": "company",
    "notes": "notes",
    "consent_date": "consent_date",
    "consent_url": "consent_url",
    "consent_wording": "consent_wording",
}
# Header names people use for each lead field (compared without case, spaces or punctuation).
CONTACT_ALIASES = {
    "first_name": {"firstname", "first", "forename", "givenname"},
    "last_name": {"lastname", "surname", "familyname", "last"},
    "email": {"email", "emailaddress", "mail"},
    "phone": {"phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "phone1"},
    "company": {"company", "companyname", "organisation", "organization", "business"},
    "notes": {"notes", "note", "comments", "comment"},
    "consent_date": {"consentdate", "optindate", "optedinon", "consentgiven"},
    "consent_url": {"consenturl", "optinurl", "optinpage", "consentsource", "sourceurl"},
    "consent_wording": {"consentwording", "optinwording", "consenttext", "optintext"},
}
TRUE_WORDS = {"1", "y", "yes", "true", "x", "on"}
FALSE_WORDS = {"", "0", "n", "no", "false", "off"}


@dataclass(frozen=True)
class Target:
    """A form field a column can fill: a lead field or one destination's field."""

    key: str  # the lead entry form's field name
    label: str
    required: bool
    is_boolean: bool = False
    default: Any = None
    aliases: frozenset[str] = frozenset()


def normalise_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def destinations_for_import(pks: Sequence[int]) -> list[Destination]:
    """The destinations with everything row checks need loaded once, not once per row."""
    fields = Prefetch("campaign__fields", queryset=CampaignField.objects.order_by("position"))
    rows = list(
        Destination.objects.filter(pk__in=pks)
        .select_related("connection", "campaign")
        .prefetch_related(fields)
        .order_by("name")
    )
    for destination in rows:
        # A destination's fields do not change during one import, but field_specs() builds
        # them anew on every call (several per row): build them once for this instance.
        specs = destination.field_specs()
        destination.field_specs = partial(list, specs)  # type: ignore[method-assign]
    return rows


def targets(destinations: Sequence[Destination]) -> list[Target]:
    required_contact = {"first_name"}
    for destination in destinations:
        for spec in destination.staff_field_specs():
            if spec.contact in CONTACT_SOURCES and spec.required:
                required_contact.add(CONTACT_SOURCES[spec.contact])
    found: list[Target] = [
        Target(
            key=name,
            label=str(field.label or name.replace("_", " ").capitalize()),
            required=name in required_contact,
            aliases=frozenset(CONTACT_ALIASES[name] | {normalise_header(name)}),
        )
        for name, field in ContactForm.base_fields.items()
    ]
    for destination in destinations:
        prefix = destination_prefix(destination)
        for spec in destination.staff_field_specs():
            if spec.contact:
                continue
            is_boolean = spec.type is FieldType.BOOLEAN
            found.append(
                Target(
                    key=f"{prefix}{spec.name}",
                    label=f"{destination}: {spec.label}",
                    required=spec.required and spec.default is None and not is_boolean,
                    is_boolean=is_boolean,
                    default=spec.default,
                    # A header may name the field as the vendor does or as staff read it.
                    aliases=frozenset(
                        normalise_header(text)
                        for text in (spec.name, spec.label, spec.extra.get(VENDOR_LABEL, ""))
                        if text
                    ),
                )
            )
    return found


def guess_mapping(headers: Sequence[str], all_targets: Sequence[Target]) -> dict[str, str]:
    """Target key → header, for headers whose name matches a field's name or label."""
    by_name = {normalise_header(h): h for h in headers if h}
    guessed = {}
    for target in all_targets:
        header = next((by_name[a] for a in sorted(target.aliases) if a in by_name), None)
        if header:
            guessed[target.key] = header
    return guessed


class RowChecker:
    """Turns a CSV row into the lead the entry form makes of it, or says what is wrong."""

    def __init__(
        self,
        destinations: Sequence[Destination],
        headers: Sequence[str],
        mapping: Mapping[str, str],
    ) -> None:
        self.destinations = list(destinations)
        self.form_class: type[LeadEntryForm] = lead_entry_form_class(self.destinations)
        cleaner = LeadEntryCleaner(self.form_class)
        self.cleaner = cleaner if cleaner.usable else None
        self.headers = list(headers)
        self.targets = {t.key: t for t in targets(self.destinations)}
        index = {h: i for i, h in enumerate(self.headers)}
        self.columns = [
            (key, index[header])
            for key, header in mapping.items()
            if key in self.targets and header in index
        ]
        mapped = {key for key, _ in self.columns}
        self.defaults = {
            t.key: t.default
            for t in self.targets.values()
            if t.key not in mapped and t.default is not None
        }
        self.labels = {key: t.label for key, t in self.targets.items()}
        columns = ColumnCleaner(self.form_class)
        hashable = all(isinstance(v, str | int | float | bool) for v in self.defaults.values())
        self.column_cleaner = columns if columns.usable and hashable else None
        self._cells = {key: Memo(partial(self._cell, self.targets[key])) for key, _ in self.columns}
        self._form: LeadEntryForm | None = None

    def data(self, cells: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        data: dict[str, Any] = dict(self.defaults)
        problems: list[str] = []
        extra = [c for c in cells[len(self.headers) :] if c.strip()]
        if extra:
            problems.append(
                f"This row has {len(cells)} cells but the header names {len(self.headers)} "
                "columns (a value with the delimiter in it needs quotes)."
            )
        for key, position in self.columns:
            value = cells[position] if position < len(cells) else ""
            target = self.targets[key]
            if looks_like_formula(value):
                problems.append(
                    f"{target.label}: this is a spreadsheet formula ({value.strip()[:20]}…); "
                    "export the values, not the formulas."
                )
                continue
            if target.is_boolean:
                word = value.strip().lower()
                if word not in TRUE_WORDS | FALSE_WORDS:
                    problems.append(f"{target.label}: enter yes or no.")
                    continue
                value = "true" if word in TRUE_WORDS else "false"
            data[key] = value
        return data, problems

    @staticmethod
    def _cell(target: Target, value: str) -> Any:
        """A cell as data() puts it in the form's data, or REFUSED where data() objects."""
        if looks_like_formula(value):
            return REFUSED
        if target.is_boolean:
            word = value.strip().lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                return REFUSED
            return "true" if word in TRUE_WORDS else "false"
        return value

    def check_rows(self, rows: Sequence[Sequence[str]]) -> list[Accepted | None]:
        """Each row's lead columns and payloads checked a column at a time, or None for a
        row to check() on its own (one the form refuses, or that has too many cells)."""
        size = len(rows)
        if self.column_cleaner is None:
            return [None] * size
        width = len(self.headers)
        columns: dict[str, Sequence[Any]] = {
            key: [value] * size for key, value in self.defaults.items()
        }
        for key, position in self.columns:
            raw = [cells[position] if position < len(cells) else "" for cells in rows]
            columns[key] = self._cells[key].column(raw)
        accepted = self.column_cleaner.clean(columns, size)
        for i, cells in enumerate(rows):
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                accepted[i] = None
        return accepted

    def check(self, cells: Sequence[str]) -> tuple[CleanedLead | None, list[str]]:
        """The row's lead, or None and every problem in plain words."""
        data, problems = self.data(cells)
        if problems:
            return None, problems
        if self.cleaner is not None:
            lead = self.cleaner.clean(data)
            if lead is not None:
                return lead, []
        form = self._bind(data)
        if form.is_valid():
            return cleaned_lead(form), []
        for name, messages in form.errors.items():
            label = self.labels.get(name, "Row") if name != "__all__" else "Row"
            problems.extend(f"{label}: {message}" for message in messages)
        return None, problems

    def _bind(self, data: dict[str, Any]) -> LeadEntryForm:
        """A fresh form per row costs a deep copy of every field; a checked form's fields
        and bound fields hold no row state (they read form.data), so the one form is bound
        again to each row's data."""
        form = self._form
        if form is None:
            form = self._form = self.form_class(data)
            return form
        form.data = data
        form.is_bound = True
        # Django's cache of the form's errors (private, so django-stubs leaves it out):
        # cleared, they are worked out again for this row.
        form._errors = None  # type: ignore[attr-defined]
        if hasattr(form, "cleaned_data"):
            del form.cleaned_data
        return form
