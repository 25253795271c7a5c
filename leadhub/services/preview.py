"""What a lead will send, per destination, before anything is saved.

Staff read it in plain words: each field's label and the value in words (a choice's label,
Yes or No), fields the destination sets flagged as such. The request itself (the names it is
sent as, the URL, the JSON) is kept for integration admins, one click away.

The preview is built by the same code that sends: ``destination_payload_build`` makes the
vendor fields and the adapter's ``build_request`` makes the request around them, so staff
see the real body or query. It goes through the connection's ``Redactor`` the way a stored
attempt does, so credentials are shown masked and never in clear.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from leadhub.privacy.duplicates import Duplicate
from leadhub.services.leads import destination_payload_build
from vendors.clients import connection_client
from vendors.field_labels import choice_label
from vendors.fieldspec import FieldSpec
from vendors.models import Destination
from vendors.results import VendorError


@dataclass
class PayloadRow:
    name: str
    label: str
    value: Any
    fixed: bool = False
    # The value as staff read it: "Male" for LeadByte's "M", "Yes" for true.
    words: str = ""
    # Sent by LeadHub itself for the vendor (LeadByte's campaign id): not a field of the form.
    own: bool = False


NOT_SENT = "(not sent)"


def value_in_words(spec: FieldSpec | None, value: Any) -> str:
    """A payload value as a person reads it."""
    if value is None or value == "" or value == []:
        return NOT_SENT
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return "; ".join(value_in_words(spec, item) for item in value)
    if isinstance(value, Mapping):
        row_labels = {row.name: row.label for row in spec.row_fields} if spec else {}
        return ", ".join(
            f"{row_labels.get(str(k), str(k))}: {value_in_words(None, v)}" for k, v in value.items()
        )
    if spec is not None and spec.choices:
        return choice_label(spec, value) or str(value)
    return str(value)


@dataclass
class DestinationPreview:
    destination: Destination
    rows: list[PayloadRow] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    # The same person sent to this destination within the duplicate window, if they were.
    duplicate: Duplicate | None = None

    @property
    def body_json(self) -> str:
        return json.dumps(self.request.get("body"), indent=2, ensure_ascii=False, default=str)

    @property
    def staff_rows(self) -> list[PayloadRow]:
        """The rows staff read: the destination's fields, not what LeadHub adds itself."""
        return [row for row in self.rows if not row.own]

    @property
    def headers(self) -> list[tuple[str, str]]:
        return sorted((self.request.get("headers") or {}).items())


def destination_preview(
    *, destination: Destination, contact: Mapping[str, Any], values: Mapping[str, Any]
) -> DestinationPreview:
    preview = DestinationPreview(destination=destination)
    connection = destination.connection
    adapter = connection_client(connection)
    payload = destination_payload_build(destination=destination, contact=contact, values=values)
    specs = {spec.name: spec for spec in destination.field_specs()}
    safe_payload = adapter.redactor.data(payload)
    preview.rows = [
        PayloadRow(
            name=name,
            label=specs[name].label if name in specs else name,
            value=value,
            fixed=name in destination.fixed_values,
            words=value_in_words(specs.get(name), value),
            own=name not in specs,
        )
        for name, value in safe_payload.items()
    ]
    try:
        preview.request = adapter.preview_request(destination.operation, payload)
    except (VendorError, NotImplementedError) as err:
        message = getattr(err, "message", "") or str(err) or type(err).__name__
        preview.error = adapter.redactor.text(f"The request could not be built: {message}")
    return preview


def lead_preview(
    *,
    contact: Mapping[str, Any],
    destinations: Sequence[Destination],
    destination_values: Mapping[int, Mapping[str, Any]],
    duplicates: Mapping[int, Duplicate] | None = None,
) -> list[DestinationPreview]:
    """One preview per destination, each with its duplicate (``duplicates_find``) if any;
    reads only, saves nothing."""
    previews = []
    for destination in destinations:
        preview = destination_preview(
            destination=destination,
            contact=contact,
            values=destination_values.get(destination.pk, {}),
        )
        preview.duplicate = (duplicates or {}).get(destination.pk)
        previews.append(preview)
    return previews
