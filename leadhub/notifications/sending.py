"""Sending a notification: by Django's email backend or a chat webhook, each within
``NOTIFICATION_TIMEOUT``; a failure is recorded on the notification and its channel and
retried after ``NOTIFICATION_RETRY_DELAYS``, then marked failed.

Notifications are sent by their own background tasks, never by the code that delivers
leads, so a channel that fails or hangs delays only its own messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from leadhub.notifications.models import Channel, ChannelKind, Notification
from leadhub.statuses import NotificationStatus
from vendors.http import http_request
from vendors.redaction import remember_secrets
from vendors.results import VendorError

logger = logging.getLogger(__name__)

N = NotificationStatus
DUE = (N.PENDING, N.RETRY_WAIT)
# A pending notification whose task never ran (a broker restart) is sent by the retry
# schedule after this long.
LOST_AFTER = timedelta(minutes=2)
# A webhook path segment this long is taken for part of its key ("services", "webhooks"
# and the like are shorter); Slack's and Teams' keys are far longer.
SECRET_SEGMENT = 9


class ChannelFailed(Exception):
    """The channel did not take the message; the text says why, without its secret."""


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def _email(channel: Channel, subject: str, body: str) -> None:
    recipients = channel.recipient_list
    if not recipients:
        raise ChannelFailed("The channel has no email address.")
    try:
        mail = EmailMessage(
            subject=subject,
            body=body,
            to=recipients,
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        mail.send(fail_silently=False)
    except (OSError, ValueError) as err:  # smtplib's errors are OSErrors
        raise ChannelFailed(
            f"The mail server refused or did not answer: {type(err).__name__}."
        ) from err


def _webhook(channel: Channel, subject: str, body: str) -> None:
    url = channel.webhook_url
    if not url:
        raise ChannelFailed("The channel has no webhook URL.")
    # The URL's path is the room's key: every log line (urllib3's request line) masks it.
    remember_secrets(webhook_secrets(url))
    try:
        answer = http_request(
            "POST",
            url,
            json={"text": f"*{subject}*\n{body}"},
            deadline=settings.NOTIFICATION_TIMEOUT,
        )
    except VendorError as err:
        raise ChannelFailed(str(err).replace("The vendor", "The webhook")) from err
    if not 200 <= answer.status_code < 300:
        raise ChannelFailed(f"The webhook answered HTTP {answer.status_code}.")


def webhook_secrets(url: str) -> list[str]:
    """The parts of a webhook URL that are its key: the path, each long segment of it, and
    the query."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if len(s) >= SECRET_SEGMENT]
    return [v for v in (url, parts.path, parts.query, *segments) if len(v) >= SECRET_SEGMENT]


def channel_deliver(channel: Channel, subject: str, body: str) -> None:
    """Send one message through the channel; raise ``ChannelFailed`` if it did not go."""
    if channel.kind == ChannelKind.EMAIL:
        _email(channel, subject, body)
    elif channel.kind == ChannelKind.WEBHOOK:
        _webhook(channel, subject, body)
    else:
        raise ChannelFailed(f"Unknown channel kind {channel.kind!r}.")


def _channel_record(channel: Channel, *, error: str, now: datetime) -> None:
    rows = Channel.objects.filter(pk=channel.pk)
    if error:
        rows.update(last_error=error, last_error_at=now)
    else:
        rows.update(last_success_at=now, last_error="")


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failure, or None to give up."""
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return timedelta(seconds=delays[attempts - 1]) if attempts <= len(delays) else None


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send a pending or due notification once; return its status afterwards.

    The attempt is claimed on the row (its attempt count moves on only for one caller), so
    a task delivered twice sends once.
    """
    now = now or timezone.now()
    row = Notification.objects.select_related("channel").filter(pk=notification_id).first()
    if row is None or row.status not in DUE:
        return row.status if row else "missing"
    claimed = Notification.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts)
    if not claimed.update(attempts=F("attempts") + 1, next_attempt_at=None):
        return "taken"
    attempts = row.attempts + 1
    occurrences = f"\n\n(Happened {row.occurrences} times.)" if row.occurrences > 1 else ""
    try:
        channel_deliver(row.channel, row.subject, row.body + occurrences)
    except ChannelFailed as err:
        error = str(err)
        delay = retry_delay(attempts)
        status = N.RETRY_WAIT if delay else N.FAILED
        Notification.objects.filter(pk=row.pk).update(
            status=status, last_error=error, next_attempt_at=now + delay if delay else None
        )
        _channel_record(row.channel, error=error, now=now)
        logger.warning("notification %s to channel %s failed: %s", row.pk, row.channel_id, error)
        return status
    Notification.objects.filter(pk=row.pk).update(status=N.SENT, sent_at=now, last_error="")
    _channel_record(row.channel, error="", now=now)
    return N.SENT


def notifications_due(now: datetime | None = None) -> QuerySet[Notification]:
    """Failed ones whose retry is due, and pending ones whose task was lost."""
    now = now or timezone.now()
    return Notification.objects.filter(
        Q(status=N.RETRY_WAIT, next_attempt_at__lte=now)
        | Q(status=N.PENDING, created_at__lte=now - LOST_AFTER)
    )


def channel_test(*, channel: Channel) -> TestResult:
    """Send a test message now (the admin waits, within the timeout) and record the result
    on the channel."""
    now = timezone.now()
    try:
        channel_deliver(
            channel,
            "LeadHub: test notification",
            f"This channel ({channel.name}) works: LeadHub's notifications will arrive here.",
        )
    except ChannelFailed as err:
        _channel_record(channel, error=str(err), now=now)
        return TestResult(False, str(err))
    _channel_record(channel, error="", now=now)
    return TestResult(True, "Sent.")
