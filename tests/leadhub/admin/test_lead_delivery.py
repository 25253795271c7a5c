"""The lead list's delivery column and filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadhub.models import Lead
from leadhub.statuses import SubmissionStatus
from tests.factories import LeadFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

S = SubmissionStatus
LEADS = reverse("admin:leadhub_lead_changelist")


@pytest.fixture
def leads() -> dict[str, int]:
    """A lead per story: taken everywhere, refused once, on its way, never sent."""
    made = {}
    for name, statuses in {
        "Delivered": [S.ACCEPTED, S.DUPLICATE],
        "Refused": [S.ACCEPTED, S.REJECTED],
        "Sending": [S.QUEUED, S.RETRY_WAIT],
        "Unsure": [S.UNCERTAIN],
        "Unsent": [],
    }.items():
        lead = LeadFactory(last_name=name)
        for status in statuses:
            SubmissionFactory(lead=lead, status=status)
        made[name] = lead.pk
    # A follow-up (no destination) is not a delivery: it changes nothing on the list.
    follow_up = SubmissionFactory(lead=Lead.objects.get(pk=made["Delivered"]), status=S.REJECTED)
    type(follow_up).objects.filter(pk=follow_up.pk).update(destination=None)
    return made


def test_each_lead_shows_where_its_submissions_stand(admin_client, leads) -> None:
    page = admin_client.get(LEADS).content.decode()
    rows = {name: page.split(f"{name}</a>")[1].split("</tr>")[0] for name in leads}
    assert "2 delivered" in rows["Delivered"] and "rejected" not in rows["Delivered"]
    assert rows["Refused"].index("1 rejected") < rows["Refused"].index("1 delivered")
    assert "2 in progress" in rows["Sending"]
    assert "1 needs attention" in rows["Unsure"]
    assert "not sent" in rows["Unsent"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("attention", {"Unsure"}),
        ("rejected", {"Refused"}),
        ("pending", {"Sending"}),
        ("delivered", {"Delivered"}),
        ("none", {"Unsent"}),
    ],
)
def test_the_list_filters_by_delivery(admin_client, leads, value: str, expected: set) -> None:
    response = admin_client.get(LEADS, {"delivery": value})
    assert {lead.last_name for lead in response.context["cl"].result_list} == expected
