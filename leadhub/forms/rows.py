"""Repeatable rows for a ROWS field (SalesByte's quote alternatives): a small formset.

Each row is a form built from the spec's ``row_fields`` by the same builder as every other
field; blank rows are ignored, so a few empty rows can always be offered.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms import BaseFormSet, formset_factory

from vendors.fieldspec import FieldSpec
from vendors.form_fields import form_fields

DEFAULT_ROWS = 3
MAX_ROWS = 20


class RowsFormSet(BaseFormSet):
    spec: FieldSpec

    def filled_forms(self) -> list[forms.Form]:
        """The row forms somebody filled in, in the order shown (after ``is_valid``)."""
        return [form for form in self.forms if form.has_changed()]

    def rows(self) -> list[dict[str, Any]]:
        """The filled rows as vendor field → value, blanks left out."""
        return [
            {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
            for form in self.filled_forms()
        ]

    def add_row_error(self, index: int, field: str, message: str) -> None:
        """Show a message on one field of the ``index``-th filled row."""
        filled = self.filled_forms()
        if 0 <= index < len(filled):
            form = filled[index]
            form.add_error(field if field in form.fields else None, message)
        else:
            self.non_form_errors().append(message)


def rows_formset_class(spec: FieldSpec) -> type[RowsFormSet]:
    row_form = type("RowForm", (forms.Form,), form_fields(spec.row_fields))
    rows = int(spec.extra.get("rows", DEFAULT_ROWS))
    # formset_factory subclasses the formset it is given; its declared type forgets which.
    return cast(
        type[RowsFormSet],
        formset_factory(
            row_form,
            formset=type("RowsFormSet", (RowsFormSet,), {"spec": spec}),
            extra=rows,
            max_num=MAX_ROWS,
            validate_max=True,
        ),
    )
