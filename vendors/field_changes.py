"""The kinds of change a sync can find in a campaign's fields, each in plain words.

A recorded change (``CampaignChange.changes``) is a list of entries, each a ``kind`` with
the field's name and label and what the kind needs (the choices, the types). The entries
are made by ``vendors.drift``; this module only names the kinds and says them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELD_ADDED = "field_added"
FIELD_REMOVED = "field_removed"
BECAME_REQUIRED = "became_required"
BECAME_OPTIONAL = "became_optional"
CHOICES_ADDED = "choices_added"
CHOICES_REMOVED = "choices_removed"
TYPE_CHANGED = "type_changed"


def describe(entry: Mapping[str, Any]) -> str:
    """One change in plain words."""
    field = f"“{entry.get('label') or entry.get('field')}” ({entry.get('field')})"
    values = ", ".join(str(v) for v in entry.get("values") or [])
    kind = entry.get("kind")
    if kind == FIELD_ADDED:
        if entry.get("required"):
            return f"New required field {field}: every lead must now carry it."
        return f"New optional field {field}."
    if kind == FIELD_REMOVED:
        return f"Field {field} was removed: it is no longer asked for or sent."
    if kind == BECAME_REQUIRED:
        return f"Field {field} is now required."
    if kind == BECAME_OPTIONAL:
        return f"Field {field} is no longer required."
    if kind == CHOICES_ADDED:
        return f"Field {field} has new choices: {values}."
    if kind == CHOICES_REMOVED:
        return f"Field {field} no longer accepts: {values}."
    if kind == TYPE_CHANGED:
        return (
            f"Field {field} changed type from {entry.get('old_type')} to {entry.get('new_type')}."
        )
    return f"Field {field} changed."
