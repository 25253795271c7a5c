"""The lead entry form: contact details once, then each chosen destination's own fields.

The form class is built at run time from the destinations' field specs (LeadByte campaign
fields or a vendor operation's declared fields), the way Django's admin builds its forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.utils.datastructures import MultiValueDict

from leadhub.forms.rows import RowsFormSet, rows_formset_class
from leadhub.routing.models import Route
from leadhub.services.leads import contact_values, destination_payload_build, payload_build
from vendors.base import VendorAdapter
from vendors.fieldspec import FieldSpec, FieldType
from vendors.form_fields import form_field, form_fields
from vendors.models import Destination, unusable_campaign_q
from vendors.phones import parse_phone, phone_hint

# Contact values vendors receive that are derived from another: the form field staff type
# them into (errors on "full_name" belong on the first name).
DERIVED_CONTACT_SOURCE = {
    "full_name": "first_name",
    "phone_country_code": "phone",
    "phone_national": "phone",
}


def destination_prefix(destination: Destination) -> str:
    return f"d{destination.pk}__"


class ContactForm(forms.Form):
    first_name = forms.CharField(max_length=120)
    last_name = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False, help_text="Any format; +44 assumed.")
    company = forms.CharField(max_length=255, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    # Consent evidence (optional): shown on the lead's page, sent where a destination maps it.
    consent_date = forms.DateField(
        label="Opted in on", required=False, help_text="The date the person gave consent."
    )
    consent_url = forms.URLField(
        label="Opt-in page", max_length=500, required=False, assume_scheme="https"
    )
    consent_wording = forms.CharField(
        label="Opt-in wording",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="The words the person agreed to, as shown to them.",
    )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        if raw and parse_phone(raw) is None:
            raise forms.ValidationError(phone_hint())
        return raw


CONSENT_FORM_FIELDS = ("consent_date", "consent_url", "consent_wording")


class LeadEntryForm(ContactForm):
    destinations: ClassVar[Sequence[Destination]] = ()
    # Form name → the ROWS field entered as repeatable rows (a formset, not a form field).
    row_specs: ClassVar[dict[str, FieldSpec]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_sets: dict[str, RowsFormSet] = {
            name: rows_formset_class(spec)(self.data if self.is_bound else None, prefix=name)
            for name, spec in self.row_specs.items()
        }
        # Contact fields optional on their own that a chosen destination needs: marked
        # required on the form and said in their help, before Preview; clean() checks them.
        self.required_by: dict[str, list[str]] = {}
        for destination in self.destinations:
            for spec in destination.staff_field_specs():
                source = DERIVED_CONTACT_SOURCE.get(spec.contact or "", spec.contact)
                field = self.fields.get(source or "")
                if spec.required and field is not None and not field.required:
                    needing = self.required_by.setdefault(str(source), [])
                    if str(destination) not in needing:
                        needing.append(str(destination))
        for name, needing in self.required_by.items():
            field = self.fields[name]
            needed = f"Needed by {', '.join(needing)}."
            field.help_text = f"{field.help_text} {needed}" if field.help_text else needed

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField], list[RowsFormSet]]]:
        contact = [name for name in ContactForm.base_fields if name not in CONSENT_FORM_FIELDS]
        sets: list[tuple[str, list[forms.BoundField], list[RowsFormSet]]] = [
            ("Contact", [self[name] for name in contact], []),
            ("Consent (optional)", [self[name] for name in CONSENT_FORM_FIELDS], []),
        ]
        for destination in self.destinations:
            prefix = destination_prefix(destination)
            bound = [self[name] for name in self.fields if name.startswith(prefix)]
            rows = [rows for name, rows in self.row_sets.items() if name.startswith(prefix)]
            sets.append((str(destination), bound, rows))
        return sets

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        contact = contact_values(cleaned)
        # Contact fields feed every destination: check them against each one's rules.
        for destination in self.destinations:
            for spec in destination.staff_field_specs():
                source = DERIVED_CONTACT_SOURCE.get(spec.contact or "", spec.contact)
                if not spec.contact or source in self.errors:
                    continue
                value = contact.get(spec.contact) or ""
                try:
                    form_field(spec).clean(value)
                except forms.ValidationError as err:
                    for message in err.messages:
                        field = source if source in self.fields else None
                        self.add_error(field, f"{destination}: {message}")
        for name, rows in self.row_sets.items():
            if rows.is_valid():
                cleaned[name] = rows.rows()
            else:
                self.add_error(None, f"{rows.spec.label}: correct the rows below.")
        for destination in self.destinations:
            self._check_vendor_rules(destination, cleaned)
        return cleaned

    def _check_vendor_rules(self, destination: Destination, cleaned: dict[str, Any]) -> None:
        """Ask the vendor's adapter what it would refuse in the payload this form makes, and
        show each problem on the field that fills that vendor field."""
        prefix = destination_prefix(destination)
        values = {k.removeprefix(prefix): v for k, v in cleaned.items() if k.startswith(prefix)}
        payload = destination_payload_build(
            destination=destination, contact=self.contact_data(), values=values
        )
        vendor = destination.connection.adapter_class
        specs = {spec.name: spec for spec in destination.field_specs()}
        for vendor_field, messages in vendor.validate_payload(
            destination.operation, payload
        ).items():
            # A dot addresses a row of a ROWS field, unless the vendor's own name has one
            # (CRM.COM's "source.name").
            name, _, row_part = vendor_field.partition(".")
            if vendor_field in specs:
                name, row_part = vendor_field, ""
            spec = specs.get(name)
            if row_part and f"{prefix}{name}" in self.row_sets:
                index, _, row_field = row_part.partition(".")
                for message in messages:
                    self.row_sets[f"{prefix}{name}"].add_row_error(
                        int(index) if index.isdigit() else -1, row_field, message
                    )
                label = spec.label if spec else name
                rows_label = f"{destination}: correct the {label.lower()} rows."
                if rows_label not in self.non_field_errors():
                    self.add_error(None, rows_label)
                continue
            target = self._form_field_for(destination, spec)
            if target in self.errors:
                continue  # that field already says what is wrong with it
            label = spec.label if spec else vendor_field
            for message in messages:
                if target is None:
                    self.add_error(None, f"{destination}: {label}: {message}")
                elif target in ContactForm.base_fields:
                    self.add_error(target, f"{destination}: {message}")
                else:
                    self.add_error(target, message)

    def _form_field_for(self, destination: Destination, spec: FieldSpec | None) -> str | None:
        """The form field that fills a vendor field; None for a fixed or unknown one."""
        if spec is None or spec.name in destination.fixed_values:
            return None
        if spec.contact:
            return DERIVED_CONTACT_SOURCE.get(spec.contact, spec.contact)
        name = f"{destination_prefix(destination)}{spec.name}"
        return name if name in self.fields else None

    def contact_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ContactForm.base_fields}

    def destination_values(self) -> dict[int, dict[str, Any]]:
        values: dict[int, dict[str, Any]] = {}
        for destination in self.destinations:
            prefix = destination_prefix(destination)
            values[destination.pk] = {
                name.removeprefix(prefix): value
                for name, value in self.cleaned_data.items()
                if name.startswith(prefix)
            }
        return values


def lead_entry_form_class(destinations: Sequence[Destination]) -> type[LeadEntryForm]:
    attrs: dict[str, Any] = {"destinations": tuple(destinations), "row_specs": {}}
    for destination in destinations:
        prefix = destination_prefix(destination)
        specs = [s for s in destination.staff_field_specs() if not s.contact]
        attrs.update(form_fields([s for s in specs if s.type is not FieldType.ROWS], prefix))
        attrs["row_specs"].update(
            {f"{prefix}{s.name}": s for s in specs if s.type is FieldType.ROWS}
        )
    return type("LeadEntryForm", (LeadEntryForm,), attrs)


@dataclass(frozen=True)
class CleanedLead:
    """What an accepted lead entry comes to: the form's contact data and values per
    destination, and the payload each destination is sent."""

    contact: dict[str, Any]
    values: dict[int, dict[str, Any]]
    payloads: dict[int, dict[str, Any]]


def cleaned_lead(form: LeadEntryForm) -> CleanedLead:
    """The lead of a valid form, with each destination's payload."""
    contact, values = form.contact_data(), form.destination_values()
    payloads = {
        destination.pk: destination_payload_build(
            destination=destination, contact=contact, values=values.get(destination.pk, {})
        )
        for destination in form.destinations
    }
    return CleanedLead(contact=contact, values=values, payloads=payloads)


@dataclass(frozen=True)
class _DestinationRules:
    destination: Destination
    names: list[tuple[str, str]]  # (form field, vendor field) of its own fields
    specs: list[FieldSpec]
    vendor: type[VendorAdapter]
    settings: Mapping[str, Any]


class LeadEntryCleaner:
    """The lead entry form's checks, set up once and run on many rows (the bulk import).

    A bound form costs a deep copy of its fields, a bound field per field, an error dict and,
    in clean(), a form field and an adapter built anew per check. The cleaner builds those
    once from the form class and runs the same steps on a plain dict: each field's own
    clean() and the form's clean_<field> hooks, each contact value against each
    destination's field, and each vendor's payload rules, on the payload it then returns.

    It only ever accepts: a row with any problem gets None, and the form itself says what is
    wrong, in its words and order. A row it accepts is one the form accepts, with the same
    cleaned values and payloads (tests/leadhub/test_lead_entry_cleaner.py compares the two).
    Forms it cannot follow step by step (repeatable rows, disabled or file fields) are left
    to the form: ``usable`` is False.
    """

    def __init__(self, form_class: type[LeadEntryForm]) -> None:
        # Unbound; the clean_<field> hooks run on it with the row's cleaned data.
        form = self._form = form_class()
        # A field that cleans itself from the bound field (a file field) needs the form.
        plain_clean = getattr(forms.Field, "_clean_bound_field", None)  # private to Django
        self.usable = not form.row_specs and all(
            not field.disabled and getattr(type(field), "_clean_bound_field", None) is plain_clean
            for field in form.fields.values()
        )
        self._fields: list[tuple[str, Callable[[Any], Any], Callable[..., Any], Any]] = [
            (
                name,
                field.clean,
                field.widget.value_from_datadict,
                getattr(form, f"clean_{name}", None),
            )
            for name, field in form.fields.items()
        ]
        self._contact_checks = [
            (spec.contact, form_field(spec).clean)
            for destination in form.destinations
            for spec in destination.staff_field_specs()
            if spec.contact
        ]
        self._destinations: list[_DestinationRules] = []
        for destination in form.destinations:
            prefix = destination_prefix(destination)
            connection = destination.connection
            self._destinations.append(
                _DestinationRules(
                    destination=destination,
                    names=[
                        (n, n.removeprefix(prefix)) for n in form.fields if n.startswith(prefix)
                    ],
                    specs=destination.field_specs(),
                    # As destination_payload_build and _check_vendor_rules use them.
                    vendor=connection.adapter_class,
                    settings=connection.settings,
                )
            )
        self._files: MultiValueDict[str, Any] = MultiValueDict()

    def clean(self, data: Mapping[str, Any]) -> CleanedLead | None:
        """The lead the form makes of ``data``, or None: then ask the form what is wrong."""
        form = self._form
        cleaned: dict[str, Any] = {}
        form.cleaned_data = cleaned
        try:
            for name, clean, value_from, hook in self._fields:
                cleaned[name] = clean(value_from(data, self._files, name))
                if hook is not None:
                    cleaned[name] = hook()
            contact_mapped = contact_values(cleaned)
            for contact_name, check in self._contact_checks:
                check(contact_mapped.get(contact_name) or "")
            return self._lead(cleaned, contact_mapped)
        except forms.ValidationError:
            return None
        finally:
            del form.cleaned_data

    def _lead(self, cleaned: dict[str, Any], mapped: dict[str, Any]) -> CleanedLead | None:
        contact = {name: cleaned.get(name) for name in ContactForm.base_fields}
        values: dict[int, dict[str, Any]] = {}
        payloads: dict[int, dict[str, Any]] = {}
        for rules in self._destinations:
            destination = rules.destination
            own = {vendor: cleaned[name] for name, vendor in rules.names}
            payload = payload_build(
                vendor=rules.vendor,
                settings=rules.settings,
                specs=rules.specs,
                contact=contact,
                values=own,
                fixed_values=destination.fixed_values,
                payload=rules.vendor.base_payload(destination),
                mapped=mapped,  # what contact_values(contact) gives: the same contact fields
            )
            if rules.vendor.validate_payload(destination.operation, payload):
                return None
            values[destination.pk] = own
            payloads[destination.pk] = payload
        return CleanedLead(contact=contact, values=values, payloads=payloads)


# The query parameter the destination step's Continue button always sends.
CHOSEN_MARK = "chosen"


class DestinationChoiceForm(forms.Form):
    """Tick the destinations, or (where a route is offered to staff) route automatically."""

    destinations = forms.ModelMultipleChoiceField(
        queryset=Destination.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The lead is sent to each destination you tick.",
    )
    route = forms.ModelChoiceField(
        queryset=Route.objects.none(),
        required=False,
        label="Or route automatically",
        empty_label="No: I tick the destinations",
        help_text="The route decides where the lead goes, and the lead's page says why.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["destinations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        offered = Destination.objects.filter(is_active=True, connection__is_active=True)
        # LeadByte refuses every lead to an inactive campaign: say so rather than offer it.
        self.not_offered = list(offered.filter(unusable_campaign_q("campaign__")))
        field.queryset = offered.exclude(unusable_campaign_q("campaign__")).select_related(
            "connection", "campaign"
        )
        routes = self.fields["route"]
        assert isinstance(routes, forms.ModelChoiceField)
        routes.queryset = Route.objects.filter(for_staff=True, is_active=True)
        if not routes.queryset.exists():
            del self.fields["route"]  # nothing to offer: the page stays as it was

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        ticked, route = cleaned.get("destinations"), cleaned.get("route")
        if ticked and route:
            raise forms.ValidationError(
                "Tick destinations or route automatically, not both.", code="both"
            )
        if not ticked and not route and not self.errors:
            self.add_error("destinations", "Choose at least one destination.")
        return cleaned
