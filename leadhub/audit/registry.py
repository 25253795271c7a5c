"""The models whose creation, changes and deletion the audit log records, and which of
their fields: only those listed, so a secret (a connection's encrypted credentials and
token, a channel's webhook URL, a password hash) is never diffed, copied or stored. A
credential that changed is recorded as an explicit "key replaced" event, without its value
(``leadhub.audit.receivers``).

Another app's model joins with one line in ``AUDITED``: its label, and the fields to record.
"""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django.apps import apps

AUDITED: dict[str, dict[str, Any]] = {
    "vendors.Connection": {
        "include_fields": [
            "kind",
            "name",
            "base_url",
            "settings",
            "is_active",
            "deadline_seconds",
            "max_in_flight",
        ],
    },
    "vendors.Destination": {"exclude_fields": ["created_at", "updated_at"]},
    "leadhub_notifications.Channel": {
        "include_fields": ["name", "kind", "recipients", "events", "is_active"],
    },
    # Roles: a group's permissions, and which roles each user has.
    "auth.Group": {"include_fields": ["name"], "m2m_fields": {"permissions"}},
    "auth.User": {
        "include_fields": ["username", "is_active", "is_staff", "is_superuser"],
        "m2m_fields": {"groups", "user_permissions"},
    },
}


def audit_register_models() -> None:
    for label, options in AUDITED.items():
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, **options)
