"""The destination page's web-to-lead form and curl, and the docs served from this machine."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from django.test import Client

from leadhub.api.models import ApiKey, KeyKind
from leadhub.models import Lead, Submission
from leadhub.routing.models import RouteMethod, RouteStep, RoutingDecision
from tests.factories import DestinationFactory, RouteFactory

pytestmark = pytest.mark.django_db

ROUTED_PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "07911 123456",
}


@pytest.fixture(autouse=True)
def no_push(monkeypatch):
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)


@pytest.fixture
def destination(campaign_destination):
    return campaign_destination


def snippet(page: str, label: str) -> str:
    found = re.search(rf'aria-label="{label}">(.*?)</textarea>', page, re.S)
    assert found, f"no {label} on the page"
    return (
        found.group(1)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    """The form's action and what a person filling every field in would post."""
    action = re.search(r'action="([^"]+)"', html).group(1)
    values = {"key": re.search(r'name="key" value="([^"]+)"', html).group(1)}
    sample = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "07911 123456",
        "data13": "Volvo",
        "gender": "F",
        "dob": "1990-12-31",
    }
    for name in re.findall(r'name="([^"]+)"', html):
        if name in sample:
            values[name] = sample[name]
    return action, values


def test_the_page_offers_a_form_that_sends_a_lead(admin_client: Client, destination, make_key):
    make_key(destination, kind=KeyKind.PUBLISHABLE)
    page = admin_client.get(f"/admin/vendors/destination/{destination.pk}/change/").content.decode()
    html = snippet(page, "HTML form")
    action, values = form_fields(html)
    assert action == f"http://testserver/api/v1/forms/{destination.slug}"
    assert 'name="sid"' not in html  # fixed by the destination
    posted = Client().post(
        action.removeprefix("http://testserver"), values, headers={"Accept": "text/html"}
    )
    assert posted.status_code == 201, posted.content
    assert b"Thank you, Ada" in posted.content
    lead = Lead.objects.get()
    assert Submission.objects.get(lead=lead).payload["data13"] == "Volvo"


def test_the_pages_curl_body_is_accepted(admin_client: Client, destination, make_key, api_client):
    page = admin_client.get(f"/admin/vendors/destination/{destination.pk}/change/").content.decode()
    curl = snippet(page, "curl example")
    assert "$LEADHUB_API_KEY" in curl and "lh_live_" not in curl
    body = json.loads(shlex.split(curl.split(" -d ", 1)[1])[0])
    response = api_client(make_key(destination).token).post("/leads?dry_run=true", body)
    assert response.status_code == 200, response.content


def test_the_web_form_refuses_as_the_api_does(make_key, destination) -> None:
    key = make_key(destination, kind=KeyKind.PUBLISHABLE)
    url = f"/api/v1/forms/{destination.slug}"
    client = Client()
    missing = client.post(url, {"first_name": "Ada"})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_api_key"
    invalid = client.post(url, {"key": key.token, "first_name": "Ada", "gender": "Q"})
    assert invalid.status_code == 422
    codes = {(e["field"], e["code"]) for e in invalid.json()["error"]["errors"]}
    assert ("gender", "invalid_choice") in codes
    elsewhere = DestinationFactory(name="Elsewhere")
    outside = client.post(f"/api/v1/forms/{elsewhere.slug}", {"key": key.token})
    assert outside.status_code == 403 and outside.json()["error"]["destinations"] == [
        elsewhere.slug
    ]
    secret = make_key(destination)
    wrong_kind = client.post(url, {"key": secret.token, "first_name": "Ada"})
    assert wrong_kind.json()["error"]["code"] == "wrong_key_kind"
    as_json = client.post(url, "{}", content_type="application/json")
    assert as_json.status_code == 415
    assert not Lead.objects.exists()


def test_openapi_and_docs_are_served_from_this_machine(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/leads",
        "/api/v1/leads/{lead_id}",
        "/api/v1/submissions/{submission_id}",
        "/api/v1/submissions/{submission_id}/resend",
        "/api/v1/destinations",
    } <= set(schema["paths"])
    create = schema["paths"]["/api/v1/leads"]["post"]
    assert {"201", "422", "403"} <= set(create["responses"])
    docs = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "<script>" not in docs  # nothing inline for the CSP to refuse


@pytest.fixture
def routed_form(make_key, destination, getlead_destination):
    """A publishable key whose route is a waterfall: the example campaign, then Getlead."""
    route = RouteFactory(name="Website form", method=RouteMethod.WATERFALL)
    RouteStep.objects.create(route=route, destination=destination, position=0)
    RouteStep.objects.create(route=route, destination=getlead_destination, position=1)
    key = make_key(destination, kind=KeyKind.PUBLISHABLE)
    ApiKey.objects.filter(prefix=key.key.prefix).update(route=route)
    return key


def test_a_form_tied_to_its_keys_route_follows_it(routed_form) -> None:
    posted = Client().post(
        "/api/v1/forms",
        {"key": routed_form.token, **ROUTED_PERSON, "utm_source": "news"},
        headers={"Accept": "text/html"},
    )
    assert posted.status_code == 201, posted.content
    assert b"Thank you, Ada" in posted.content
    lead = Lead.objects.get()
    decision = RoutingDecision.objects.get(lead=lead)
    assert decision.route.name == "Website form" and decision.source == "web_form"
    assert lead.source.kind == "web_form" and lead.source.utm_source == "news"
    # The example campaign wants fields a form's contact details do not fill: left out
    # before sending, with the reason, and Getlead takes it.
    assert [s.destination.slug for s in lead.submissions.all()] == ["getlead-website"], [
        e.get("words", e.get("checks")) for e in decision.timeline
    ]
    kinds = [e["kind"] for e in decision.timeline]
    assert "missing_fields" in kinds and kinds[-1] == "sent"


def test_a_routed_form_refuses_bad_input_and_a_key_without_a_route(
    routed_form, make_key, destination
) -> None:
    client = Client()
    invalid = client.post("/api/v1/forms", {"key": routed_form.token, "email": "nope"})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_lead"
    plain = make_key(destination, kind=KeyKind.PUBLISHABLE)
    no_route = client.post("/api/v1/forms", {"key": plain.token, **ROUTED_PERSON})
    assert no_route.status_code == 422
    assert no_route.json()["error"]["code"] == "no_destinations"
    assert not Lead.objects.exists()
