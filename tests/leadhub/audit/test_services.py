"""Explicit events: recorded with who, what and plain details, never a person's data;
pruned after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from leadhub.audit.services import AuditAction, audit_action_label, audit_prune, audit_record
from leadhub.audit.tasks import prune_audit_log
from leadhub.models import Lead
from tests.factories import ConnectionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_event_names_who_what_and_which_object() -> None:
    user = UserFactory()
    connection = ConnectionFactory(name="LeadByte main")
    entry = audit_record(user, AuditAction.PAUSED, connection, reason="manual")
    assert (entry.actor, entry.object_pk, entry.object_repr) == (
        user,
        str(connection.pk),
        "LeadByte main (LeadByte)",
    )
    assert entry.additional_data == {"event": "paused", "reason": "manual"}
    assert audit_action_label(entry) == "Paused delivery"


def test_a_persons_object_is_named_by_its_number_only() -> None:
    lead = LeadFactory(first_name="Erin", last_name="Erasable", email="erin@example.com")
    entry = audit_record(None, "erased", lead, submissions=2, attempts=3)
    assert entry.object_repr == f"Lead #{lead.pk}"
    assert "Erin" not in str(LogEntry.objects.values().get())
    assert entry.actor is None and audit_action_label(entry) == "Erased a person's data"


def test_an_event_on_a_list_and_details_that_are_not_plain() -> None:
    entry = audit_record(UserFactory(), AuditAction.EXPORTED, Lead, rows="filtered", ids=[1, 2])
    assert entry.object_pk == "" and entry.object_repr == "leads (list)"
    assert entry.action == LogEntry.Action.ACCESS
    entry = audit_record(None, AuditAction.SYNCED, Lead, when=timezone.now().date())
    assert isinstance(entry.additional_data["when"], str)


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        audit_record(None, "teleported", Lead)


def test_entries_past_the_retention_are_pruned_in_batches(settings) -> None:
    settings.AUDIT_RETENTION_DAYS = 30
    connection = ConnectionFactory()
    for days in (400, 31, 29, 0):
        entry = audit_record(None, AuditAction.PAUSED, connection)
        LogEntry.objects.filter(pk=entry.pk).update(timestamp=timezone.now() - timedelta(days=days))
    assert audit_prune(batch=1) == 2  # the 400- and 31-day-old ones, one batch at a time
    assert LogEntry.objects.filter(additional_data__event="paused").count() == 2
    assert prune_audit_log() == 0
