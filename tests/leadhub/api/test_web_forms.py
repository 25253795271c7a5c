"""The destination page's web-to-lead form and curl, and the docs served from this machine."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from django.test import Client

from leadhub.api.models import KeyKind
from leadhub.models import Lead, Submission
from tests.factories import DestinationFactory

pytestmark = pytest.mark.django_db


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
