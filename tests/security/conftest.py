"""Shared for the security tests: users in each role and a populated database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from leadhub.models import Attempt, Submission
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
    endpoint = WebhookEndpointFactory(name="Matrix hook", url="https://hooks.example.com/in")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.created", message_id="msg_matrix", payload={"type": "x"}
    )
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, started_at=timezone.now(), status_code=500
    )
    return World(users, connection, leads, submissions)
