"""The connection form: write-only credentials, the vendor's own settings and the
connection's limits. The destination form is in vendors.admin.destination_forms."""

from __future__ import annotations

from typing import Any

from django import forms

from vendors.crypto import UndecryptableValue
from vendors.form_fields import form_field
from vendors.hosts import UnsafeVendorHost, check_vendor_url
from vendors.models import Connection
from vendors.registry import adapter_class

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
        # A plain box: the admin's URL widget would call the default on a new form
        # "Currently", as if it had been saved.
        widgets = {"base_url": forms.URLInput(attrs={"class": "vURLField"})}

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
        connection.credentials = self._credentials()
        connection.settings = self._settings()
        if commit:
            connection.save()
        return connection

    # What a test of the typed values needs; a problem elsewhere (say a blank name) does not
    # stop it.
    def test_problems(self) -> list[str]:
        """The errors, each with its field's label, of the fields a test uses."""
        used = {"base_url", *LIMIT_FIELDS}
        return [
            f"{self.fields[name].label}: {' '.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
            if name in used or name.startswith((CREDENTIAL_PREFIX, SETTING_PREFIX))
        ]

    def typed_connection(self) -> Connection:
        """An unsaved connection holding what the form was given (a blank credential keeps
        the stored one), for testing before saving; the stored connection is left as it is.
        Call after ``is_valid`` when ``test_problems`` is empty."""
        data = self.cleaned_data
        connection = Connection(
            kind=self.kind_value,
            name=data.get("name") or self.instance.name,
            base_url=data["base_url"],
            deadline_seconds=data.get("deadline_seconds"),
            max_in_flight=data.get("max_in_flight"),
        )
        connection.credentials = self._credentials()
        connection.settings = self._settings()
        return connection

    def _credentials(self) -> dict[str, Any]:
        credentials = {} if self.credentials_problem else dict(self.instance.credentials)
        for spec in adapter_class(self.kind_value).credential_fields:
            value = self.cleaned_data.get(CREDENTIAL_PREFIX + spec.name)
            if value:
                credentials[spec.name] = value
        return credentials

    def _settings(self) -> dict[str, Any]:
        return {
            **self.instance.settings,
            **{
                s.name: self.cleaned_data.get(SETTING_PREFIX + s.name)
                for s in adapter_class(self.kind_value).setting_fields
            },
        }


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
