"""Caps under concurrency: 200 leads at once against a cap of 50 send exactly 50, on
PostgreSQL and SQLite, each lead routed in its own thread on its own connection."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection, connections

from leadhub.models import Lead, Submission
from leadhub.routing.models import CapCounter, DecisionState, RouteStep, RoutingDecision
from leadhub.routing.services import route_apply
from tests.factories import CapFactory
from tests.leadhub.routing.conftest import person

LEADS, LIMIT = 200, 50


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_leads_against_a_cap_of_50_send_exactly_50(make_route) -> None:
    route = make_route({}, name="Race")
    cap = CapFactory(step=RouteStep.objects.get(route=route), period="day", limit=LIMIT)
    leads = [person() for _ in range(LEADS)]

    def route_one(lead: Lead) -> str:
        try:
            # SQLite's shared in-memory test database answers "locked" at once rather than
            # waiting: that writer tries again, unless it was the work booked after the
            # commit (the worker, run inline here) that found it locked.
            for attempt in range(400):
                try:
                    done = RoutingDecision.objects.filter(lead=lead).first()
                    if done is not None:
                        return done.state
                    return route_apply(lead=lead, route=route, source="api").state
                except OperationalError as error:
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    time.sleep(0.005 * (1 + attempt % 10))
            raise AssertionError("never got the database")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        states = list(pool.map(route_one, leads))
    assert states.count(DecisionState.WAITING) == LIMIT
    assert states.count(DecisionState.HELD) == LEADS - LIMIT
    assert Submission.objects.count() == LIMIT
    assert CapCounter.objects.get(cap=cap).count == LIMIT
    assert RoutingDecision.objects.filter(state=DecisionState.HELD).count() == LEADS - LIMIT
