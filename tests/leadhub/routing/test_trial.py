"""route_trial_run: an edited, unsaved route against the saved one over recent leads: who
would go elsewhere, the counts per destination and the caps, with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadhub.routing.models import Route, RouteStep
from leadhub.routing.trial import HELD, route_trial_run
from tests.factories import CapFactory, LeadFactory, LeadSourceFactory, UserFactory
from tests.leadhub.routing.conftest import held_destination, wants_loan_amount

pytestmark = pytest.mark.django_db

ACME = {"field": "email", "op": "contains", "value": "@acme.example"}
BIG_LOAN = {"field": "extra.loan", "op": "gt", "value": 20000}
# Monday 30 March 2026, 10:00 BST.
MONDAY = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def leads(*emails: str, loan: int = 0, at: datetime = MONDAY) -> list[int]:
    made = [
        LeadFactory(email=email, extra={"loan": loan}, created_at=at + timedelta(minutes=n))
        for n, email in enumerate(emails)
    ]
    return [lead.pk for lead in made]


def steps_of(route: Route) -> list[RouteStep]:
    return list(RouteStep.objects.filter(route=route).order_by("position"))


def test_an_or_group_added_moves_the_leads_it_now_takes(make_route, admin_user) -> None:
    route = make_route({"filters": [ACME]}, {}, name="R")
    leads("a@acme.example", "b@acme.example")
    moved = leads("big@example.com", loan=50000)
    leads("small@example.com", loan=100)
    edited = steps_of(route)
    edited[0].filters = {"any": [ACME, BIG_LOAN]}
    result = route_trial_run(route=route, viewer=admin_user, steps=edited)
    assert result.leads == 4
    assert [(m.lead_id, m.before, m.after) for m in result.moved] == [(moved[0], "R 1", "R 0")]
    assert [(c.name, c.before, c.after, c.change) for c in result.counts] == [
        ("R 0", 2, 3, 1),
        ("R 1", 2, 1, -1),
    ]


def test_a_destination_dropping_out_says_why_and_a_lead_nothing_takes_is_held(
    make_route, admin_user
) -> None:
    route = make_route({}, name="R")
    (lead,) = leads("ada@example.com")
    edited = steps_of(route)
    edited[0].filters = [ACME]
    result = route_trial_run(route=route, viewer=admin_user, steps=edited)
    (move,) = result.moved
    assert (move.lead_id, move.before, move.after) == (lead, "R 0", HELD)
    assert "filter “email contains '@acme.example'” does not hold" in move.why
    assert (result.held_before, result.held_after) == (0, 1)


def test_caps_are_counted_over_the_leads_tried_in_their_own_windows(make_route, admin_user) -> None:
    route = make_route({}, {}, name="R")
    first = steps_of(route)[0]
    CapFactory(step=first, period="day", limit=2)
    leads("a@example.com", "b@example.com", "c@example.com")  # Monday
    leads("d@example.com", at=MONDAY + timedelta(days=1))  # Tuesday: a new window
    edited = steps_of(route)
    edited[0].filters = []
    result = route_trial_run(route=route, viewer=admin_user, steps=edited)
    assert result.moved == []
    (usage,) = result.caps
    assert (usage.name, usage.period, usage.limit) == ("R 0", "day", 2)
    assert (usage.peak_before, usage.peak_after) == (2, 2)
    assert (usage.kept_out_before, usage.kept_out_after) == (1, 1)
    assert usage.used_now == 0
    assert [(c.name, c.after) for c in result.counts] == [("R 0", 3), ("R 1", 1)]


def test_a_new_step_and_a_removed_one_are_tried_before_either_is_saved(
    make_route, admin_user
) -> None:
    route = make_route({"filters": [ACME]}, {}, name="R")
    leads("ada@example.com")
    newcomer = RouteStep(route=route, destination=held_destination("New"), position=0)
    kept = steps_of(route)[0]
    kept.position = 1
    result = route_trial_run(route=route, viewer=admin_user, steps=[newcomer, kept])
    (move,) = result.moved
    assert (move.before, move.after) == ("R 1", "New")
    assert [c.name for c in result.counts] == ["New", "R 0", "R 1"]
    assert RouteStep.objects.filter(route=route).count() == 2


def test_the_lead_source_is_what_a_source_filter_reads(make_route, admin_user) -> None:
    route = make_route({}, name="R")
    LeadSourceFactory(kind="import")
    edited = steps_of(route)
    edited[0].filters = [{"field": "source", "op": "eq", "value": "api"}]
    (move,) = route_trial_run(route=route, viewer=admin_user, steps=edited).moved
    assert "the lead's source is 'import'" in move.why


def test_only_the_last_n_leads_are_tried_and_nothing_is_written(make_route, admin_user) -> None:
    route = make_route({}, name="R")
    CapFactory(step=steps_of(route)[0], period="hour", limit=1)
    for day in range(5):
        leads(f"p{day}@example.com", at=MONDAY - timedelta(days=day))
    edited = steps_of(route)
    edited[0].filters = [ACME]
    with CaptureQueriesContext(connection) as queries:
        result = route_trial_run(route=route, viewer=admin_user, steps=edited, leads=3)
    assert result.leads == 3 and len(result.moved) == 3
    written = [
        q["sql"]
        for q in queries
        if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert written == []
    with CaptureQueriesContext(connection) as all_five:
        route_trial_run(route=route, viewer=admin_user, steps=edited, leads=5)
    assert len(all_five) <= len(queries) <= 12  # a handful of queries, however many leads
    assert RouteStep.objects.get(pk=edited[0].pk).filters == []


def test_a_new_route_is_tried_against_nothing_saved(make_route, admin_user) -> None:
    leads("ada@example.com")
    route = Route(name="Draft", method="waterfall", time_zone="Europe/London")
    step = RouteStep(destination=held_destination("Acme"), position=0)
    result = route_trial_run(route=route, viewer=admin_user, steps=[step])
    (move,) = result.moved
    assert (move.before, move.after) == (HELD, "Acme")
    assert not Route.objects.filter(name="Draft").exists()


def test_someone_who_sees_only_their_own_leads_tries_the_route_on_those_only(
    make_route, admin_user
) -> None:
    route = make_route({}, name="R")
    seller = UserFactory()
    others = leads("other@example.com")
    mine = LeadFactory(email="mine@example.com", owner=seller, created_at=MONDAY).pk
    edited = steps_of(route)
    edited[0].filters = [ACME]
    result = route_trial_run(route=route, viewer=seller, steps=edited)
    assert result.leads == 1 and result.own_leads_only
    assert [m.lead_id for m in result.moved] == [mine]
    everyone = route_trial_run(route=route, viewer=admin_user, steps=edited)
    assert {m.lead_id for m in everyone.moved} == {mine, *others}
    assert not everyone.own_leads_only


def test_a_destination_the_lead_lacks_required_fields_for_is_not_counted_as_chosen(
    make_route, admin_user
) -> None:
    route = make_route({}, {}, name="R")
    (lead,) = leads("ada@example.com")
    edited = steps_of(route)
    edited[0].destination = wants_loan_amount("Loans")
    result = route_trial_run(route=route, viewer=admin_user, steps=edited)
    (move,) = result.moved
    assert (move.lead_id, move.before, move.after) == (lead, "R 0", "R 1")
    assert "Loans: lacks required fields" in move.why
    assert [(c.name, c.after) for c in result.counts] == [("Loans", 0), ("R 1", 1), ("R 0", 0)]
