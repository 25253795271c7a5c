"""The LeadByte sandbox's lead search, over HTTP on loopback."""

from __future__ import annotations

import re

import pytest
import requests

from sandbox.seed import EXAMPLE_CAMPAIGN
from tests.conftest import LEADBYTE_KEY

# A vendor's API over real HTTP: the database holds only the sandbox's side, so one
# engine is enough (CI: SQLite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_agnostic]

LEAD = {
    "campid": "EXAMPLE-CAMPAIGN",
    "sid": "1",
    "email": "Grace@Example.com",
    "phone1": "07911 123456",
    "firstname": "Grace",
    "lastname": "Hopper",
    "data13": "Saab",
}


def test_the_search_finds_a_taken_lead_by_email_or_phone_within_its_campaign(
    sandbox: str,
) -> None:
    base = f"{sandbox}leadbyte/restapi/v1.2"
    taken = requests.post(f"{base}/leads", json={"key": LEADBYTE_KEY, "lead": LEAD}, timeout=5)
    queue_id = taken.json()["results"][0]["queueId"]
    searches = [
        {"campaignId": int(EXAMPLE_CAMPAIGN["id"]), "email": "grace@example.com"},
        {"campaignId": int(EXAMPLE_CAMPAIGN["id"]), "phone": "+44 7911 123456"},
        {"campaignId": int(EXAMPLE_CAMPAIGN["id"]), "email": "someone@example.com"},
        {"campaignId": 99999, "email": "grace@example.com"},
    ]
    answer = requests.post(
        f"{base}/leads/search", json={"key": LEADBYTE_KEY, "searches": searches}, timeout=5
    ).json()
    assert answer["status"] == "Success" and answer["totalMatches"] == 2
    assert [s["matches"] for s in answer["searches"]] == [1, 1, 0, 0]
    found = answer["searches"][0]["results"][0]
    # The shape of LeadByte's article, its queue_ref the queueId the lead was queued under.
    assert found["queue_ref"] == queue_id and isinstance(found["leadId"], int)
    assert found["campaignId"] == int(EXAMPLE_CAMPAIGN["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", found["received"])
    assert found["email"] == LEAD["email"] and found["sub_supplier_id"] == "0"


def test_the_search_refuses_a_wrong_key_and_a_shapeless_body(sandbox: str) -> None:
    url = f"{sandbox}leadbyte/restapi/v1.2/leads/search"
    refused = requests.post(url, json={"key": "wrong", "searches": []}, timeout=5)
    assert refused.status_code == 401 and refused.json()["code"] == -7
    shapeless = requests.post(url, json={"key": LEADBYTE_KEY, "searches": "all"}, timeout=5)
    assert shapeless.json()["code"] == -5
    assert requests.get(url, params={"key": LEADBYTE_KEY}, timeout=5).status_code == 405
