"""The import wizard's forms: the file and its destinations, then the column mapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from leadhub.forms.lead_entry import DestinationChoiceForm
from leadhub.imports.rows import Target


class UploadForm(DestinationChoiceForm):
    file = forms.FileField(
        label="CSV file",
        help_text="The first row names the columns. Comma, semicolon or tab separated; "
        "UTF-8 or Windows/Latin-1 text, as spreadsheets save it.",
    )


class MappingForm(forms.Form):
    """One choice per field a column can fill; required fields need a column."""

    def __init__(
        self, *args: Any, targets: Sequence[Target], headers: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        choices = [("", "— not imported —"), *((h, h) for h in headers if h)]
        for target in self.targets:
            self.fields[target.key] = forms.ChoiceField(
                label=target.label,
                choices=choices,
                required=target.required,
                error_messages={"required": "This field is required: choose the column for it."},
                help_text="Required." if target.required else "",
            )

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[t.key] for t in self.targets if "__" not in t.key]

    def destination_fields(self) -> list[forms.BoundField]:
        return [self[t.key] for t in self.targets if "__" in t.key]

    def mapping(self) -> dict[str, str]:
        return {key: header for key, header in self.cleaned_data.items() if header}
