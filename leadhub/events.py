"""What happened, announced once: the events other parts of LeadHub (webhooks out,
notifications, the audit log) listen to.

Each event is announced by the one place that writes the state it describes: a submission's
status by ``delivery.rows.submission_transition``, a lead by ``services.leads``, a
connection's pause and resume by ``vendors.connection_state``, a campaign's drift by
``vendors.drift``. Receivers run inside the writer's transaction, so what they record (an
outbox row for a webhook, a pending notification) commits or rolls back with the change
itself; they must only write rows and book work with ``transaction.on_commit``, never make a
network call.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.dispatch import Signal, receiver

from leadhub.statuses import SubmissionStatus
from vendors.connection_state import connection_paused, connection_resumed
from vendors.drift import campaign_drifted
from vendors.models import CampaignChange, Connection

S = SubmissionStatus


class Event(models.TextChoices):
    LEAD_CREATED = "lead.created", "Lead created"
    SUBMISSION_ACCEPTED = "submission.accepted", "Submission accepted"
    SUBMISSION_REJECTED = "submission.rejected", "Submission rejected"
    SUBMISSION_EXHAUSTED = "submission.exhausted", "Submission gave up after retries"
    SUBMISSION_UNCERTAIN = "submission.uncertain", "Submission needs review"
    CONNECTION_PAUSED = "connection.paused", "Connection paused"
    CONNECTION_RESUMED = "connection.resumed", "Connection resumed"
    CAMPAIGN_DRIFTED = "campaign.drifted", "Campaign fields changed"
    LEAD_HELD = "lead.held", "Lead held: no destination could take it"


# The submission statuses that are events of their own.
EVENT_FOR_STATUS: dict[str, Event] = {
    S.ACCEPTED: Event.SUBMISSION_ACCEPTED,
    S.REJECTED: Event.SUBMISSION_REJECTED,
    S.EXHAUSTED: Event.SUBMISSION_EXHAUSTED,
    S.UNCERTAIN: Event.SUBMISSION_UNCERTAIN,
}

# Sent with event (an Event), object_id (the lead, submission, connection or campaign change)
# and data (a small dict of plain values, no personal data and no secrets).
event_happened = Signal()


def event_announce(event: Event, *, object_id: int, **data: Any) -> None:
    event_happened.send(sender=Event, event=event, object_id=object_id, data=data)


def submission_status_announce(*, submission_id: int, status: str) -> None:
    event = EVENT_FOR_STATUS.get(status)
    if event is not None:
        event_announce(event, object_id=submission_id, status=status)


@receiver(connection_paused, sender=Connection)
def _connection_paused(*, connection_id: int, reason: str, **_: Any) -> None:
    event_announce(Event.CONNECTION_PAUSED, object_id=connection_id, reason=reason)


@receiver(connection_resumed, sender=Connection)
def _connection_resumed(*, connection_id: int, **_: Any) -> None:
    event_announce(Event.CONNECTION_RESUMED, object_id=connection_id)


@receiver(campaign_drifted, sender=CampaignChange)
def _campaign_drifted(*, change: CampaignChange, **_: Any) -> None:
    event_announce(Event.CAMPAIGN_DRIFTED, object_id=change.pk, campaign_id=change.campaign_id)
