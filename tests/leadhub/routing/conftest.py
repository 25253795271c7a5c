"""Routing tests: destinations on a connection paused by hand, so what routing queues stays
queued (nothing leaves the machine) and each test moves submissions on itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from leadhub.delivery.rows import submission_transition
from leadhub.models import Lead, Submission
from leadhub.routing.models import Route
from leadhub.statuses import SubmissionStatus as S
from tests.factories import (
    CampaignFactory,
    CampaignFieldFactory,
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    RouteFactory,
    RouteStepFactory,
)
from vendors.models import Destination, PauseReason


def held_destination(name: str) -> Destination:
    connection = ConnectionFactory(
        paused_at=timezone.now() - timedelta(minutes=5), pause_reason=PauseReason.MANUAL
    )
    return DestinationFactory(name=name, connection=connection)


@pytest.fixture
def make_route(db) -> Callable[..., Route]:
    """A route over n destinations (``steps``: each step's own fields, in order)."""

    def make(*steps: dict[str, Any], **route: Any) -> Route:
        made = RouteFactory(**route)
        for position, fields in enumerate(steps):
            fields = dict(fields)
            fields.setdefault("destination", held_destination(f"{made.name} {position}"))
            RouteStepFactory(route=made, position=position, **fields)
        return made

    return make


def settle(submission: Submission, status: str) -> None:
    """What the worker does once the vendor answered: queued → sending → ``status``."""
    submission.refresh_from_db()
    submission_transition(submission, S.SENDING)
    submission_transition(submission, status)


_people = iter(range(10**6))


def person(**fields: Any) -> Lead:
    """A lead for a different person each time (the duplicate guard would hold a second)."""
    n = next(_people)
    fields.setdefault("phone", f"07700 9{n:05d}")
    fields.setdefault("email", f"person{n}@example.com")
    return LeadFactory(**fields)


def wants_loan_amount(name: str) -> Destination:
    """A LeadByte destination whose campaign requires a field no contact detail fills."""
    destination = held_destination(name)
    campaign = CampaignFactory(connection=destination.connection)
    CampaignFieldFactory(campaign=campaign, name="email", label="Email", required=True)
    CampaignFieldFactory(campaign=campaign, name="loan", label="Loan amount", required=True)
    destination.campaign = campaign
    destination.save()
    return destination
