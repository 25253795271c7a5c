"""Which follow-up to add to a lead: the choices its vendor offers for it."""

from __future__ import annotations

from typing import Any

from django import forms

from leadhub.models import Lead
from leadhub.services.follow_ups import follow_up_choices


class FollowUpChoiceForm(forms.Form):
    follow_up = forms.ChoiceField(label="Follow-up")

    def __init__(self, *args: Any, kind: str = "", lead: Lead, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        follow_up = self.fields["follow_up"]
        assert isinstance(follow_up, forms.ChoiceField)  # declared above
        follow_up.choices = [(c.key, c.label) for c in follow_up_choices(kind, lead=lead)]
