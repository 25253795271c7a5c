"""Events are announced once, by the writer of the state they describe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadhub.delivery.rows import submission_transition
from leadhub.events import Event, event_happened
from leadhub.services.leads import lead_create_and_send
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    CampaignFactory,
    ConnectionFactory,
    ContactFactory,
    SubmissionFactory,
    VendorResultFactory,
)
from vendors.campaign_fields import CampaignFieldMeta
from vendors.connection_state import (
    connection_pause,
    connection_record_result,
    connection_resume,
)
from vendors.drift import campaign_drift_record
from vendors.models import PauseReason

pytestmark = pytest.mark.django_db

S = SubmissionStatus


@pytest.fixture
def heard() -> Iterator[list[tuple[str, int, dict[str, Any]]]]:
    events: list[tuple[str, int, dict[str, Any]]] = []

    def listen(*, event: Event, object_id: int, data: dict[str, Any], **_: Any) -> None:
        events.append((str(event), object_id, data))

    event_happened.connect(listen, weak=False)
    yield events
    event_happened.disconnect(listen)


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (S.ACCEPTED, Event.SUBMISSION_ACCEPTED),
        (S.REJECTED, Event.SUBMISSION_REJECTED),
        (S.EXHAUSTED, Event.SUBMISSION_EXHAUSTED),
        (S.UNCERTAIN, Event.SUBMISSION_UNCERTAIN),
    ],
)
def test_a_final_status_is_announced(heard: list[Any], status: str, event: Event) -> None:
    submission = SubmissionFactory(status=S.SENDING)
    submission_transition(submission, status)
    assert heard == [(str(event), submission.pk, {"status": status})]


def test_moves_that_are_not_events_stay_quiet(heard: list[Any]) -> None:
    submission = SubmissionFactory(status=S.SENDING)
    submission_transition(submission, S.RETRY_WAIT)
    assert heard == []


def test_a_new_lead_is_announced_once(heard: list[Any]) -> None:
    lead = lead_create_and_send(contact=ContactFactory(), destinations=[], destination_values={})
    assert heard == [(str(Event.LEAD_CREATED), lead.pk, {})]


def test_pause_and_resume_by_hand_are_announced(heard: list[Any]) -> None:
    connection = ConnectionFactory()
    assert connection_pause(connection_id=connection.pk, reason=PauseReason.MANUAL)
    assert not connection_pause(connection_id=connection.pk, reason=PauseReason.FAILURES)
    connection_resume(connection_id=connection.pk)
    assert [(event, pk) for event, pk, _ in heard] == [
        (str(Event.CONNECTION_PAUSED), connection.pk),
        (str(Event.CONNECTION_RESUMED), connection.pk),
    ]


def test_the_breaker_tripping_is_announced_once(heard: list[Any], settings: Any) -> None:
    settings.CONNECTION_BREAKER_THRESHOLD = 2
    connection = ConnectionFactory()
    failure = VendorResultFactory(failed=True)
    for _ in range(4):
        connection_record_result(connection_id=connection.pk, result=failure)
    assert heard == [
        (str(Event.CONNECTION_PAUSED), connection.pk, {"reason": PauseReason.FAILURES})
    ]


def test_campaign_drift_is_announced(heard: list[Any]) -> None:
    campaign = CampaignFactory()
    before = {"email": CampaignFieldMeta(name="email", label="Email", required=False)}
    after = {"email": CampaignFieldMeta(name="email", label="Email", required=True)}
    change = campaign_drift_record(campaign=campaign, before=before, after=after)
    assert change is not None
    assert heard == [(str(Event.CAMPAIGN_DRIFTED), change.pk, {"campaign_id": campaign.pk})]
