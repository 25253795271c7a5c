"""Reading leads and submissions over the API, page by page, and sending one again."""

from __future__ import annotations

import pytest

from leadhub.models import Attempt
from leadhub.statuses import SubmissionStatus
from tests.factories import DestinationFactory, LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db
S = SubmissionStatus


@pytest.fixture
def destination(campaign_destination):
    return campaign_destination


@pytest.fixture
def api(make_key, api_client, destination):
    return api_client(make_key(destination).token)


def test_a_submission_with_its_attempts_redacted(api, destination) -> None:
    submission = SubmissionFactory(
        destination=destination,
        status=S.REJECTED,
        vendor_reference="REF-1",
        vendor_message="Invalid postcode",
        links={"lead": "https://vendor.example/lead/1"},
    )
    Attempt.objects.create(
        submission=submission,
        number=1,
        request={"method": "POST", "url": "https://vendor.example/leads?key=••••••"},
        status_code=400,
        response_body="secret-looking body",
        outcome="rejected",
        message="Invalid postcode",
    )
    answer = api.get(f"/submissions/{submission.pk}").json()
    assert answer["status"] == "rejected" and answer["vendor_reference"] == "REF-1"
    assert answer["links"] == {"lead": "https://vendor.example/lead/1"}
    assert answer["destination"] == destination.slug
    (attempt,) = answer["attempts"]
    assert attempt["url"].endswith("key=••••••") and attempt["status_code"] == 400
    assert "response_body" not in attempt and "secret-looking" not in str(answer)


def test_a_lead_and_what_the_key_may_not_see(api, destination, api_owner) -> None:
    mine = SubmissionFactory(destination=destination, lead=LeadFactory(owner=api_owner))
    elsewhere = SubmissionFactory(destination=DestinationFactory(name="Elsewhere"))
    answer = api.get(f"/leads/{mine.lead_id}").json()
    assert answer["id"] == mine.lead_id
    assert [s["id"] for s in answer["submissions"]] == [mine.pk]
    for url in (f"/leads/{elsewhere.lead_id}", f"/submissions/{elsewhere.pk}", "/leads/999999"):
        response = api.get(url)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_an_owner_without_view_all_sees_only_their_leads(make_key, api_client, destination):
    seller = UserFactory(username="seller")
    api = api_client(make_key(destination, owner=seller).token)
    own = SubmissionFactory(destination=destination, lead=LeadFactory(owner=seller))
    other = SubmissionFactory(destination=destination, lead=LeadFactory(owner=None))
    assert api.get(f"/leads/{own.lead_id}").status_code == 200
    assert api.get(f"/leads/{other.lead_id}").status_code == 404


def test_lists_page_by_cursor_newest_first(api, destination) -> None:
    ids = [SubmissionFactory(destination=destination).pk for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = api.get(f"/submissions?limit=2{f'&cursor={cursor}' if cursor else ''}").json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    leads = api.get("/leads?limit=3").json()
    assert len(leads["items"]) == 3 and leads["next_cursor"]
    bad = api.get("/leads?cursor=!!nonsense")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_cursor")


def test_resend_where_the_admin_would_allow_it(api, destination, monkeypatch) -> None:
    # Queued again, not sent here: the push is the worker's (tested in delivery/).
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)
    rejected = SubmissionFactory(destination=destination, status=S.REJECTED)
    accepted = SubmissionFactory(destination=destination, status=S.ACCEPTED)
    response = api.post(f"/submissions/{rejected.pk}/resend")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "queued"
    refused = api.post(f"/submissions/{accepted.pk}/resend")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_resendable")
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED


def test_resend_needs_an_owner_who_may_send_again(make_key, api_client, destination) -> None:
    viewer = UserFactory(username="viewer")
    api = api_client(make_key(destination, owner=viewer).token)
    rejected = SubmissionFactory(destination=destination, status=S.REJECTED, lead__owner=viewer)
    response = api.post(f"/submissions/{rejected.pk}/resend")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_permitted")
