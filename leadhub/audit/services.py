"""Recording explicit events in the audit log, and pruning it.

``audit_record(actor, action, obj, **details)`` is the one way to write an event: by the
thin admin layer after a service did the work, or by a receiver of a domain signal. The
details are small plain values (counts, field names, a reason) and must never hold personal
data or a secret: the erasure of a person is recorded with what was erased (how many
rows), never with the values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from leadhub.audit.registry import AUDITED


class AuditAction(models.TextChoices):
    """The explicit events; created, changed and deleted are the library's own."""

    PAUSED = "paused", "Paused delivery"
    RESUMED = "resumed", "Resumed delivery"
    KEY_REPLACED = "key_replaced", "Key replaced"
    SYNCED = "synced", "Synced campaigns"
    RESENT = "resent", "Sent again"
    BULK_RESENT = "bulk_resent", "Sent again (bulk)"
    IMPORTED = "imported", "Imported leads"
    EXPORTED = "exported", "Exported"
    ERASED = "erased", "Erased a person's data"
    PRUNED = "pruned", "Pruned by the retention policy"
    CHANNEL_TESTED = "channel_tested", "Tested a channel"


# How each action is filed among the library's kinds: an export reads, the rest change.
LIBRARY_ACTION = {AuditAction.EXPORTED: LogEntry.Action.ACCESS}

# Words for the library's own kinds, for the "What" column and filter.
LIBRARY_WORDS = {
    LogEntry.Action.CREATE: "Created",
    LogEntry.Action.UPDATE: "Changed",
    LogEntry.Action.DELETE: "Deleted",
    LogEntry.Action.ACCESS: "Viewed",
}

PLAIN = (str, int, float, bool, type(None))


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """Only plain values (and lists of them) go in: nothing that could carry a model's
    state by accident."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, list | tuple):
            clean[key] = [v if isinstance(v, PLAIN) else str(v) for v in value]
        else:
            clean[key] = value if isinstance(value, PLAIN) else str(value)
    return clean


def safe_repr(obj: models.Model) -> str:
    """What the entry calls the object: the name of something an admin configures (an
    audited model), else its kind and number. A lead's or an import's own text may name a
    person, which the audit log must not keep (it outlives an erasure)."""
    if obj._meta.label in AUDITED:
        return str(obj)[:500]
    return f"{capfirst(obj._meta.verbose_name)} #{obj.pk}"


def audit_record(
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | type[models.Model],
    **details: Any,
) -> LogEntry:
    """Record that ``actor`` (a user, or None for LeadHub itself; inside a request the
    request's user is filled in) did ``action`` to ``obj`` (one row, or a model for
    something done to a list, like an export)."""
    action = AuditAction(action)
    if isinstance(obj, models.Model):
        content_type = ContentType.objects.get_for_model(obj)
        object_pk, object_id = str(obj.pk), obj.pk if isinstance(obj.pk, int) else None
        object_repr = safe_repr(obj)
    else:
        content_type = ContentType.objects.get_for_model(obj)
        object_pk, object_id = "", None
        object_repr = f"{obj._meta.verbose_name_plural} (list)"
    user = actor if getattr(actor, "is_authenticated", False) else None
    return LogEntry.objects.create(
        content_type=content_type,
        object_pk=object_pk,
        object_id=object_id,
        object_repr=object_repr,
        action=LIBRARY_ACTION.get(action, LogEntry.Action.UPDATE),
        changes={},
        actor=user,
        actor_email=getattr(user, "email", None) or None,
        additional_data={"event": action.value, **_plain(details)},
    )


def audit_prune(*, now: datetime | None = None, batch: int = 2000) -> int:
    """Delete entries older than ``AUDIT_RETENTION_DAYS``, in batches; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    removed = 0
    while True:
        ids = list(
            LogEntry.objects.filter(timestamp__lt=cutoff).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return removed
        removed += LogEntry.objects.filter(pk__in=ids).delete()[0]


def audit_action_label(entry: LogEntry) -> str:
    event = (entry.additional_data or {}).get("event")
    if event in AuditAction.values:
        return str(AuditAction(event).label)
    return LIBRARY_WORDS.get(entry.action, str(entry.action))
