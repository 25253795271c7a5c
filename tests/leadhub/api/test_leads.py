"""POST /api/v1/leads: the admin's form decides, the sandbox answers, nothing half saved."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from leadhub.api.keys import NewKey
from leadhub.models import Lead, Submission
from tests.leadhub.conftest import CONTACT
from vendors.models import Destination

pytestmark = pytest.mark.django_db

LEADBYTE_FIELDS = {"data13": "Volvo", "gender": "F", "dob": "1990-12-31"}


@pytest.fixture
def both(leadbyte_destination, getlead_destination) -> list[Destination]:
    return [leadbyte_destination, getlead_destination]


@pytest.fixture
def key(make_key, both) -> NewKey:
    return make_key(*both)


@pytest.fixture
def api(api_client, key):
    return api_client(key.token)


def lead_body(leadbyte: Destination, **contact: str) -> dict:
    return {
        **CONTACT,
        **contact,
        "destinations": [
            {"destination": leadbyte.slug, "fields": LEADBYTE_FIELDS},
            {"destination": "getlead-website"},
        ],
    }


def nothing_saved() -> bool:
    return not Lead.objects.exists() and not Submission.objects.exists()


def test_a_lead_goes_to_two_sandbox_destinations_and_both_accept(api, key, both) -> None:
    response = api.post("/leads", lead_body(both[0]))
    assert response.status_code == 201, response.content
    answer = response.json()
    lead = Lead.objects.get()
    assert lead.owner == key.key.owner and answer["id"] == lead.pk
    assert answer["admin_url"] == f"/admin/leadhub/lead/{lead.pk}/change/"
    assert [s["destination"] for s in answer["submissions"]] == [
        "leadbyte-example",
        "getlead-website",
    ]
    # The test settings run the worker inline: each sandbox vendor has answered.
    assert {s["status"] for s in answer["submissions"]} == {"accepted"}
    assert all(s["url"] == f"/api/v1/submissions/{s['id']}" for s in answer["submissions"])
    sent = Submission.objects.get(destination=both[0]).payload
    assert sent["data13"] == "Volvo" and sent["dob"] == "31/12/1990"  # as the form makes it


def test_dry_run_shows_each_request_masked_and_saves_nothing(api, both) -> None:
    response = api.post("/leads?dry_run=true", lead_body(both[0]))
    assert response.status_code == 200, response.content
    previews = response.json()["previews"]
    assert [p["destination"] for p in previews] == ["leadbyte-example", "getlead-website"]
    leadbyte, getlead = previews
    assert leadbyte["request"]["body"]["lead"]["firstname"] == "Ada"
    assert leadbyte["request"]["body"]["key"] == "••••••"
    assert "token=%E2%80%A2" in getlead["request"]["url"] or "token=••" in getlead["request"]["url"]
    assert "test-leadbyte-key" not in response.content.decode()
    assert nothing_saved()


def form_errors(client: Client, destination: Destination, data: dict) -> set[str]:
    """The messages the admin's lead form shows for this input."""
    prefix = f"d{destination.pk}__"
    posted = {**{k: v for k, v in data.items() if k != "fields"}}
    posted |= {f"{prefix}{k}": v for k, v in data.get("fields", {}).items()}
    url = f"/admin/leadhub/lead/add/?destinations={destination.pk}"
    response = client.post(url, {**posted, "confirm": "1"})
    form = response.context["form"]
    return {str(m) for messages in form.errors.values() for m in messages}


def test_every_error_at_once_in_the_admin_forms_words(api, admin_client, both) -> None:
    leadbyte = both[0]
    data = {"email": "not-an-email", "fields": {"gender": "Q", "dob": "31-31-1990"}}
    response = api.post(
        "/leads",
        {
            "email": data["email"],
            "destinations": [{"destination": leadbyte.slug, "fields": data["fields"]}],
        },
    )
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_lead"
    found = {(e["field"], e["destination"], e["code"]) for e in error["errors"]}
    assert ("first_name", None, "required") in found
    assert ("gender", "leadbyte-example", "invalid_choice") in found
    assert ("data13", "leadbyte-example", "required") in found
    assert ("dob", "leadbyte-example", "invalid") in found
    assert any(f == "email" for f, _, _ in found)
    # One mechanism: the admin's form refuses the same input with the same messages.
    admin_messages = form_errors(
        admin_client, leadbyte, {"email": data["email"], "fields": data["fields"]}
    )
    api_messages = {
        (f"{leadbyte}: " if e["destination"] and e["field"] in CONTACT else "") + e["message"]
        for e in error["errors"]
    }
    assert api_messages == admin_messages
    assert nothing_saved()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"first_name": 5, "destinations": [{"destination": "x"}]}, 422, "invalid_request"),
        ({"first_name": "A", "destinations": []}, 422, "no_destinations"),
        (
            {"first_name": "A", "surprise": 1, "destinations": [{"destination": "x"}]},
            422,
            "invalid_request",
        ),
        ({"first_name": "A", "destinations": [{"destination": "nowhere"}]}, 422, "invalid_lead"),
        ({"first_name": "A", "destinations": "leadbyte-example"}, 422, "invalid_request"),
        ([1, 2, 3], 422, "invalid_request"),
        ("just a string", 422, "invalid_request"),
    ],
)
def test_bad_bodies_are_4xx_json_and_save_nothing(api, both, body, status, code) -> None:
    response = api.post("/leads", body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert nothing_saved()


def test_wrong_types_and_unknown_fields_inside_a_destination(api, both) -> None:
    body = lead_body(both[0])
    body["destinations"][0]["fields"] = {**LEADBYTE_FIELDS, "gender": {"x": 1}, "zzz": "1"}
    errors = api.post("/leads", body).json()["error"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} >= {
        ("gender", "wrong_type"),
        ("zzz", "unknown_field"),
    }
    assert nothing_saved()


def test_malformed_json_wrong_media_type_and_huge_bodies(api) -> None:
    malformed = api.post("/leads", raw='{"first_name": ')
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "malformed_json")
    form = api.post(
        "/leads", raw="first_name=Ada", content_type="application/x-www-form-urlencoded"
    )
    assert (form.status_code, form.json()["error"]["code"]) == (415, "unsupported_media_type")
    huge = api.post("/leads", raw='{"notes": "' + "x" * 10_000_000 + '"}')
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "body_too_large")
    assert nothing_saved()


def test_a_destination_outside_the_keys_scope_is_403_naming_it(make_key, api_client, both):
    api = api_client(make_key(both[1]).token)
    response = api.post("/leads", lead_body(both[0]))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "destination_out_of_scope"
    assert error["destinations"] == ["leadbyte-example"]
    assert "leadbyte-example" in error["message"]
    assert nothing_saved()


def test_a_switched_off_destination_is_refused(api, both) -> None:
    Destination.objects.filter(pk=both[1].pk).update(is_active=False)
    response = api.post("/leads", lead_body(both[0]))
    assert response.status_code == 422
    assert response.json()["error"]["errors"][0]["code"] == "destination_unavailable"
    assert nothing_saved()


def test_a_destination_named_twice_is_refused(api, both) -> None:
    body = lead_body(both[0])
    body["destinations"].append({"destination": "getlead-website"})
    response = api.post("/leads", body)
    assert response.json()["error"]["errors"][0]["code"] == "duplicate_destination"
    assert nothing_saved()


def test_the_answer_is_json_even_for_unknown_paths_and_methods(api) -> None:
    assert api.get("/nowhere").json()["error"]["code"] == "not_found"
    response = api.client.put(
        "/api/v1/leads",
        data=json.dumps({}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_same_person_again_is_a_409_naming_the_earlier_lead_unless_allowed(api, both) -> None:
    first = api.post("/leads", lead_body(both[0]))
    assert first.status_code == 201, first.content
    earlier = first.json()["id"]
    again = api.post("/leads", lead_body(both[0]))
    assert again.status_code == 409, again.content
    error = again.json()["error"]
    assert error["code"] == "duplicate_lead"
    assert {e["destination"] for e in error["errors"]} == {"leadbyte-example", "getlead-website"}
    assert all(f"/api/v1/leads/{earlier}" in e["message"] for e in error["errors"])
    assert Lead.objects.count() == 1
    allowed = api.post("/leads", {**lead_body(both[0]), "allow_duplicate": True})
    assert allowed.status_code == 201, allowed.content
    assert Lead.objects.count() == 2


def test_consent_evidence_is_kept_with_the_lead_and_checked_as_the_form_checks_it(
    api, both
) -> None:
    consent = {
        "consent_date": "2026-11-30",
        "consent_url": "https://example.com/quote",
        "consent_wording": "I agree to be contacted about my quote.",
    }
    bad = api.post("/leads", {**lead_body(both[0]), **consent, "consent_date": "yesterday"})
    assert bad.status_code == 422, bad.content
    assert [e["field"] for e in bad.json()["error"]["errors"]] == ["consent_date"]
    assert nothing_saved()
    good = api.post("/leads", {**lead_body(both[0]), **consent})
    assert good.status_code == 201, good.content
    lead = Lead.objects.get()
    assert (str(lead.consent_date), lead.consent_url, lead.consent_wording) == (
        "2026-11-30",
        "https://example.com/quote",
        "I agree to be contacted about my quote.",
    )
