"""The import wizard's forms: the file and its destinations, then the column mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from leadhub.forms.lead_entry import DestinationChoiceForm
from leadhub.imports.rows import Target
from leadhub.routing.models import Route


def column_label(header: str, samples: Mapping[str, Sequence[str]]) -> str:
    """ "Mobile (07911 123457, 07700 900123)": a column and what it holds."""
    shown = ", ".join(value[:30] for value in samples.get(header, []))
    return f"{header} ({shown})" if shown else f"{header} (empty)"


class UploadForm(DestinationChoiceForm):
    file = forms.FileField(
        label="CSV file",
        help_text="The first row names the columns. Comma, semicolon or tab separated; "
        "UTF-8 or Windows/Latin-1 text, as spreadsheets save it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The routes offered are those whose sources include imports, not staff's.
        routes = Route.objects.filter(for_imports=True, is_active=True)
        if routes.exists():
            self.fields["route"] = forms.ModelChoiceField(
                queryset=routes,
                required=False,
                label="Or route each row",
                empty_label="No: I tick the destinations",
                help_text="Each row is routed as an API lead is; rows no destination can "
                "take are held, with the reason, on Routing → Routed leads.",
            )
        else:
            self.fields.pop("route", None)


class MappingForm(forms.Form):
    """One choice per field a column can fill; required fields need a column. Each column
    is offered with its first values, so staff see what it holds as they choose."""

    required_css_class = "required"

    def __init__(
        self,
        *args: Any,
        targets: Sequence[Target],
        headers: Sequence[str],
        samples: Mapping[str, Sequence[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        self.samples = samples = samples or {}
        choices = [("", "— not imported —"), *((h, column_label(h, samples)) for h in headers if h)]
        for target in self.targets:
            self.fields[target.key] = forms.ChoiceField(
                label=target.label,
                choices=choices,
                required=target.required,
                error_messages={"required": "Required: choose the column that fills it."},
            )

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[t.key] for t in self.targets if "__" not in t.key]

    def destination_fields(self) -> list[forms.BoundField]:
        return [self[t.key] for t in self.targets if "__" in t.key]

    def destination_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Each destination's fields under its name, each labelled by the field alone."""
        groups: dict[str, list[forms.BoundField]] = {}
        for bound in self.destination_fields():
            destination, _, label = str(bound.label).rpartition(": ")
            bound.label = label
            groups.setdefault(destination, []).append(bound)
        return list(groups.items())

    def mapping(self) -> dict[str, str]:
        return {key: header for key, header in self.cleaned_data.items() if header}
