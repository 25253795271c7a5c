"""The integration admin's forms: a connection's (write-only credentials, the vendor's own
settings) and a destination's (an operation its connection's vendor offers)."""

from __future__ import annotations

from typing import Any

from django import forms

from vendors.crypto import UndecryptableValue
from vendors.form_fields import form_field
from vendors.hosts import UnsafeVendorHost, check_vendor_url
from vendors.models import Campaign, Connection, Destination
from vendors.registry import VendorKind, adapter_class, implemented_kinds

CREDENTIAL_PREFIX = "credential__"
SETTING_PREFIX = "setting__"


# A connection's own limits (vendors.limits); blank means the setting's default.
LIMIT_FIELDS = ("deadline_seconds", "max_in_flight")


class ConnectionFormBase(forms.ModelForm):
    """Credentials are write-only: a blank box keeps the stored value, text replaces it."""

    kind_value: str = ""

    class Meta:
        model = Connection
        fields = ("kind", "name", "base_url", "is_active", *LIMIT_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adapter = adapter_class(self.kind_value)
        # Stored credentials no key can read are replaced, never shown: ask for them again.
        self.credentials_problem = credentials_problem(self.instance)
        stored_credentials = {} if self.credentials_problem else self.instance.credentials
        self.fields["kind"].disabled = True
        self.fields["kind"].initial = self.kind_value
        if not self.instance.pk:
            self.fields["base_url"].initial = adapter.default_base_url
        for spec in adapter.setting_fields:
            self.fields[SETTING_PREFIX + spec.name].initial = self.instance.settings.get(
                spec.name, spec.default
            )
        for spec in adapter.credential_fields:
            field = self.fields[CREDENTIAL_PREFIX + spec.name]
            stored = bool(stored_credentials.get(spec.name))
            field.required = spec.required and not stored
            field.help_text = (
                "Stored encrypted. Leave blank to keep the current value; type to replace it."
                if stored
                else "Stored encrypted; never shown again."
            )

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"]
        try:
            check_vendor_url(url)
        except UnsafeVendorHost as err:
            raise forms.ValidationError(str(err)) from err
        return url

    def save(self, commit: bool = True) -> Connection:
        connection: Connection = super().save(commit=False)
        connection.kind = self.kind_value
        adapter = adapter_class(self.kind_value)
        credentials = {} if self.credentials_problem else dict(connection.credentials)
        for spec in adapter.credential_fields:
            value = self.cleaned_data.get(CREDENTIAL_PREFIX + spec.name)
            if value:
                credentials[spec.name] = value
        connection.credentials = credentials
        connection.settings = {
            **connection.settings,
            **{
                s.name: self.cleaned_data.get(SETTING_PREFIX + s.name)
                for s in adapter.setting_fields
            },
        }
        if commit:
            connection.save()
        return connection


def credentials_problem(connection: Connection) -> str:
    """Why the connection's stored credentials cannot be read ('' when they can)."""
    if connection.pk is None:
        return ""
    try:
        connection.credentials  # noqa: B018 - loading is the check (deferred on admin pages)
    except UndecryptableValue as err:
        return str(err)
    return ""


def connection_form_class(kind: str) -> type[ConnectionFormBase]:
    adapter = adapter_class(kind)
    attrs: dict[str, Any] = {"kind_value": kind}
    for spec in adapter.credential_fields:
        attrs[CREDENTIAL_PREFIX + spec.name] = forms.CharField(
            label=spec.label,
            required=False,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )
    for spec in adapter.setting_fields:
        attrs[SETTING_PREFIX + spec.name] = form_field(spec)
    return type("ConnectionForm", (ConnectionFormBase,), attrs)


def operation_choice(kind: str, operation: str) -> str:
    """The value of one vendor's operation in the destination form: operation names repeat
    across vendors (every vendor has ``create_lead``), so the vendor is part of it."""
    return f"{kind}:{operation}"


def operation_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every vendor's operations a destination can use, grouped under the vendor's name."""
    groups = []
    for kind in sorted(implemented_kinds(), key=lambda k: VendorKind(k).label):
        ops = adapter_class(kind).operations.values()
        # Follow-ups start from a lead's page, never from a destination.
        options = [(operation_choice(kind, op.name), op.label) for op in ops if not op.follow_up]
        groups.append((VendorKind(kind).label, sorted(options, key=lambda o: o[1])))
    return groups


class CampaignChoiceField(forms.ModelChoiceField):
    """Campaigns LeadByte would refuse leads to are marked in the list."""

    def label_from_instance(self, obj: Any) -> str:
        if obj.usable:
            return str(obj)
        why = "archived" if obj.archived else "no longer listed" if not obj.listed else "off"
        return f"{obj} (not active in LeadByte: {why})"


class DestinationForm(forms.ModelForm):
    operation = forms.ChoiceField(
        choices=(), help_text="What the destination does, among its connection's vendor's."
    )

    class Meta:
        model = Destination
        fields = ("name", "connection", "operation", "campaign", "fixed_values", "is_active")
        field_classes = {"campaign": CampaignChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operation = self.fields["operation"]
        assert isinstance(operation, forms.ChoiceField)  # declared above
        operation.choices = operation_choices()
        if self.instance.pk and self.instance.connection_id:
            self.initial["operation"] = operation_choice(
                self.instance.connection.kind, self.instance.operation
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        connection: Connection | None = cleaned.get("connection")
        kind, _, operation = str(cleaned.get("operation") or "").partition(":")
        cleaned["operation"] = operation
        if connection and operation:
            spec = connection.adapter_class.operations.get(operation)
            if kind != connection.kind or spec is None or spec.follow_up:
                self.add_error(
                    "operation",
                    f"{connection.get_kind_display()} has no such operation: pick one listed "
                    f"under {connection.get_kind_display()}.",
                )
            elif spec.uses_campaign and not cleaned.get("campaign"):
                self.add_error("campaign", "This operation sends to a campaign: pick one.")
            elif cleaned.get("campaign"):
                self._check_campaign(cleaned["campaign"], connection)
        if not isinstance(cleaned.get("fixed_values"), dict):
            self.add_error("fixed_values", "Fixed values must be a JSON object of field: value.")
        return cleaned

    def _check_campaign(self, campaign: Campaign, connection: Connection) -> None:
        if campaign.connection_id != connection.pk:
            self.add_error("campaign", "The campaign belongs to another connection.")
        elif not campaign.usable and campaign.pk != self.instance.campaign_id:
            # LeadByte refuses every lead to it (-9); a destination already on it keeps
            # saving, so its other settings can still be changed.
            self.add_error(
                "campaign",
                "This campaign is not active in LeadByte, which refuses every lead sent to "
                "it. Pick an active campaign, or sync campaigns if it was switched on since.",
            )
