"""The endpoint form: a URL LeadHub may call, and the events to send there."""

from __future__ import annotations

from typing import Any

from django import forms

from leadhub.events import Event
from leadhub.webhooks.models import WebhookEndpoint
from vendors.hosts import UnsafeVendorHost, check_vendor_url


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What this endpoint is told about (docs/webhooks.md).",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Events named by a later version and no longer offered are not kept silently.
        known = {value for value, _ in Event.choices}
        self.initial["events"] = [e for e in self.initial.get("events") or [] if e in known]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        try:
            check_vendor_url(url, what="endpoint")
        except UnsafeVendorHost as err:
            raise forms.ValidationError(str(err)) from err
        return url

    def clean_events(self) -> list[str]:
        return sorted(set(self.cleaned_data["events"]))
