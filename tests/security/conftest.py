"""Shared for the security tests: users in each role and a populated database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from leadhub.models import Attempt, Submission
from leadhub.notifications.models import Channel, ChannelKind, Notification
from leadhub.routing.models import Cap, Route, RouteStep, RoutingDecision
from leadhub.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    UserFactory,
    WebhookEndpointFactory,
)
from vendors.models import Campaign, CampaignField, Connection

CONNECTION_SECRET = "perm-matrix-secret-key-5c1e"
# A chat webhook's URL is the key to its room: as secret as a connection's credentials.
CHANNEL_SECRET = "perm-matrix-channel-token-7d2f"
CHANNEL_URL = f"https://hooks.example.com/services/T000/B000/{CHANNEL_SECRET}"
REPLACED_SECRET = "perm-matrix-replaced-key-9a3b"

ROLES = ("anonymous", "sales", "other_sales", "integration", "superuser")


@dataclass
class World:
    users: dict
    connection: Connection
    leads: dict  # role → that role's lead
    submissions: dict

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


def user_in(username: str, group: str | None = None, **extra):
    user = UserFactory(username=username, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world(db) -> World:
    users = {
        "sales": user_in("alice", "Sales staff"),
        "other_sales": user_in("bob", "Sales staff"),
        "integration": user_in("ines", "Integration admins"),
        "superuser": user_in("root", is_superuser=True),
    }
    connection = ConnectionFactory(
        name="Matrix LeadByte", credentials={"api_key": CONNECTION_SECRET}
    )
    campaign = Campaign.objects.create(
        connection=connection, vendor_id="9", name="Matrix campaign", reference="MATRIX"
    )
    CampaignField.objects.create(campaign=campaign, name="data13", label="make_of_car")
    destination = DestinationFactory(
        name="Matrix destination", connection=connection, campaign=campaign
    )
    leads, submissions = {}, {}
    for role in ("sales", "other_sales"):
        lead = LeadFactory(first_name=f"Lead-of-{role}", owner=users[role])
        submission = Submission.objects.create(
            lead=lead,
            destination=destination,
            connection=connection,
            operation="create_lead",
            campaign=campaign,
            payload={"campid": "MATRIX", "email": lead.email},
            status="rejected",
            created_by=users[role],
        )
        Attempt.objects.create(
            submission=submission,
            number=1,
            request={"url": "https://x.test/leads", "body": {"key": "••••••"}},
            status_code=400,
            response_body='{"status":"Error"}',
            outcome="rejected",
        )
        leads[role], submissions[role] = lead, submission
    Schedule.objects.create(name="matrix-schedule", func="leadhub.tasks.dispatch_due_submissions")
    for success in (True, False):
        Task.objects.create(
            id=f"matrix{success}",
            name=f"matrix-task-{success}",
            func="leadhub.tasks.push_submission",
            started=timezone.now(),
            stopped=timezone.now(),
            success=success,
        )
    OrmQ.objects.create(key="leadhub", payload="x", lock=timezone.now())
    # The audit log holds a key replacement (of a key that is on no page either); the
    # notification pages a webhook channel and a failed notification.
    connection.credentials = {"api_key": REPLACED_SECRET}
    connection.save()
    connection.credentials = {"api_key": CONNECTION_SECRET}
    connection.save()
    channel = Channel.objects.create(
        name="Matrix chat",
        kind=ChannelKind.WEBHOOK,
        secret={"url": CHANNEL_URL},
        events=["connection.paused"],
        last_error="The webhook answered HTTP 500.",
        last_error_at=timezone.now(),
    )
    Notification.objects.create(
        channel=channel,
        event="connection.paused",
        dedup_key="matrix",
        subject="Matrix LeadByte paused",
        body="Paused.",
        status="failed",
        last_error="The webhook answered HTTP 500.",
    )
    endpoint = WebhookEndpointFactory(name="Matrix hook", url="https://hooks.example.com/in")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.created", message_id="msg_matrix", payload={"type": "x"}
    )
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, started_at=timezone.now(), status_code=500
    )
    # A route over the destination, and the routing of the first sales user's lead.
    route = Route.objects.create(name="Matrix route")
    step = RouteStep.objects.create(route=route, destination=destination)
    Cap.objects.create(step=step, period="day", limit=10)
    RoutingDecision.objects.create(
        lead=leads["sales"], route=route, source="api", state="routed", timeline=[]
    )
    return World(users, connection, leads, submissions)
