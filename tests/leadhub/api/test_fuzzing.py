"""Fuzzing POST /api/v1/leads with hypothesis: any body, any field, any value.

Every example must get a JSON answer with a 2xx or 4xx status, never a 500, and save a lead
only when it answers 201. The "ci" profile (CI=true) runs 2,000 examples per target
(tests/conftest.py); "dev" a quick pass.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from leadhub.attribution.models import DETAIL_FIELDS
from leadhub.models import Lead, Submission
from tests.factories import DestinationFactory

pytestmark = pytest.mark.django_db

OK = {200, 201, 400, 403, 409, 413, 415, 422}
FIELD_NAMES = ["data13", "gender", "dob", "email", "sid", "firstname", "zzz", ""]
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


@pytest.fixture
def world(campaign_destination, make_key, api_client, monkeypatch, settings):
    # Thousands of examples in a minute would meet the key's rate limit, tested on its own.
    settings.API_RATE_LIMIT = 0
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)
    outside = DestinationFactory(name="Outside", slug="outside")
    api = api_client(make_key(campaign_destination).token)
    return api, [campaign_destination.slug, outside.slug, "unknown", ""]


def destinations_strategy(slugs: list[str]):
    row = st.fixed_dictionaries(
        {"destination": st.sampled_from(slugs) | st.text(max_size=10) | json_scalars},
        optional={
            "fields": st.dictionaries(
                st.sampled_from(FIELD_NAMES) | st.text(max_size=6), json_values, max_size=5
            )
            | json_values,
            "extra": json_values,
        },
    )
    return st.lists(row, max_size=3) | json_values


def source_strategy():
    """Where the lead came from: the known parts with any value (NUL characters, addresses
    that are not), an unknown part, or anything at all."""
    parts = [*DETAIL_FIELDS, "ip_address", "user_agent", "utm_sauce"]
    ip_like = st.ip_addresses().map(str) | st.text(alphabet="0123456789.:abcdef", max_size=45)
    known = st.fixed_dictionaries(
        {}, optional={name: ip_like if name == "ip_address" else json_scalars for name in parts}
    )
    return known | json_values


def check(api, raw: str | bytes) -> None:
    before = Lead.objects.count(), Submission.objects.count()
    response = api.post(
        "/leads", raw=raw, **{"Idempotency-Key": "fuzz"} if len(raw) % 7 == 0 else {}
    )
    assert response.status_code in OK, (response.status_code, raw[:300], response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    if response.status_code >= 400:
        assert isinstance(answer["error"]["code"], str) and answer["error"]["message"]
    after = Lead.objects.count(), Submission.objects.count()
    if response.status_code == 201 and not response.get("Idempotent-Replayed"):
        assert after[0] == before[0] + 1 and after[1] > before[1]
    else:
        assert after == before


@given(data=st.data())
@example(data=None)
def test_any_lead_body_is_answered_in_json_without_a_500(world, data) -> None:
    api, slugs = world
    if data is None:  # the valid lead, so that the 201 path is always among the examples
        body = {
            "first_name": "Ada",
            "last_name": "L",
            "email": "a@example.com",
            "phone": "07911 123456",
            "destinations": [
                {
                    "destination": slugs[0],
                    "fields": {"data13": "Volvo", "gender": "F", "dob": "1990-12-31"},
                }
            ],
        }
    else:
        contact = st.fixed_dictionaries(
            {},
            optional={
                name: json_scalars
                for name in (
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "company",
                    "notes",
                    "other",
                )
            },
        )
        body = data.draw(contact)
        body["destinations"] = data.draw(destinations_strategy(slugs))
        if data.draw(st.booleans()):
            body["source"] = data.draw(source_strategy())
    check(api, json.dumps(body))


@given(raw=st.binary(max_size=200) | st.text(max_size=200))
@example(raw=b'{"first_name": "Ada", "destinations": [')
@example(raw=b"\xff\xfe{}")
@example(raw="null")
def test_any_bytes_are_answered_in_json_without_a_500(world, raw) -> None:
    api, _ = world
    check(api, raw)
