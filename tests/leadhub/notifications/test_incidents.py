"""What an event becomes: one notification per incident, sent once the change commits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from leadhub.delivery.push import submission_push
from leadhub.events import Event, event_announce
from leadhub.notifications.incidents import notifications_book, submission_message
from leadhub.notifications.models import Notification, NotificationEvent, OpenIncident
from leadhub.statuses import NotificationStatus, SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import FaultMode, SandboxFault
from tests.factories import (
    CampaignFactory,
    ChannelFactory,
    ConnectionFactory,
    DestinationFactory,
    SubmissionFactory,
)
from tests.leadhub.conftest import LEADBYTE_LEAD
from vendors.campaign_fields import CampaignFieldMeta
from vendors.connection_state import connection_pause, connection_resume
from vendors.drift import campaign_drift_record
from vendors.models import Destination, PauseReason

S = SubmissionStatus


@pytest.mark.django_db(transaction=True)
def test_a_connection_paused_by_sandbox_faults_is_told_once_and_audited_once(
    leadbyte_destination: Destination, settings: Any, mailoutbox: list
) -> None:
    settings.CONNECTION_BREAKER_THRESHOLD = 3
    ChannelFactory(recipients="ops@example.com")
    connection = leadbyte_destination.connection
    sandbox_fault_set(connection, FaultMode.HTTP_503, 20)
    for _ in range(6):  # three failures pause it; the rest wait, nothing more is told
        submission = SubmissionFactory(destination=leadbyte_destination, payload=LEADBYTE_LEAD)
        submission_push(submission_id=submission.pk)
    connection.refresh_from_db()
    assert connection.is_paused and connection.pause_reason == PauseReason.FAILURES

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ops@example.com"]
    assert f"{connection.name} paused" in mail.subject
    assert "Ada" not in mail.body and "ada@example.com" not in mail.body
    assert Notification.objects.get().status == NotificationStatus.SENT
    paused = LogEntry.objects.filter(additional_data__event="paused")
    assert paused.count() == 1
    assert paused.get().actor is None and paused.get().object_pk == str(connection.pk)

    SandboxFault.objects.all().delete()  # the vendor is back
    connection_resume(connection_id=connection.pk)
    assert [m.subject.split(" ")[-1] for m in mailoutbox[1:]] == ["sent"]
    assert "resumed" in mailoutbox[1].subject
    assert not OpenIncident.objects.exists()


@pytest.mark.django_db
def test_a_pause_is_told_once_until_resumed(django_capture_on_commit_callbacks, mailoutbox):
    ChannelFactory()
    connection = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        connection_pause(connection_id=connection.pk, reason=PauseReason.FAILURES)
        # Refused credentials while paused: the same incident, not a second alert.
        connection_pause(connection_id=connection.pk, reason=PauseReason.CREDENTIALS)
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        connection_resume(connection_id=connection.pk)
        connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL)
    assert len(mailoutbox) == 3  # resumed, then a new pause: a new incident


@pytest.mark.django_db
def test_a_rolled_back_pause_tells_nobody(django_capture_on_commit_callbacks, mailoutbox):
    ChannelFactory()
    connection = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL)
    # The receiver booked the send for the commit only: nothing went out meanwhile.
    assert len(callbacks) == 1 and mailoutbox == []
    assert Notification.objects.get().status == NotificationStatus.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("event", [Event.SUBMISSION_EXHAUSTED, Event.SUBMISSION_UNCERTAIN])
def test_exhausted_or_uncertain_leads_are_told_once_per_destination_per_hour(
    event: Event, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    ChannelFactory()
    first, second = DestinationFactory(), DestinationFactory()
    status = S.EXHAUSTED if event == Event.SUBMISSION_EXHAUSTED else S.UNCERTAIN
    with django_capture_on_commit_callbacks(execute=True):
        for destination in (first, first, first, second):
            submission = SubmissionFactory(destination=destination, status=status)
            event_announce(event, object_id=submission.pk, status=status)
    assert len(mailoutbox) == 2
    told = {n.dedup_key.split(":")[1]: n.occurrences for n in Notification.objects.all()}
    assert told == {f"d{first.pk}": 3, f"d{second.pk}": 1}
    assert first.name in mailoutbox[0].subject
    # The next hour is another window: told again.
    later = timezone.now() + timedelta(minutes=61)
    message = submission_message(event, submission.pk, later)
    assert message is not None
    assert notifications_book(message) == 1


@pytest.mark.django_db
def test_only_drift_that_requires_more_fields_is_told(django_capture_on_commit_callbacks):
    ChannelFactory()
    campaign = CampaignFactory()
    email = CampaignFieldMeta(name="email", label="Email", required=False)
    with django_capture_on_commit_callbacks(execute=True):
        # A new optional field, or choices: leads sent as before still go.
        campaign_drift_record(
            campaign=campaign,
            before={"email": email},
            after={"email": email, "note": CampaignFieldMeta(name="note", label="Note")},
        )
        assert not Notification.objects.exists()
        campaign_drift_record(
            campaign=campaign,
            before={"email": email},
            after={"email": CampaignFieldMeta(name="email", label="Email", required=True)},
        )
        campaign_drift_record(
            campaign=campaign,
            before={},
            after={"vin": CampaignFieldMeta(name="vin", label="VIN", required=True)},
        )
    told = list(Notification.objects.order_by("pk"))
    assert [n.event for n in told] == [NotificationEvent.CAMPAIGN_DRIFTED] * 2
    assert "(email) is now required." in told[0].body
    assert "(vin)" in told[1].body and "required" in told[1].body


@pytest.mark.django_db
def test_channels_are_told_only_what_they_asked_for(django_capture_on_commit_callbacks):
    ChannelFactory(name="pauses only", events=[NotificationEvent.CONNECTION_PAUSED])
    ChannelFactory(name="off", is_active=False)
    ChannelFactory(name="nothing", events=[])
    with django_capture_on_commit_callbacks(execute=True):
        connection_pause(connection_id=ConnectionFactory().pk, reason=PauseReason.MANUAL)
        submission = SubmissionFactory(status=S.EXHAUSTED)
        event_announce(Event.SUBMISSION_EXHAUSTED, object_id=submission.pk)
    assert list(Notification.objects.values_list("channel__name", "event")) == [
        ("pauses only", "connection.paused")
    ]
