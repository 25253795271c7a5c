"""The API with routing: a lead naming no destinations follows the key's route, and the
lead's routing timeline is in its answer."""

from __future__ import annotations

import pytest

from leadhub.api.models import ApiKey
from leadhub.models import Lead, Submission
from leadhub.routing.models import RouteMethod, RouteStep, RoutingDecision
from tests.factories import RouteFactory
from tests.leadhub.conftest import CONTACT

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(make_key, api_client, leadbyte_destination, getlead_destination):
    route = RouteFactory(name="Website leads", method=RouteMethod.WATERFALL)
    RouteStep.objects.create(
        route=route,
        destination=leadbyte_destination,
        position=0,
        filters=[{"field": "email", "op": "contains", "value": "@corp.example"}],
    )
    RouteStep.objects.create(route=route, destination=getlead_destination, position=1)
    key = make_key(leadbyte_destination)
    ApiKey.objects.filter(prefix=key.key.prefix).update(route=route)
    return api_client(key.token)


def test_a_lead_without_destinations_follows_the_keys_route(routed) -> None:
    answer = routed.post("/leads", {**CONTACT}, **{"Idempotency-Key": "one"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert [s["destination"] for s in body["submissions"]] == ["getlead-website"]
    routing = body["routing"]
    assert routing["route"] == "Website leads" and routing["source"] == "api"
    considered = [e for e in routing["timeline"] if e["kind"] == "considered"]
    assert considered[0]["eligible"] is False
    assert considered[0]["checks"][-1]["clause"] == "email contains '@corp.example'"
    assert considered[0]["checks"][-1]["actual"] == CONTACT["email"]
    assert considered[1]["eligible"] is True
    again = routed.get(f"/leads/{body['id']}")
    assert again.status_code == 200
    assert again.json()["routing"]["timeline"][: len(routing["timeline"])] == routing["timeline"]
    assert again.json()["submissions"][0]["status"] == "accepted"


def test_a_key_without_a_route_needs_destinations(make_key, api_client, getlead_destination):
    api = api_client(make_key(getlead_destination).token)
    answer = api.post("/leads", {**CONTACT})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "no_destinations"


def test_a_routed_lead_with_contact_errors_is_refused_and_nothing_saved(routed) -> None:
    answer = routed.post("/leads", {"first_name": "", "email": "not-an-email"})
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["error"]["errors"]} >= {"first_name", "email"}


def test_a_key_reads_only_the_routed_leads_it_took_in(
    routed, make_key, api_client, leadbyte_destination
) -> None:
    mine = routed.post("/leads", {**CONTACT}).json()
    route = ApiKey.objects.exclude(route=None).get().route
    other = make_key(leadbyte_destination)
    ApiKey.objects.filter(prefix=other.key.prefix).update(route=route)
    theirs = api_client(other.token)
    assert theirs.get(f"/leads/{mine['id']}").status_code == 404
    assert theirs.get("/leads").json()["items"] == []
    assert theirs.get("/submissions").json()["items"] == []
    assert routed.get(f"/leads/{mine['id']}").status_code == 200


def test_a_dry_run_says_where_the_route_would_send_and_saves_nothing(routed) -> None:
    answer = routed.post("/leads?dry_run=true", {**CONTACT})
    assert answer.status_code == 200, answer.content
    routing = answer.json()["routing"]
    assert routing["route"] == "Website leads" and routing["chosen"] == ["getlead-website"]
    kinds = [e["kind"] for e in routing["timeline"]]
    assert kinds == ["route", "considered", "considered", "would_send"]
    assert not Lead.objects.exists() and not Submission.objects.exists()
    assert not RoutingDecision.objects.exists()


def test_a_routed_lead_meets_the_duplicate_guard_unless_allowed(routed) -> None:
    assert routed.post("/leads", {**CONTACT}).status_code == 201
    again = routed.post("/leads", {**CONTACT})
    assert again.status_code == 409, again.content
    error = again.json()["error"]
    assert error["code"] == "duplicate_lead"
    assert [e["destination"] for e in error["errors"]] == ["getlead-website"]
    assert Lead.objects.count() == 1
    allowed = routed.post("/leads", {**CONTACT, "allow_duplicate": True})
    assert allowed.status_code == 201, allowed.content
    assert [s["destination"] for s in allowed.json()["submissions"]] == ["getlead-website"]
