"""The models whose creation, changes and deletion the audit log records, and which of
their fields: only those listed, so a secret (a connection's encrypted credentials and
token, a channel's webhook URL, a password hash) is never diffed, copied or stored. A
credential that changed is recorded as an explicit "key replaced" event, without its value
(``leadhub.audit.receivers``).

Another app's model joins with one line in ``AUDITED``: its label, and the fields to record.
"""

from __future__ import annotations

from typing import Any

from auditlog.receivers import _create_log_entry, log_update
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.db.models import Model
from django.db.models.signals import pre_save

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
    # API keys: who made, scoped or revoked one (never its hash or publishable token).
    "leadhub_api.ApiKey": {
        "include_fields": [
            "name",
            "kind",
            "prefix",
            "owner",
            "access",
            "route",
            "expires_at",
            "revoked_at",
        ],
        "m2m_fields": {"destinations"},
    },
    # Routes: who changed where leads with no destinations go (docs/routing.md).
    "leadhub_routing.Route": {
        "include_fields": [
            "name",
            "method",
            "max_destinations",
            "time_zone",
            "for_staff",
            "for_imports",
            "is_active",
        ],
    },
    "leadhub_routing.RouteStep": {
        "include_fields": [
            "route",
            "destination",
            "position",
            "weight",
            "step_seconds",
            "filters",
            "schedule",
        ],
    },
    "leadhub_routing.Cap": {"include_fields": ["step", "period", "limit"]},
    # Webhook endpoints: the address and events; a new signing secret is "key replaced".
    "leadhub_webhooks.WebhookEndpoint": {
        "include_fields": ["name", "url", "events", "is_active", "disabled_at", "disabled_reason"],
    },
    # Roles: a group's permissions, and which roles each user has.
    "auth.Group": {"include_fields": ["name"], "m2m_fields": {"permissions"}},
    "auth.User": {
        "include_fields": ["username", "is_active", "is_staff", "is_superuser"],
        "m2m_fields": {"groups", "user_permissions"},
    },
}


def encrypted_field_names(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]


def _log_update_secrets_unread(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """django-auditlog's update receiver, reading the row before the change without its
    encrypted fields: they are never diffed, and a value no key can read any more (being
    replaced right now) must not stop the save."""
    if instance._state.adding or instance.pk is None:
        return
    old = (
        sender._default_manager.defer(*encrypted_field_names(sender)).filter(pk=instance.pk).first()
    )
    _create_log_entry(
        action=1,  # LogEntry.Action.UPDATE
        instance=instance,
        sender=sender,
        diff_old=old,
        diff_new=instance,
        fields_to_check=kwargs.get("update_fields"),
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )


def audit_register_models() -> None:
    for label, options in AUDITED.items():
        model = apps.get_model(label)
        if auditlog.contains(model):
            continue
        auditlog.register(model, **options)
        if encrypted_field_names(model):
            pre_save.disconnect(
                sender=model, dispatch_uid=auditlog._dispatch_uid(pre_save, log_update)
            )
            pre_save.connect(
                _log_update_secrets_unread, sender=model, dispatch_uid=f"audit.update.{label}"
            )
