"""Edit a rejected submission's payload as the vendor's own fields, then send it again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms

from leadhub.models import Submission
from vendors.fieldspec import FieldSpec, FieldType
from vendors.form_fields import DATE_INPUT_FORMATS, form_field


def editable_specs(submission: Submission) -> list[FieldSpec]:
    """The vendor fields a person may correct: the destination's staff fields (fixed values
    stay hidden and unchanged), or the operation's fields for a follow-up."""
    if submission.destination is not None:
        return submission.destination.staff_field_specs()
    operation = submission.connection.adapter_class.operations.get(submission.operation)
    return list(operation.fields) if operation else []


def _initial(spec: FieldSpec, value: Any) -> Any:
    if spec.type is FieldType.DATE and isinstance(value, str):
        for fmt in (*DATE_INPUT_FORMATS, "%d/%m/%Y"):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
    if spec.type is FieldType.EMAILS and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


class SubmissionEditForm(forms.Form):
    """One field per vendor field, named ``field_<n>`` (vendor names may hold spaces)."""

    def __init__(self, submission: Submission, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submission = submission
        self.specs = editable_specs(submission)
        for index, spec in enumerate(self.specs):
            field = form_field(spec)
            field.help_text = " ".join(p for p in (f"Sent as {spec.name}.", spec.help) if p)
            field.initial = _initial(spec, submission.payload.get(spec.name, spec.default))
            self.fields[f"field_{index}"] = field
        # Errors the vendor named by field are shown on that field.
        for name, messages in (submission.field_errors or {}).items():
            for index, spec in enumerate(self.specs):
                if spec.name == name:
                    self.fields[f"field_{index}"].help_text += " The vendor said: " + "; ".join(
                        str(m) for m in messages
                    )

    def payload(self) -> dict[str, Any]:
        """The payload with the edited fields, formatted the way the vendor wants them."""
        connection = self.submission.connection
        payload = dict(self.submission.payload)
        for index, spec in enumerate(self.specs):
            value = self.cleaned_data.get(f"field_{index}")
            if value is None or value == "" or value == []:
                payload.pop(spec.name, None)
            else:
                payload[spec.name] = connection.adapter_class.format_value(
                    spec, value, connection.settings
                )
        return payload
