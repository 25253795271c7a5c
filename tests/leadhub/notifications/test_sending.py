"""Sending: email through Django's backend, a chat webhook over real HTTP; failures recorded
on the notification and its channel, retried with backoff, and a hanging channel cut off."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from leadhub.notifications.models import Channel, Notification
from leadhub.notifications.sending import (
    channel_test,
    notification_send,
    notifications_due,
    retry_delay,
)
from leadhub.notifications.tasks import send_due_notifications
from leadhub.statuses import NotificationStatus
from tests.factories import ChannelFactory
from tests.leadhub.notifications.conftest import HOOK_TOKEN, ChatWebhook

pytestmark = pytest.mark.django_db

N = NotificationStatus


def pending(channel: Channel, key: str = "k") -> Notification:
    return Notification.objects.create(
        channel=channel, event="connection.paused", dedup_key=key, subject="Paused", body="Body"
    )


def test_an_email_channel_sends_through_the_email_backend(mailoutbox: list) -> None:
    row = pending(ChannelFactory(recipients="a@example.com, b@example.com"))
    assert notification_send(notification_id=row.pk) == N.SENT
    assert mailoutbox[0].to == ["a@example.com", "b@example.com"]
    assert notification_send(notification_id=row.pk) == N.SENT  # a second task sends nothing
    assert len(mailoutbox) == 1


def test_a_webhook_channel_posts_slack_compatible_json(chat_webhook: ChatWebhook) -> None:
    row = pending(ChannelFactory(webhook=chat_webhook.url))
    assert notification_send(notification_id=row.pk) == N.SENT
    assert chat_webhook.received == [{"text": "*Paused*\nBody"}]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1


def test_a_failing_channel_is_recorded_and_retried_with_backoff(
    chat_webhook: ChatWebhook, settings: Any
) -> None:
    settings.NOTIFICATION_RETRY_DELAYS = [60, 300]
    chat_webhook.status = 500
    channel = ChannelFactory(webhook=chat_webhook.url)
    row = pending(channel)
    now = timezone.now()
    assert notification_send(notification_id=row.pk, now=now) == N.RETRY_WAIT
    row.refresh_from_db()
    channel.refresh_from_db()
    assert row.last_error == channel.last_error == "The webhook answered HTTP 500."
    assert row.next_attempt_at == now + timedelta(seconds=60)
    assert HOOK_TOKEN not in row.last_error
    assert not notifications_due(now).exists()
    assert list(notifications_due(now + timedelta(seconds=61))) == [row]

    later = now + timedelta(seconds=61)
    assert notification_send(notification_id=row.pk, now=later) == N.RETRY_WAIT
    row.refresh_from_db()
    assert row.next_attempt_at == later + timedelta(seconds=300)
    chat_webhook.status = 200  # the room is back
    assert notification_send(notification_id=row.pk) == N.SENT
    channel.refresh_from_db()
    assert channel.last_success_at is not None and channel.last_error == ""
    assert len(chat_webhook.received) == 3


def test_a_channel_that_keeps_failing_is_given_up_on(chat_webhook, settings) -> None:
    settings.NOTIFICATION_RETRY_DELAYS = [1]
    chat_webhook.status = 404
    row = pending(ChannelFactory(webhook=chat_webhook.url))
    assert notification_send(notification_id=row.pk) == N.RETRY_WAIT
    assert notification_send(notification_id=row.pk) == N.FAILED
    assert retry_delay(1) == timedelta(seconds=1) and retry_delay(2) is None


def test_a_hanging_channel_is_cut_off_at_the_timeout(chat_webhook, settings) -> None:
    settings.NOTIFICATION_TIMEOUT = 0.5
    chat_webhook.hang_seconds = 3
    row = pending(ChannelFactory(webhook=chat_webhook.url))
    started = time.monotonic()
    assert notification_send(notification_id=row.pk) == N.RETRY_WAIT
    assert time.monotonic() - started < 2
    row.refresh_from_db()
    # The read timeout or the wall-clock deadline, whichever fires first: both within 0.5 s.
    assert row.last_error in {
        "The webhook did not finish answering within 0.5 s.",
        "The webhook took the request but did not answer in time.",
    }


def test_the_retry_schedule_sends_what_is_due(mailoutbox: list) -> None:
    channel = ChannelFactory()
    due = pending(channel, "due")
    Notification.objects.filter(pk=due.pk).update(
        status=N.RETRY_WAIT, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    lost = pending(channel, "lost")  # its task never ran
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    pending(channel, "fresh")  # its own task is on the way
    assert send_due_notifications() == 2  # tasks run inline in the tests
    assert len(mailoutbox) == 2


def test_the_channel_test_reports_and_records(chat_webhook: ChatWebhook) -> None:
    channel = ChannelFactory(webhook=chat_webhook.url)
    assert channel_test(channel=channel).ok
    chat_webhook.status = 403
    result = channel_test(channel=channel)
    assert not result.ok and result.message == "The webhook answered HTTP 403."
    channel.refresh_from_db()
    assert channel.last_error == result.message


def test_an_unreachable_mail_server_is_a_recorded_failure(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    result = channel_test(channel=ChannelFactory())
    assert not result.ok and "mail server" in result.message
