"""What an event becomes: one pending notification per channel that wants it, once per
incident (a paused connection until it resumes; a destination's exhausted or uncertain
submissions per hour window; a campaign change with new required fields).

Called inside the writer's transaction (``leadhub.events``): it reads and writes rows only,
and books the sending with ``transaction.on_commit``, so a rolled-back change tells nobody.
The messages carry names and links, never a lead's personal data or a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from leadhub.events import Event
from leadhub.models import Submission
from leadhub.notifications.models import Channel, Notification, NotificationEvent, OpenIncident
from leadhub.routing.models import RoutingDecision
from vendors.field_changes import ChangeKind, describe
from vendors.models import CampaignChange, Connection

SEND_TASK = "leadhub.notifications.tasks.send_notification"


@dataclass(frozen=True)
class Message:
    event: str
    dedup_key: str
    subject: str
    body: str


def site_url(path: str) -> str:
    return settings.LEADHUB_SITE_URL.rstrip("/") + path


def channels_for(event: str) -> list[Channel]:
    """Active channels that asked for this event (a handful: filtered in Python, so the
    JSON list needs no database-specific lookup)."""
    return [c for c in Channel.objects.filter(is_active=True) if c.wants(event)]


def notifications_book(message: Message, channels: Iterable[Channel] | None = None) -> int:
    """One pending notification per channel, or one more occurrence of an incident already
    told; the new ones are sent once the caller's transaction commits. Returns how many
    are new."""
    booked: list[int] = []
    for channel in channels if channels is not None else channels_for(message.event):
        same = Notification.objects.filter(channel=channel, dedup_key=message.dedup_key)
        if same.update(occurrences=F("occurrences") + 1):
            continue
        try:
            with transaction.atomic():
                row = Notification.objects.create(
                    channel=channel,
                    event=message.event,
                    dedup_key=message.dedup_key,
                    subject=message.subject[:255],
                    body=message.body,
                )
        except IntegrityError:  # the same incident, booked at this moment by another writer
            same.update(occurrences=F("occurrences") + 1)
            continue
        booked.append(row.pk)
    for pk in booked:
        transaction.on_commit(lambda pk=pk: async_task(SEND_TASK, pk))  # type: ignore[misc]
    return len(booked)


# --- messages ---------------------------------------------------------------------------


def _connection_url(connection_id: int) -> str:
    return site_url(reverse("admin:vendors_connection_change", args=[connection_id]))


def connection_paused_message(connection_id: int) -> Message | None:
    """Told once per pause: the incident stays open until the connection resumes."""
    connection = Connection.objects.filter(pk=connection_id).defer("credentials").first()
    if connection is None:
        return None
    key = f"connection.paused:{connection_id}"
    with transaction.atomic():
        incident, opened = OpenIncident.objects.get_or_create(key=key)
    if not opened:
        return None
    return Message(
        event=Event.CONNECTION_PAUSED,
        dedup_key=f"{key}:{incident.pk}",
        subject=f"LeadHub: {connection.name} paused; its leads are waiting",
        body=(
            f"{connection.get_pause_reason_display()}.\n{connection.pause_message}\n\n"
            "Its leads wait and are sent when it resumes.\n"
            f"{_connection_url(connection_id)}"
        ),
    )


def connection_resumed_message(connection_id: int) -> Message | None:
    """Told only when its pause was told: the incident closes."""
    key = f"connection.paused:{connection_id}"
    incident = OpenIncident.objects.filter(key=key).first()
    if incident is None or not OpenIncident.objects.filter(pk=incident.pk).delete()[0]:
        return None
    connection = Connection.objects.filter(pk=connection_id).defer("credentials").first()
    name = connection.name if connection else f"Connection {connection_id}"
    return Message(
        event=Event.CONNECTION_RESUMED,
        dedup_key=f"connection.resumed:{connection_id}:{incident.pk}",
        subject=f"LeadHub: {name} resumed; waiting leads are being sent",
        body=f"{name} is sending again.\n{_connection_url(connection_id)}",
    )


def window_start(now: datetime) -> datetime:
    minutes = max(1, settings.NOTIFICATION_DEDUP_MINUTES)
    epoch = int(now.timestamp()) // (minutes * 60) * minutes * 60
    return datetime.fromtimestamp(epoch, tz=now.tzinfo)


def submission_message(event: str, submission_id: int, now: datetime) -> Message | None:
    """One per destination per window: the first submission names the problem, the list
    link shows them all."""
    submission = (
        Submission.objects.select_related("destination", "connection")
        .only("pk", "status", "attempt_count", "destination__name", "connection__name")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        return None
    where = submission.destination or submission.connection
    scope = (
        f"d{submission.destination_id}"
        if submission.destination_id
        else f"c{submission.connection_id}"
    )
    since = window_start(now)
    what = (
        "gave up after retries"
        if event == Event.SUBMISSION_EXHAUSTED
        else "got no clear answer and needs a person to check it"
    )
    listing = reverse("admin:leadhub_submission_changelist") + f"?status__exact={submission.status}"
    return Message(
        event=event,
        dedup_key=f"{event}:{scope}:{since:%Y%m%d%H%M}",
        subject=f"LeadHub: a submission to {where} {what.split(' and ')[0]}",
        body=(
            f"Submission #{submission.pk} to {where} {what} "
            f"({submission.attempt_count} attempt{pluralize(submission.attempt_count)}).\n"
            "Others to the same destination in the next "
            f"{settings.NOTIFICATION_DEDUP_MINUTES} minutes are not told again; "
            f"see them all: {site_url(listing)}\n"
            f"{site_url(reverse('admin:leadhub_submission_change', args=[submission.pk]))}"
        ),
    )


NEW_REQUIREMENT = frozenset({ChangeKind.BECAME_REQUIRED})


def requires_more(entry: dict[str, Any]) -> bool:
    """A change after which leads sent as before would be refused."""
    if entry.get("kind") == ChangeKind.FIELD_ADDED:
        return bool(entry.get("required"))
    return entry.get("kind") in NEW_REQUIREMENT


def campaign_drift_message(change_id: int) -> Message | None:
    change = CampaignChange.objects.select_related("campaign").filter(pk=change_id).first()
    if change is None:
        return None
    needed = [describe(entry) for entry in change.changes if requires_more(entry)]
    if not needed:
        return None
    url = site_url(reverse("admin:vendors_campaign_change", args=[change.campaign_id]))
    return Message(
        event=Event.CAMPAIGN_DRIFTED,
        dedup_key=f"campaign.drifted:{change.pk}",
        subject=f"LeadHub: campaign {change.campaign} now requires more fields",
        body="\n".join([*needed, "", "Update its destinations' mappings, then acknowledge:", url]),
    )


def lead_held_message(lead_id: int, now: datetime) -> Message | None:
    """One per route per window: the held list shows them all. No reason in the message:
    it may quote the lead's own values."""
    decision = RoutingDecision.objects.select_related("route").filter(lead_id=lead_id).first()
    if decision is None or decision.route is None:
        return None  # only a route holds a lead
    route = decision.route
    listing = reverse("admin:leadhub_routing_routingdecision_changelist") + "?state__exact=held"
    return Message(
        event=Event.LEAD_HELD,
        dedup_key=f"lead.held:{route.pk}:{window_start(now):%Y%m%d%H%M}",
        subject=f"LeadHub: route {route.name} is holding leads no destination could take",
        body=(
            f"Lead #{lead_id} is held by route {route.name}; it is looked at again when a cap "
            "resets, hours open or the route changes, or route it by hand.\n"
            f"Held leads: {site_url(listing)}\n"
            f"{site_url(reverse('admin:leadhub_lead_change', args=[lead_id]))}"
        ),
    )


def event_message(event: str, object_id: int, now: datetime | None = None) -> Message | None:
    """The message an event of ``leadhub.events`` makes, or None when it tells nobody."""
    now = now or timezone.now()
    if event == Event.CONNECTION_PAUSED:
        return connection_paused_message(object_id)
    if event == Event.CONNECTION_RESUMED:
        return connection_resumed_message(object_id)
    if event in (Event.SUBMISSION_EXHAUSTED, Event.SUBMISSION_UNCERTAIN):
        return submission_message(event, object_id, now)
    if event == Event.CAMPAIGN_DRIFTED:
        return campaign_drift_message(object_id)
    if event == Event.LEAD_HELD:
        return lead_held_message(object_id, now)
    return None


TOLD = frozenset(NotificationEvent.values)
