"""The lead entry form: contact details once, then each chosen destination's own fields.

The form class is built at run time from the destinations' field specs (LeadByte campaign
fields or a vendor operation's declared fields), the way Django's admin builds its forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms

from leadhub.forms.builder import form_field, form_fields
from leadhub.phones import parse_phone
from leadhub.services.leads import contact_values
from vendors.models import Destination


def destination_prefix(destination: Destination) -> str:
    return f"d{destination.pk}__"


class ContactForm(forms.Form):
    first_name = forms.CharField(max_length=120)
    last_name = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False, help_text="Any format; +44 assumed.")
    company = forms.CharField(max_length=255, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        if raw and parse_phone(raw) is None:
            raise forms.ValidationError("Enter a valid phone number.")
        return raw


class LeadEntryForm(ContactForm):
    destinations: ClassVar[Sequence[Destination]] = ()

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        sets = [("Contact", [self[name] for name in ContactForm.base_fields])]
        for destination in self.destinations:
            prefix = destination_prefix(destination)
            bound = [self[name] for name in self.fields if name.startswith(prefix)]
            sets.append((str(destination), bound))
        return sets

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        contact = contact_values(cleaned)
        # Contact fields feed every destination: check them against each one's rules.
        for destination in self.destinations:
            for spec in destination.staff_field_specs():
                if not spec.contact or spec.contact in self.errors:
                    continue
                value = contact.get(spec.contact) or ""
                try:
                    form_field(spec).clean(value)
                except forms.ValidationError as err:
                    for message in err.messages:
                        self.add_error(spec.contact, f"{destination}: {message}")
        return cleaned

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
    attrs: dict[str, Any] = {"destinations": tuple(destinations)}
    for destination in destinations:
        specs = [s for s in destination.staff_field_specs() if not s.contact]
        attrs.update(form_fields(specs, prefix=destination_prefix(destination)))
    return type("LeadEntryForm", (LeadEntryForm,), attrs)


class DestinationChoiceForm(forms.Form):
    destinations = forms.ModelMultipleChoiceField(
        queryset=Destination.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The lead is sent to each destination you tick.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destinations"].queryset = Destination.objects.filter(
            is_active=True, connection__is_active=True
        ).select_related("connection", "campaign")
