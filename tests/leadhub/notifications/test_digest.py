"""The daily digest of rejections per destination: once a day to the channels that ask."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadhub.notifications.digest import rejections_by_destination, rejections_digest_send
from leadhub.notifications.models import Notification, NotificationEvent
from leadhub.notifications.tasks import send_rejections_digest
from tests.factories import ChannelFactory, DestinationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def test_the_digest_counts_the_last_days_rejections_per_destination(
    django_capture_on_commit_callbacks, mailoutbox
) -> None:
    ChannelFactory(events=[NotificationEvent.REJECTIONS_DIGEST])
    ChannelFactory(events=[NotificationEvent.CONNECTION_PAUSED])  # did not ask
    now = timezone.now()
    busy, quiet = DestinationFactory(name="Busy"), DestinationFactory(name="Quiet")
    for destination, count in ((busy, 3), (quiet, 1)):
        for _ in range(count):
            SubmissionFactory(destination=destination, status="rejected", completed_at=now)
    SubmissionFactory(destination=quiet, status="rejected", completed_at=now - timedelta(days=2))
    SubmissionFactory(destination=quiet, status="accepted", completed_at=now)
    assert rejections_by_destination(since=now - timedelta(days=1), until=now + timedelta(1)) == [
        ("Busy", 3),
        ("Quiet", 1),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_rejections_digest() == 1
        assert rejections_digest_send() == 0  # the same day again: not twice
    assert len(mailoutbox) == 1
    assert "4 rejections in the last 24 hours" in mailoutbox[0].subject
    assert "Busy" in mailoutbox[0].body
    assert Notification.objects.get().event == NotificationEvent.REJECTIONS_DIGEST
