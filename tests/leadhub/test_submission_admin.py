"""The delivery admin: needs-attention panel, timeline, resend, edit-and-resend, filters."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import SandboxRecord
from tests.factories import LeadFactory, SubmissionFactory, UserFactory
from tests.leadhub.conftest import PushToLeadByte
from vendors.connection_state import connection_pause
from vendors.models import Destination, PauseReason

pytestmark = pytest.mark.django_db(transaction=True)

S = SubmissionStatus

PAYLOAD = {
    "campid": "EXAMPLE-CAMPAIGN",
    "sid": "1",
    "email": "dorothy@example.com",
    "firstname": "Dorothy",
    "lastname": "Vaughan",
    "data13": "Saab",
    "dob": "31/12/1990",
}


def test_the_admin_index_shows_what_needs_attention(
    admin_client, leadbyte_destination: Destination
) -> None:
    SubmissionFactory(destination=leadbyte_destination, status=S.EXHAUSTED)
    SubmissionFactory(destination=leadbyte_destination, status=S.UNCERTAIN)
    SubmissionFactory(destination=leadbyte_destination, status=S.UNCERTAIN)
    connection_pause(
        connection_id=leadbyte_destination.connection_id,
        reason=PauseReason.CREDENTIALS,
        message="LeadByte refused the API key.",
    )
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="needs-attention"' in page
    assert "Gave up after retries" in page
    assert '<td class="lh-needs-attention-count">2</td>' in page  # the two uncertain
    assert "Paused: the vendor refused the credentials since" in page
    assert "LeadByte refused the API key." in page
    assert "Leads and vendor integrations" in page  # the usual app list is still there


def test_the_alert_counts_only_what_the_reader_may_see(
    client, leadbyte_destination: Destination
) -> None:
    seller, other = UserFactory(username="seller"), UserFactory(username="other")
    seller.user_permissions.add(Permission.objects.get(codename="view_submission"))
    for owner in (seller, other, other):
        lead = LeadFactory(owner=owner)
        SubmissionFactory(destination=leadbyte_destination, lead=lead, status=S.EXHAUSTED)
    client.force_login(seller)
    page = client.get(reverse("admin:index")).content.decode()
    banner = page.split('id="needs-attention"')[1].split("</table>")[0]
    assert '<td class="lh-needs-attention-count">1</td>' in banner  # the list shows one


def test_no_alert_when_nothing_needs_attention(admin_client, db) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="needs-attention"' not in page
    assert 'id="lh-attention"' in page  # the dashboard's overview still counts it, at zero


def test_the_submission_page_shows_the_attempt_timeline_and_resends_in_one_click(
    admin_client, leadbyte_destination: Destination, push_to_leadbyte: PushToLeadByte
) -> None:
    sandbox_fault_set(leadbyte_destination.connection, "http_503", 1)
    submission = push_to_leadbyte(PAYLOAD)
    url = reverse("admin:leadhub_submission_change", args=[submission.pk])
    page = admin_client.get(url).content.decode()
    assert 'class="lh-timeline"' in page
    assert "Send #1" in page and "HTTP 503" in page
    assert "Next try" in page
    assert "Send again" not in page  # in flight: nothing to resend by hand

    submission.status = S.UNCERTAIN
    submission.save()
    page = admin_client.get(url).content.decode()
    assert reverse("admin:leadhub_submission_resend", args=[submission.pk]) in page
    response = admin_client.post(reverse("admin:leadhub_submission_resend", args=[submission.pk]))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert SandboxRecord.objects.filter(accepted=True).count() == 1


def test_a_rejected_submission_is_edited_as_the_vendors_fields_and_sent_again(
    admin_client, push_to_leadbyte: PushToLeadByte
) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "email": "dorothy-at-example"})
    assert submission.status == S.REJECTED
    url = reverse("admin:leadhub_submission_edit_resend", args=[submission.pk])
    page = admin_client.get(url).content.decode()
    assert "Email is not a valid email address" in page
    assert 'value="dorothy-at-example"' in page
    assert "Sent as email." in page
    assert "SID" not in page  # a fixed value: hidden from the form, kept in the payload

    form = admin_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    email_field = next(n for n, f in form.fields.items() if f.label == "Email")
    data[email_field] = "dorothy@example.com"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED
    assert submission.payload["email"] == "dorothy@example.com"
    assert submission.payload["sid"] == "1"
    assert submission.payload["dob"] == "31/12/1990"  # round-tripped in LeadByte's format


def test_an_edit_with_bad_input_is_shown_and_nothing_is_sent(
    admin_client, push_to_leadbyte: PushToLeadByte
) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "email": "nope"})
    url = reverse("admin:leadhub_submission_edit_resend", args=[submission.pk])
    form = admin_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    submission.refresh_from_db()
    assert submission.status == S.REJECTED
    assert SandboxRecord.objects.filter(accepted=True).count() == 0


def test_a_second_click_on_send_again_is_refused_with_a_message(
    admin_client, leadbyte_destination: Destination, push_to_leadbyte: PushToLeadByte
) -> None:
    submission = push_to_leadbyte({**PAYLOAD, "email": "nope"})
    resend = reverse("admin:leadhub_submission_resend", args=[submission.pk])
    Submission.objects.filter(pk=submission.pk).update(status=S.QUEUED)
    # The page was read while rejected; by the click, a first resend had queued it.
    response = admin_client.post(resend, follow=True)
    assert response.status_code == 200
    said = [str(m) for m in response.context["messages"]]
    assert said == ["A submission that is queued cannot be sent again."]
    submission.refresh_from_db()
    assert submission.status == S.QUEUED


def test_the_bulk_resend_queues_what_it_may_and_counts_the_rest(
    admin_client, leadbyte_destination: Destination
) -> None:
    rejected = SubmissionFactory(destination=leadbyte_destination, status=S.REJECTED)
    accepted = SubmissionFactory(destination=leadbyte_destination, status=S.ACCEPTED)
    response = admin_client.post(
        reverse("admin:leadhub_submission_changelist"),
        {"action": "resend", "_selected_action": [rejected.pk, accepted.pk]},
        follow=True,
    )
    said = [str(m) for m in response.context["messages"]]
    assert said[0] == "1 submission queued again."
    assert said[1].startswith("1 skipped: only rejected, exhausted or unanswered")
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED


def test_only_rejected_submissions_can_be_edited(admin_client, leadbyte_destination) -> None:
    submission = SubmissionFactory(destination=leadbyte_destination, status=S.ACCEPTED)
    url = reverse("admin:leadhub_submission_edit_resend", args=[submission.pk])
    response = admin_client.get(url)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        "attention=any",
        "attention=stuck",
        "attention=paused",
        "attention=late_rejection",
        "status__exact=exhausted",
        "connection__kind__exact=leadbyte",
        "created_at__gte=2020-01-01",
    ],
)
def test_the_list_filters_by_status_vendor_connection_and_date(
    admin_client, leadbyte_destination: Destination, query: str
) -> None:
    SubmissionFactory(destination=leadbyte_destination, status=S.EXHAUSTED)
    response = admin_client.get(f"{reverse('admin:leadhub_submission_changelist')}?{query}")
    assert response.status_code == 200  # an unknown filter would redirect with ?e=1
    assert response.context["cl"].queryset.model.__name__ == "Submission"
