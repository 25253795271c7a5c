"""Explicit audit events that domain signals announce: a connection paused or resumed (by a
person inside a request, or by LeadHub's circuit breaker), a campaign sync started, and a
secret replaced (a connection's credentials, a channel's webhook URL), recorded with the
names of what changed, never the values."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from leadhub.audit.services import AuditAction, audit_record
from leadhub.notifications.models import Channel
from leadhub.webhooks.models import WebhookEndpoint
from vendors.connection_state import connection_paused, connection_resumed
from vendors.crypto import UndecryptableValue
from vendors.models import CampaignSync, Connection

# The encrypted field of each model that holds its secrets.
SECRET_FIELDS: dict[type[Model], str] = {
    Connection: "credentials",
    Channel: "secret",
    WebhookEndpoint: "signing",
}
# Where pre_save leaves the names of the secrets that changed, for post_save.
REPLACED = "_audit_replaced_secrets"


def _connection(connection_id: int) -> Connection | None:
    return Connection.objects.defer("credentials", "token_cache").filter(pk=connection_id).first()


@receiver(connection_paused, sender=Connection, dispatch_uid="leadhub.audit.paused")
def _paused(*, connection_id: int, reason: str, **_: Any) -> None:
    connection = _connection(connection_id)
    if connection is not None:
        audit_record(None, AuditAction.PAUSED, connection, reason=reason)


@receiver(connection_resumed, sender=Connection, dispatch_uid="leadhub.audit.resumed")
def _resumed(*, connection_id: int, **_: Any) -> None:
    connection = _connection(connection_id)
    if connection is not None:
        audit_record(None, AuditAction.RESUMED, connection)


@receiver(post_save, sender=CampaignSync, dispatch_uid="leadhub.audit.synced")
def _synced(*, instance: CampaignSync, created: bool, **_: Any) -> None:
    if created:
        audit_record(instance.requested_by, AuditAction.SYNCED, instance.connection)


def _stored_secret(model: type[Model], pk: Any, field: str) -> dict[str, Any] | None:
    """The stored secrets (None when no key can read them: any new value replaces them)."""
    try:
        stored = model._default_manager.filter(pk=pk).values_list(field, flat=True).first()
    except UndecryptableValue:
        return None
    return dict(stored or {})


def _secrets_before_save(sender: type[Model], instance: Model, **_: Any) -> None:
    field = SECRET_FIELDS[sender]
    if instance.pk is None or field in instance.get_deferred_fields():
        return
    new: dict[str, Any] = getattr(instance, field) or {}
    old = _stored_secret(sender, instance.pk, field)
    if old is None:
        changed = sorted(new)
    else:
        changed = sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))
    setattr(instance, REPLACED, changed)


def _secrets_after_save(sender: type[Model], instance: Model, created: bool, **_: Any) -> None:
    changed = instance.__dict__.pop(REPLACED, None)
    if changed and not created:
        audit_record(None, AuditAction.KEY_REPLACED, instance, fields=changed)


for _model in SECRET_FIELDS:
    pre_save.connect(_secrets_before_save, sender=_model, dispatch_uid=f"audit.pre.{_model}")
    post_save.connect(_secrets_after_save, sender=_model, dispatch_uid=f"audit.post.{_model}")
