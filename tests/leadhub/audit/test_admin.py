"""The audit log page: integration admins read it, filtered by person, object and action;
nobody edits or deletes an entry; sales staff do not reach it. And what the thin admin
layer records: resends, bulk resends, exports."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from leadhub.audit.services import AuditAction, audit_record
from leadhub.models import Lead, Submission
from tests.factories import ConnectionFactory, SubmissionFactory, UserFactory
from vendors.models import Connection

pytestmark = pytest.mark.django_db

LIST = reverse("admin:auditlog_logentry_changelist")


def shown(client: Client, query: str = "") -> list[LogEntry]:
    response = client.get(LIST + query)
    assert response.status_code == 200, response.status_code
    return list(response.context["cl"].result_list)


def test_integration_admins_read_and_filter_the_audit_log(
    role_client: Callable[[str], Client],
) -> None:
    client = role_client("Integration admins")
    ines = UserFactory(username="ines-2")
    first, second = ConnectionFactory(name="First"), ConnectionFactory(name="Second")
    audit_record(ines, AuditAction.PAUSED, first, reason="manual")
    audit_record(None, AuditAction.PAUSED, second, reason="failures")
    audit_record(ines, AuditAction.RESUMED, first)

    page = client.get(LIST).content.decode()
    assert "Audit log" in page and "LeadHub (automatic)" in page and "Paused delivery" in page
    assert {e.object_repr for e in shown(client, "?what=paused")} == {
        "First (LeadByte)",
        "Second (LeadByte)",
    }
    assert [e.additional_data["event"] for e in shown(client, f"?actor__id__exact={ines.pk}")] == [
        "resumed",
        "paused",
    ]
    connection_type = ContentType.objects.get_for_model(Connection).pk
    one_object = f"?content_type__id__exact={connection_type}&object_pk={first.pk}"
    assert len(shown(client, one_object)) == 3  # created by the factory, paused, resumed
    created = shown(client, "?what=0")
    assert created and all(e.action == LogEntry.Action.CREATE for e in created)


def test_nobody_edits_or_deletes_an_entry(admin_client: Client) -> None:
    entry = audit_record(None, AuditAction.PAUSED, ConnectionFactory())
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    assert admin_client.get(change).status_code == 200
    admin_client.post(change, {"object_repr": "forged"})
    assert admin_client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "forged"


def test_sales_staff_do_not_see_the_audit_log(role_client: Callable[[str], Client]) -> None:
    client = role_client("Sales staff")
    assert client.get(LIST).status_code == 403
    assert "Audit log" not in client.get(reverse("admin:index")).content.decode()


def test_resends_and_exports_are_recorded_with_who(admin_client: Client, admin_user) -> None:
    one, two = (SubmissionFactory(status="rejected") for _ in range(2))
    admin_client.post(reverse("admin:leadhub_submission_resend", args=[one.pk]))
    admin_client.post(
        reverse("admin:leadhub_submission_changelist"),
        {"action": "resend", "_selected_action": [two.pk, one.pk]},
    )
    response = admin_client.get(reverse("admin:leadhub_lead_export") + "?q=ada")
    b"".join(response.streaming_content)
    entries = {e.additional_data["event"]: e for e in LogEntry.objects.exclude(actor=None)}
    assert entries["resent"].object_repr == f"Submission #{one.pk}"
    assert entries["bulk_resent"].additional_data == {
        "event": "bulk_resent",
        "queued": 1,
        "skipped": 1,
    }
    assert entries["exported"].additional_data == {"event": "exported", "rows": "filtered"}
    assert entries["exported"].content_type == ContentType.objects.get_for_model(Lead)
    assert {e.actor for e in entries.values()} == {admin_user}
    assert "ada" not in str(LogEntry.objects.values_list("additional_data", "object_repr"))
    assert Submission.objects.filter(status="queued").count() == 2
