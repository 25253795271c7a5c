"""Rows rendered from a plan are Django's rows, cell for cell, on every admin list."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.contrib.admin.utils import display_for_value
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from leadhub.admin import result_rows
from leadhub.admin.result_rows import cells, shown_datetime
from leadhub.models import Lead, Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    SubmissionFactory,
    UserFactory,
)
from vendors.models import Connection, Destination

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_rows(admin_user) -> None:
    """Rows that take every branch: markup in text, blanks, missing links, dates, choices."""
    owner = UserFactory(username="<b>owner</b>")
    marked = LeadFactory(
        first_name="<script>alert(1)</script>", last_name="O'Brien & Co", owner=owner
    )
    blank = LeadFactory(first_name=" ", last_name="", email="", company="   ", owner=None)
    paused = ConnectionFactory(
        name="Paused <i>one</i>", kind="getlead", paused_at=timezone.now(), is_active=False
    )
    destination = DestinationFactory(name="Cars & vans", connection=paused)
    SubmissionFactory(
        lead=marked,
        destination=destination,
        status=SubmissionStatus.RETRY_WAIT,
        vendor_reference="Q-1 <x>",
        vendor_outcome="Invalid",
        attempt_count=3,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        created_by=admin_user,
    )
    SubmissionFactory(
        lead=blank,
        destination=None,
        connection=paused,
        operation="lead",
        campaign=None,
        status=SubmissionStatus.ACCEPTED,
    )
    SubmissionFactory(lead=blank, status=SubmissionStatus.REJECTED, vendor_reference="  ")


def assert_same_rows(response) -> None:
    cl = response.context["cl"]
    assert cl.result_list, "nothing to compare: the list is empty"
    assert result_rows.row_plan(cl) is not None, "the plan fell back to Django"
    assert planned_rows(cl) == djangos_rows(cl)
    # Safe as Django's are, or the page would show the markup as text.
    assert all(isinstance(row, SafeString) for [row] in cells(cl))


def djangos_rows(cl) -> list[str]:
    return ["".join(items_for_result(cl, result, None)) for result in cl.result_list]


def planned_rows(cl) -> list[str]:
    rows = list(cells(cl))
    assert all(len(row) == 1 for row in rows)  # one item: the row's cells, joined
    return [row[0] for row in rows]


# A filtered and searched list, so that links carry the list's query string back.
FILTERED = {
    Submission: "status__exact=retry_wait&q=Brien",
    Lead: "q=Brien",
    Connection: "kind__exact=getlead",
    Destination: "q=Cars",
}


@pytest.mark.parametrize("model", list(FILTERED), ids=lambda model: model.__name__)
@pytest.mark.parametrize("view", ["plain", "sorted", "filtered"])
def test_planned_rows_are_djangos_rows(admin_client, varied_rows, model, view: str) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = {"plain": "", "sorted": "o=-2", "filtered": FILTERED[model]}[view]
    response = admin_client.get(f"{url}?{query}")
    assert response.status_code == 200
    assert "e=1" not in response.get("Location", "")
    assert_same_rows(response)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_numbers_follow_the_thousand_separator_setting(admin_client, varied_rows) -> None:
    Submission.objects.update(attempt_count=12345)
    response = admin_client.get(reverse("admin:leadhub_submission_changelist"))
    assert_same_rows(response)
    assert "12,345" in response.content.decode()


def test_the_list_page_shows_the_planned_rows(admin_client, varied_rows) -> None:
    page = admin_client.get(reverse("admin:leadhub_submission_changelist"), {"o": "1"})
    html = page.content.decode()
    submission = Submission.objects.filter(lead__first_name__startswith="<script>").get()
    change = reverse("admin:leadhub_submission_change", args=[submission.pk])
    # The link keeps the list's filters, the lead's name is escaped, never run.
    assert f'<th class="field-lead nowrap"><a href="{change}?_changelist_filters=o%3D1">' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_a_popup_list_keeps_djangos_renderer(admin_client, varied_rows) -> None:
    url = reverse("admin:leadhub_lead_changelist")
    response = admin_client.get(url, {"_popup": "1", "_to_field": "id"})
    assert response.status_code == 200
    assert result_rows.row_plan(response.context["cl"]) is None


def test_every_registered_list_renders_with_the_plan_or_falls_back(
    admin_client, varied_rows
) -> None:
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, url
        cl = response.context["cl"]
        assert planned_rows(cl) == djangos_rows(cl), model_admin


@pytest.mark.parametrize("zone", ["Europe/London", "Asia/Kolkata", "America/St_Johns"])
def test_a_date_and_time_is_shown_as_django_shows_it_in_any_zone(zone: str) -> None:
    moments = [
        datetime.datetime(2026, 3, 29, 0, 59, 59, 999, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 29, 1, 0, 1, tzinfo=datetime.UTC),
        datetime.datetime(2026, 10, 25, 1, 30, 30, tzinfo=datetime.UTC),
        datetime.datetime(1890, 1, 1, 12, 0, 45, tzinfo=datetime.UTC),
    ]
    with timezone.override(zone):
        for moment in moments:
            assert shown_datetime(moment) == display_for_value(moment, "-")
            assert shown_datetime(moment) == shown_datetime(moment + datetime.timedelta(0))
