"""The kinds of change a sync can find in a campaign's fields, each in plain words.

A recorded change (``CampaignChange.changes``) is a list of entries, each a ``kind`` with
the field's name and label and what the kind needs (the choices, the types). The entries
are made by ``vendors.drift``; this module only names the kinds and says them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ChangeKind(StrEnum):
    """Stored as its plain string in ``CampaignChange.changes``."""

    FIELD_ADDED = "field_added"
    FIELD_REMOVED = "field_removed"
    BECAME_REQUIRED = "became_required"
    BECAME_OPTIONAL = "became_optional"
    CHOICES_ADDED = "choices_added"
    CHOICES_REMOVED = "choices_removed"
    TYPE_CHANGED = "type_changed"


# What each kind says but a new field's (which depends on whether it is required): {field}
# is the field's label and name, {values} the choices the change names, {old_type} and
# {new_type} the types it changed between.
SAYS: dict[str, str] = {
    ChangeKind.FIELD_REMOVED: "Field {field} was removed: it is no longer asked for or sent.",
    ChangeKind.BECAME_REQUIRED: "Field {field} is now required.",
    ChangeKind.BECAME_OPTIONAL: "Field {field} is no longer required.",
    ChangeKind.CHOICES_ADDED: "Field {field} has new choices: {values}.",
    ChangeKind.CHOICES_REMOVED: "Field {field} no longer accepts: {values}.",
    ChangeKind.TYPE_CHANGED: "Field {field} changed type from {old_type} to {new_type}.",
}


def describe(entry: Mapping[str, Any]) -> str:
    """One change in plain words."""
    field = f"“{entry.get('label') or entry.get('field')}” ({entry.get('field')})"
    kind = entry.get("kind")
    if kind == ChangeKind.FIELD_ADDED:
        if entry.get("required"):
            return f"New required field {field}: every lead must now carry it."
        return f"New optional field {field}."
    return SAYS.get(str(kind), "Field {field} changed.").format(
        field=field,
        values=", ".join(str(v) for v in entry.get("values") or []),
        old_type=entry.get("old_type"),
        new_type=entry.get("new_type"),
    )
