"""Every staff page reads in a number of queries that does not grow with the rows it shows:
an N+1 (a query per lead, per submission, per attempt) fails here, for a seller and for an
integration admin, by comparing each page's queries at 1 row and at 20."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadhub.models import Attempt, Lead
from leadhub.statuses import SubmissionStatus
from tests.factories import LeadFactory, SubmissionFactory, UserFactory
from vendors.models import Destination

pytestmark = pytest.mark.django_db

S = SubmissionStatus
STATUSES = [S.ACCEPTED, S.REJECTED, S.QUEUED, S.EXHAUSTED, S.RETRY_WAIT, S.DUPLICATE]
ROLES = ("Sales staff", "Integration admins")


def rows_add(owner, destination: Destination, busy: Lead, count: int) -> None:
    """``count`` more leads of ``owner``, each with a submission and an attempt, and as
    many more submissions (with attempts) on the one lead whose page is read."""
    for n in range(count):
        status = STATUSES[n % len(STATUSES)]
        for lead in (LeadFactory(owner=owner), busy):
            submission = SubmissionFactory(
                lead=lead, destination=destination, status=status, vendor_message="Said so"
            )
            Attempt.objects.create(
                submission=submission, number=1, status_code=200, outcome="accepted"
            )


def pages(destination: Destination, busy: Lead) -> dict[str, str]:
    add = reverse("admin:leadhub_lead_add")
    leads = reverse("admin:leadhub_lead_changelist")
    submissions = reverse("admin:leadhub_submission_changelist")
    return {
        "dashboard": reverse("admin:index"),
        "add": add,
        "form": f"{add}?{urlencode({'destinations': destination.pk, 'chosen': '1'})}",
        "lead": reverse("admin:leadhub_lead_change", args=[busy.pk]),
        "status": reverse("admin:leadhub_lead_status", args=[busy.pk]),
        "lead list": leads,
        "search": f"{leads}?{urlencode({'q': 'Lovelace'})}",
        "submissions": submissions,
        "failed submissions": f"{submissions}?status__exact={S.REJECTED}",
        "lead export": reverse("admin:leadhub_lead_export"),
        "submission export": reverse("admin:leadhub_submission_export"),
    }


def queries(client: Client, urls: dict[str, str]) -> dict[str, int]:
    counted = {}
    for name, url in urls.items():
        client.get(url)  # warm: the menu, the content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        if response.status_code == 403:
            continue  # not this role's page (integration admins enter no leads)
        assert response.status_code == 200, (name, response.status_code)
        counted[name] = len(captured)
    return counted


@pytest.mark.parametrize("role", ROLES)
def test_no_staff_page_reads_more_queries_for_more_rows(role: str, campaign_destination) -> None:
    user = UserFactory(username=role.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    # The seller's own leads; an integration admin sees them all.
    owner = user if role == "Sales staff" else UserFactory(username="a-seller")
    busy = LeadFactory(owner=owner)
    urls = pages(campaign_destination, busy)
    rows_add(owner, campaign_destination, busy, 1)
    few = queries(client, urls)
    rows_add(owner, campaign_destination, busy, 19)
    many = queries(client, urls)
    assert many == few
    expected = {"dashboard", "lead", "status", "search", "submissions", "lead export"}
    assert expected <= set(few)
    if role == "Sales staff":
        assert {"add", "form"} <= set(few)
