"""Whatever the destinations answer, in whatever order the events and sweeps come, a
waterfall never sends to another destination once one accepted, and waits on one at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from leadhub.models import Submission
from leadhub.routing.models import DecisionState, RoutingDecision
from leadhub.routing.services import route_apply, routing_submission_ended, routing_sweep
from leadhub.statuses import PENDING
from leadhub.statuses import SubmissionStatus as S
from tests.leadhub.routing.conftest import person, settle

pytestmark = pytest.mark.django_db

ANSWERS = st.sampled_from(
    [S.ACCEPTED, S.REJECTED, S.DUPLICATE, S.EXHAUSTED, S.UNCERTAIN, "no_answer", "replay"]
)


@settings(max_examples=60)
@given(size=st.integers(1, 4), answers=st.lists(ANSWERS, min_size=1, max_size=10))
def test_a_waterfall_never_sends_to_two_once_one_accepted(make_route, size, answers) -> None:
    route = make_route(*[{"step_seconds": 60} for _ in range(size)])
    lead = person()
    now = timezone.now()
    decision = route_apply(lead=lead, route=route, source="api", now=now)
    for answer in answers:
        now += timedelta(minutes=2)
        pending = Submission.objects.filter(lead=lead, status__in=sorted(PENDING))
        assert pending.count() <= 1
        current = pending.first()
        if answer == "replay":  # an event delivered again, for the latest send whatever it is
            latest = Submission.objects.filter(lead=lead).order_by("pk").last()
            if latest is not None:
                routing_submission_ended(submission_id=latest.pk)
        elif answer == "no_answer":
            routing_sweep(now)
        elif current is not None:
            settle(current, answer)
        routing_sweep(now)
    sent = list(Submission.objects.filter(lead=lead).order_by("pk"))
    accepted = [i for i, s in enumerate(sent) if s.status == S.ACCEPTED]
    assert len(accepted) <= 1
    if accepted:
        assert accepted[0] == len(sent) - 1  # nothing was sent after it
        decision = RoutingDecision.objects.get(pk=decision.pk)
        assert decision.state == DecisionState.ACCEPTED
    assert len(sent) <= size
    assert len({s.destination_id for s in sent}) == len(sent)
