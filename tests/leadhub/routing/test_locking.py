"""Routing's locks (PostgreSQL: SQLite runs one write transaction at a time): the sweep
and a worker settling a send lock the submission, then the decision, never the reverse."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from leadhub.models import Submission
from leadhub.routing.models import DecisionState, RoutingDecision
from leadhub.routing.services import route_apply, routing_sweep
from leadhub.statuses import SubmissionStatus as S
from tests.leadhub.routing.conftest import person

needs_postgresql = pytest.mark.skipif(
    db.vendor != "postgresql", reason="a real race needs two database connections at once"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_a_send_a_worker_holds_and_takes_it_next_time(make_route) -> None:
    route = make_route({"step_seconds": 60}, {}, name="L")
    lead = person()
    now = timezone.now()
    route_apply(lead=lead, route=route, source="api", now=now)
    first = lead.submissions.get()
    failed: list[BaseException] = []

    def sweep() -> None:
        try:
            with db.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            routing_sweep(now + timedelta(seconds=61))
        except BaseException as error:
            failed.append(error)
        finally:
            db.close()

    with transaction.atomic():
        # A worker settling the send holds its row, then locks the decision (the receiver).
        Submission.objects.select_for_update().get(pk=first.pk)
        thread = threading.Thread(target=sweep)
        thread.start()
        thread.join(20)
        RoutingDecision.objects.select_for_update().get(lead=lead)
    assert failed == []
    assert list(lead.submissions.values_list("status", flat=True)) == [S.QUEUED]
    routing_sweep(now + timedelta(seconds=61))  # the next sweep: the worker is done
    statuses = list(lead.submissions.order_by("pk").values_list("status", flat=True))
    assert statuses == [S.CANCELLED, S.QUEUED]
    assert RoutingDecision.objects.get(lead=lead).state == DecisionState.WAITING
