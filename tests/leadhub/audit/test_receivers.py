"""What the audit log records by itself: configuration created, changed and deleted with
its listed fields only; a key replaced without its value; pauses, resumes and syncs with
who did them."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.encodings import encoded_forms
from tests.factories import ChannelFactory, ConnectionFactory, UserFactory
from tests.security.scanning import database_text
from vendors.campaign_sync import campaign_syncs_start
from vendors.connection_state import connection_pause
from vendors.models import Connection, PauseReason

pytestmark = pytest.mark.django_db

OLD_KEY = "lb-old-key/+ä=%&-6f1e"
NEW_KEY = "lb-new-key/+ö=%&-9c2d"


def leadbyte_form(**fields: str) -> dict[str, str]:
    return {
        "name": "LeadByte live",
        "base_url": "https://acme.leadbyte.co.uk/",
        "is_active": "on",
        "setting__date_format": "DD/MM/YYYY",
        **fields,
    }


def audit_text() -> str:
    return database_text()["auditlog_logentry"]


def events(event: str) -> list[LogEntry]:
    return list(LogEntry.objects.filter(additional_data__event=event))


def test_replacing_a_key_is_recorded_without_the_key(admin_client: Client, admin_user) -> None:
    response = admin_client.post(
        reverse("admin:vendors_connection_add") + "?kind=leadbyte",
        leadbyte_form(credential__api_key=OLD_KEY),
    )
    assert response.status_code == 302
    connection = Connection.objects.get()
    change = reverse("admin:vendors_connection_change", args=[connection.pk])
    admin_client.post(change, leadbyte_form(credential__api_key=""))  # kept: no event
    assert events("key_replaced") == []
    admin_client.post(change, leadbyte_form(credential__api_key=NEW_KEY, name="LeadByte main"))
    connection.refresh_from_db()
    assert connection.credentials == {"api_key": NEW_KEY}

    [replaced] = events("key_replaced")
    assert replaced.actor == admin_user
    assert replaced.additional_data == {"event": "key_replaced", "fields": ["api_key"]}
    created = LogEntry.objects.get(action=LogEntry.Action.CREATE, content_type__model="connection")
    assert "credentials" not in created.changes and "token_cache" not in created.changes
    renamed = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, changes__has_key="name")
    assert renamed.get().changes["name"] == ["LeadByte live", "LeadByte main"]

    text = audit_text()
    stored = Connection.objects.filter(pk=connection.pk).values_list("credentials", flat=True)
    raw = database_text()["vendors_connection"]
    for key in (OLD_KEY, NEW_KEY):
        for name, form in encoded_forms(key).items():
            assert form not in text, f"the key as {name} is in the audit log"
    assert stored[0] == {"api_key": NEW_KEY} and NEW_KEY not in raw
    # Nor the ciphertext: no long token from the connection's row is in the audit log.
    tokens = [part for part in raw.split() if len(part) > 40]
    assert tokens and not any(token in text for token in tokens)


def test_a_channels_webhook_url_replaced_is_recorded_without_it() -> None:
    channel = ChannelFactory(webhook="https://hooks.example.com/services/T1/B1/first-token-1")
    channel.secret = {"url": "https://hooks.example.com/services/T1/B1/second-token-2"}
    channel.save()
    assert events("key_replaced")[0].additional_data["fields"] == ["url"]
    assert "token-1" not in audit_text() and "token-2" not in audit_text()


def test_a_pause_by_hand_names_who_and_the_breaker_names_nobody(admin_client, admin_user):
    connection = ConnectionFactory()
    admin_client.post(
        reverse("admin:vendors_connection_changelist"),
        {"action": "pause_delivery", "_selected_action": [connection.pk]},
    )
    admin_client.post(
        reverse("admin:vendors_connection_changelist"),
        {"action": "resume_delivery", "_selected_action": [connection.pk]},
    )
    connection_pause(connection_id=connection.pk, reason=PauseReason.FAILURES)  # no request
    paused = events("paused")
    assert [(e.actor, e.additional_data["reason"]) for e in paused] == [
        (None, "failures"),  # newest first
        (admin_user, "manual"),
    ]
    assert events("resumed")[0].actor == admin_user


def test_a_campaign_sync_is_recorded_with_who_asked(settings) -> None:
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # record it, run it never
    user = UserFactory()
    connection = ConnectionFactory()
    campaign_syncs_start(connections=[connection], user=user)
    [synced] = events("synced")
    assert synced.actor == user and synced.object_pk == str(connection.pk)


def test_roles_given_are_recorded_without_the_password() -> None:
    user = UserFactory(username="newcomer")
    user.groups.add(Group.objects.get(name="Integration admins"))
    entry = LogEntry.objects.filter(object_repr="newcomer", changes__has_key="groups").get()
    assert entry.changes["groups"]["objects"] == ["Integration admins"]
    assert "password" not in str(LogEntry.objects.filter(object_repr="newcomer").values())
