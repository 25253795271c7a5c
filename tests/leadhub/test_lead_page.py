"""The lead's page: destinations with live status, vendor messages, links and attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadhub.models import Attempt, Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    AttemptFactory,
    DestinationFactory,
    LeadFactory,
    PausedConnectionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = SubmissionStatus


def status_url(lead) -> str:
    return reverse("admin:leadhub_lead_status", args=[lead.pk])


@pytest.fixture
def lead_with_work():
    lead = LeadFactory(first_name="Grace", last_name="Hopper")
    accepted = SubmissionFactory(
        lead=lead,
        destination__name="Solar partner",
        status=S.ACCEPTED,
        vendor_reference="Q-123",
        vendor_message="LeadByte queued the lead (Queued).",
        links={"customer_view": "https://vendor.example/view/1", "bad": "javascript:alert(1)"},
    )
    Attempt.objects.create(
        submission=accepted, number=1, status_code=503, outcome="transient", message="Down"
    )
    Attempt.objects.create(
        submission=accepted, number=2, status_code=200, outcome="accepted", message="Queued"
    )
    queued = SubmissionFactory(lead=lead, destination__name="Roof partner", status=S.QUEUED)
    return lead, accepted, queued


def test_the_status_endpoint_says_what_is_pending(admin_client, lead_with_work) -> None:
    lead, accepted, queued = lead_with_work
    data = admin_client.get(status_url(lead)).json()
    assert data["pending"] is True
    by_id = {s["id"]: s for s in data["submissions"]}
    assert by_id[accepted.pk]["status"] == "accepted"
    assert by_id[accepted.pk]["status_label"] == "Accepted"
    assert by_id[accepted.pk]["vendor_reference"] == "Q-123"
    assert [a["status_code"] for a in by_id[accepted.pk]["attempts"]] == [503, 200]
    assert by_id[queued.pk]["pending"] is True
    assert f'id="submission-{queued.pk}"' in data["html"]

    Submission.objects.filter(pk=queued.pk).update(status=S.REJECTED, vendor_message="No cap")
    data = admin_client.get(status_url(lead)).json()
    assert data["pending"] is False
    assert "No cap" in data["html"]


def test_the_lead_page_shows_each_destination_with_its_story(admin_client, lead_with_work) -> None:
    lead, *_ = lead_with_work
    response = admin_client.get(reverse("admin:leadhub_lead_change", args=[lead.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-status-url="{status_url(lead)}"' in page
    assert 'data-pending="1"' in page
    assert "leadhub/live_panel.js" in page
    assert "Solar partner" in page and "Roof partner" in page
    assert "LeadByte queued the lead (Queued)." in page
    assert "The vendor took the lead." in page
    assert 'href="https://vendor.example/view/1"' in page and "Customer view" in page
    assert "javascript:" not in page
    assert "Down" in page and ">503<" in page
    assert "Waiting to be sent" in page


def test_nothing_pending_means_no_polling(admin_client) -> None:
    submission = SubmissionFactory(status=S.DUPLICATE)
    page = admin_client.get(
        reverse("admin:leadhub_lead_change", args=[submission.lead.pk])
    ).content.decode()
    assert 'data-pending="0"' in page


def test_a_duplicate_says_whether_it_was_leadhubs_own_earlier_send(admin_client) -> None:
    theirs = SubmissionFactory(status=S.DUPLICATE)
    AttemptFactory(submission=theirs, kind="send", condition="duplicate", outcome="duplicate")
    own = SubmissionFactory(status=S.DUPLICATE)
    AttemptFactory(submission=own, kind="send", condition="no_answer", outcome="transient")
    AttemptFactory(submission=own, kind="send", condition="duplicate", outcome="duplicate")
    lost = SubmissionFactory(status=S.DUPLICATE)
    AttemptFactory(submission=lost, kind="lost", status_code=None)
    pages = {
        name: admin_client.get(
            reverse("admin:leadhub_lead_change", args=[submission.lead.pk])
        ).content.decode()
        for name, submission in (("theirs", theirs), ("own", own), ("lost", lost))
    }
    assert "sent before, by another lead or supplier" in pages["theirs"]
    assert "LeadHub&#x27;s own earlier send" not in pages["theirs"]
    for name in ("own", "lost"):
        assert "LeadHub&#x27;s own earlier send reached the vendor" in pages[name], name
        assert "another lead or supplier" not in pages[name]
    # The submission's own page says the same, read from its attempts.
    own_page = admin_client.get(
        reverse("admin:leadhub_submission_change", args=[own.pk])
    ).content.decode()
    assert "LeadHub&#x27;s own earlier send reached the vendor" in own_page


def test_the_status_endpoint_needs_permission_to_see_the_lead(client, lead_with_work) -> None:
    lead, *_ = lead_with_work
    user = UserFactory(username="outsider")
    client.force_login(user)
    assert client.get(status_url(lead)).status_code in (403, 404)  # refused either way
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(user)
    assert client.get(status_url(lead)).status_code == 404  # someone else's lead: not theirs
    user.user_permissions.add(Permission.objects.get(codename="view_all_leads"))
    client.force_login(user)
    assert client.get(status_url(lead)).status_code == 200


def test_an_unknown_lead_is_a_404_not_a_500(admin_client) -> None:
    response = admin_client.get(reverse("admin:leadhub_lead_status", args=[987654]))
    assert response.status_code == 404
    assert response.json()["error"]


def test_the_lead_page_reads_in_a_few_queries(
    admin_client, lead_with_work, django_assert_max_num_queries
) -> None:
    lead, *_ = lead_with_work
    # session, user, lead, submissions with their destinations, attempts
    with django_assert_max_num_queries(5):
        admin_client.get(status_url(lead))


def explanation(admin_client, submission: Submission) -> str:
    page = admin_client.get(reverse("admin:leadhub_lead_change", args=[submission.lead.pk]))
    html = page.content.decode()
    return html.split('<p class="lh-explanation">', 1)[1].split("</p>", 1)[0]


def test_a_submission_held_by_a_paused_connection_says_so(admin_client) -> None:
    paused = PausedConnectionFactory(name="LeadByte UK")
    overdue = timezone.now() - timedelta(hours=3)
    held = SubmissionFactory(
        destination=DestinationFactory(connection=paused),
        status=S.RETRY_WAIT,
        next_attempt_at=overdue,
    )
    assert explanation(admin_client, held) == (
        "Held: the connection LeadByte UK is paused; it will be sent when the connection resumes."
    )
    queued = SubmissionFactory(destination=DestinationFactory(connection=paused))
    assert explanation(admin_client, queued).startswith("Held: the connection LeadByte UK")


def test_a_retry_reads_as_one_sentence_and_never_as_a_past_time(admin_client) -> None:
    later = SubmissionFactory(
        status=S.RETRY_WAIT, next_attempt_at=timezone.now() + timedelta(minutes=10)
    )
    text = explanation(admin_client, later)
    assert "Next try " in text and text.endswith(".") and not text.endswith("..")
    assert text.startswith("The vendor could not take it just now")

    overdue = SubmissionFactory(
        status=S.RETRY_WAIT, next_attempt_at=timezone.now() - timedelta(minutes=10)
    )
    text = explanation(admin_client, overdue)
    assert text.endswith("The next try is due now.") and "Next try " not in text


def test_the_status_poll_answers_304_in_one_query_while_nothing_changed(
    admin_client, lead_with_work, django_assert_max_num_queries
) -> None:
    lead, *_ = lead_with_work
    first = admin_client.get(status_url(lead))
    etag = first["ETag"]
    # the session, the user, the rights and the panel's version all in one query: no lead,
    # no submissions, no rendering (leadhub/status_poll.py)
    with django_assert_max_num_queries(1):
        again = admin_client.get(status_url(lead), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert not again.content


def test_the_status_poll_answers_in_full_once_the_panel_changed(
    admin_client, lead_with_work
) -> None:
    lead, _, queued = lead_with_work
    etag = admin_client.get(status_url(lead))["ETag"]
    queued.status = S.ACCEPTED
    queued.save()
    changed = admin_client.get(status_url(lead), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["pending"] is False
    etag = changed["ETag"]
    Attempt.objects.create(submission=queued, number=1, status_code=200, outcome="accepted")
    assert admin_client.get(status_url(lead), headers={"If-None-Match": etag}).status_code == 200


def test_the_status_poll_never_answers_304_for_a_lead_the_user_may_not_see(
    client, lead_with_work
) -> None:
    lead, *_ = lead_with_work
    seller = UserFactory(username="another-seller", is_staff=True)
    seller.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(seller)
    # Any version at all, even one guessed right, is no way around the lead's owner.
    response = client.get(status_url(lead), headers={"If-None-Match": "*"})
    assert response.status_code == 404


def test_polling_does_not_write_the_session(admin_client, lead_with_work) -> None:
    lead, *_ = lead_with_work
    etag = admin_client.get(status_url(lead))["ETag"]
    with CaptureQueriesContext(connection) as captured:
        admin_client.get(status_url(lead))
        admin_client.get(status_url(lead), headers={"If-None-Match": etag})
    writes = [
        q["sql"] for q in captured if "django_session" in q["sql"] and "SELECT" not in q["sql"]
    ]
    assert writes == []
