"""The channel pages: integration admins set where and what; the webhook URL is written
once, stored encrypted and never shown; "Test this channel" answers on the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from leadhub.notifications.models import Channel, ChannelKind, Notification
from tests.factories import ChannelFactory
from tests.leadhub.notifications.conftest import HOOK_TOKEN, ChatWebhook

pytestmark = pytest.mark.django_db

ADD = reverse("admin:leadhub_notifications_channel_add")


def form(**values: object) -> dict[str, object]:
    return {
        "name": "Ops chat",
        "kind": ChannelKind.WEBHOOK,
        "recipients": "",
        "webhook_url": "",
        "events": ["connection.paused", "digest.rejections"],
        "is_active": "on",
        **values,
    }


def stored_secret(channel: Channel) -> str:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM leadhub_notifications_channel WHERE id = %s", [channel.pk]
        )
        return cursor.fetchone()[0]


def test_a_webhook_url_is_stored_encrypted_and_never_shown(
    role_client: Callable[[str], Client], chat_webhook: ChatWebhook
) -> None:
    client = role_client("Integration admins")
    response = client.post(ADD, form(webhook_url=chat_webhook.url))
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = Channel.objects.get()
    assert channel.webhook_url == chat_webhook.url
    assert channel.events == ["connection.paused", "digest.rejections"]
    assert HOOK_TOKEN not in stored_secret(channel)
    change = reverse("admin:leadhub_notifications_channel_change", args=[channel.pk])
    for url in (change, reverse("admin:leadhub_notifications_channel_changelist")):
        page = client.get(url).content.decode()
        assert HOOK_TOKEN not in page and "127.0.0.1/••••••" in page
    # A blank box keeps the URL; the rest of the form saves.
    response = client.post(change, form(name="Ops room"))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Ops room" and channel.webhook_url == chat_webhook.url


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": ChannelKind.EMAIL}, "recipients", "needs at least one address"),
        ({"kind": ChannelKind.EMAIL, "recipients": "ops@, x"}, "recipients", "valid email"),
        ({}, "webhook_url", "needs its URL"),
        ({"webhook_url": "ftp://x.example/hook"}, "webhook_url", "http(s) URL"),
    ],
)
def test_a_channel_that_cannot_work_is_refused_with_a_reason(
    admin_client: Client, values: dict, field: str, message: str
) -> None:
    response = admin_client.post(ADD, form(**values))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not Channel.objects.exists()


def test_test_this_channel_answers_on_the_page(
    role_client: Callable[[str], Client], chat_webhook: ChatWebhook
) -> None:
    client = role_client("Integration admins")
    channel = ChannelFactory(webhook=chat_webhook.url)
    change = reverse("admin:leadhub_notifications_channel_change", args=[channel.pk])
    assert "Test this channel" in client.get(change).content.decode()
    test_url = reverse("admin:leadhub_notifications_channel_test", args=[channel.pk])
    assert client.get(test_url).status_code == 405  # a send is a POST
    response = client.post(test_url, follow=True)
    assert "sent a test notification" in response.content.decode()
    chat_webhook.status = 500
    response = client.post(test_url, follow=True)
    page = response.content.decode()
    assert "failed: The webhook answered HTTP 500." in page
    assert HOOK_TOKEN not in page
    assert len(chat_webhook.received) == 2
    tests = LogEntry.objects.filter(additional_data__event="channel_tested")
    assert [e.additional_data["ok"] for e in tests] == [False, True]  # newest first


def test_sales_staff_reach_neither_channels_nor_notifications(
    role_client: Callable[[str], Client],
) -> None:
    client = role_client("Sales staff")
    channel = ChannelFactory()
    for url in (
        reverse("admin:leadhub_notifications_channel_changelist"),
        reverse("admin:leadhub_notifications_notification_changelist"),
        reverse("admin:leadhub_notifications_channel_test", args=[channel.pk]),
    ):
        assert client.get(url).status_code == 403 or client.post(url).status_code == 403


def test_notifications_are_read_only_and_show_their_failure(admin_client: Client) -> None:
    channel = ChannelFactory()
    row = Notification.objects.create(
        channel=channel,
        event="connection.paused",
        dedup_key="x",
        subject="Paused",
        body="b",
        status="retry_wait",
        last_error="The webhook answered HTTP 500.",
    )
    listing = admin_client.get(reverse("admin:leadhub_notifications_notification_changelist"))
    assert "The webhook answered HTTP 500." in listing.content.decode()
    change = reverse("admin:leadhub_notifications_notification_change", args=[row.pk])
    admin_client.post(change, {"subject": "edited"})
    row.refresh_from_db()
    assert row.subject == "Paused"
