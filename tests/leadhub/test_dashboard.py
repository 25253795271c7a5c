"""The admin index dashboard: counts per vendor and status, the chart, what needs a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leadhub.attribution.models import SourceKind
from leadhub.dashboard import CHART_DAYS, dashboard_context
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadSourceFactory,
    PausedConnectionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = SubmissionStatus
# A Wednesday: Monday is two days back, so "this week" and "today" differ.
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def make(destination, status: str, when: datetime, **fields) -> Submission:
    return SubmissionFactory(destination=destination, status=status, created_at=when, **fields)


@pytest.fixture
def leadbyte():
    return DestinationFactory(name="LB dest", connection=ConnectionFactory(kind="leadbyte"))


@pytest.fixture
def getlead():
    return DestinationFactory(
        name="GL dest", connection=ConnectionFactory(kind="getlead"), operation="lead"
    )


def test_counts_per_vendor_for_today_and_this_week(leadbyte, getlead) -> None:
    make(leadbyte, S.ACCEPTED, NOW - timedelta(hours=1))
    make(leadbyte, S.ACCEPTED, NOW - timedelta(hours=2))
    make(leadbyte, S.REJECTED, NOW - timedelta(days=1))  # Tuesday: week, not today
    make(leadbyte, S.UNCERTAIN, NOW - timedelta(days=2, hours=14))  # Monday 01:00
    make(leadbyte, S.ACCEPTED, NOW - timedelta(days=3))  # Sunday: last week
    make(getlead, S.QUEUED, NOW - timedelta(minutes=5))
    make(getlead, S.EXHAUSTED, NOW - timedelta(minutes=50))

    context = dashboard_context(now=NOW)

    today = {row.label: row.counts for row in context["today"]}
    assert today["LeadByte"]["accepted"] == 2
    assert today["LeadByte"]["rejected"] == 0
    assert today["Getlead"]["pending"] == 1
    assert today["Getlead"]["failed"] == 1
    week = {row.label: row.counts for row in context["week"]}
    assert week["LeadByte"] == {
        "accepted": 2,
        "quarantined": 0,
        "duplicate": 0,
        "rejected": 1,
        "failed": 1,
        "pending": 0,
    }
    assert context["week_total"].total == 6
    assert context["today_total"].total == 4


def test_the_chart_has_one_bar_stack_per_day_and_no_inline_style(leadbyte) -> None:
    make(leadbyte, S.ACCEPTED, NOW - timedelta(hours=1))
    make(leadbyte, S.REJECTED, NOW - timedelta(hours=1))
    make(leadbyte, S.ACCEPTED, NOW - timedelta(days=5))
    make(leadbyte, S.ACCEPTED, NOW - timedelta(days=CHART_DAYS + 2))  # outside the chart

    context = dashboard_context(now=NOW)

    days = context["days"]
    assert len(days) == CHART_DAYS
    assert days[-1].day == NOW.date()
    assert days[-1].counts["accepted"] == 1 and days[-1].counts["rejected"] == 1
    assert days[-6].counts["accepted"] == 1
    assert sum(d.total for d in days) == 3
    svg = str(context["chart"])
    assert svg.startswith("<svg") and "3 in all" in svg
    assert svg.count('<rect class="lh-outcome-accepted"') == 2
    assert svg.count('<rect class="lh-outcome-rejected"') == 1
    assert "Wed 18 Nov: 1 rejected" in svg
    assert "style=" not in svg and "<script" not in svg


def test_work_that_needs_attention(leadbyte) -> None:
    make(leadbyte, S.EXHAUSTED, NOW - timedelta(days=1))
    make(leadbyte, S.UNCERTAIN, NOW - timedelta(days=2))
    make(leadbyte, S.UNCERTAIN, NOW - timedelta(days=45))  # older than the window
    make(leadbyte, S.QUEUED, NOW - timedelta(hours=1), enqueued_at=NOW - timedelta(hours=1))
    make(leadbyte, S.QUEUED, NOW - timedelta(hours=1), enqueued_at=NOW - timedelta(seconds=5))
    make(leadbyte, S.SENDING, NOW - timedelta(hours=1), sent_at=NOW - timedelta(hours=1))
    make(leadbyte, S.SENDING, NOW, sent_at=NOW - timedelta(seconds=3))  # in flight

    items = {i.key: i for i in dashboard_context(now=NOW)["attention"]}

    assert items["exhausted"].count == 1
    assert items["uncertain"].count == 1
    assert items["stuck_queued"].count == 1
    assert items["stuck_sending"].count == 1
    assert items["stuck_retry_wait"].count == 0
    assert items["exhausted"].url.endswith("?status__exact=exhausted")
    assert items["stuck_queued"].url.endswith("?attention=stuck&status__exact=queued")


def test_latest_rejections_with_their_reasons(leadbyte) -> None:
    make(leadbyte, S.REJECTED, NOW - timedelta(days=2), vendor_message="Cap reached")
    make(leadbyte, S.REJECTED, NOW - timedelta(hours=2), vendor_message="Bad postcode")
    make(leadbyte, S.ACCEPTED, NOW - timedelta(hours=1))

    rejections = dashboard_context(now=NOW)["rejections"]

    assert [r.vendor_message for r in rejections] == ["Bad postcode", "Cap reached"]


def test_failing_and_switched_off_connections(leadbyte) -> None:
    day = timedelta(days=1)
    healthy = ConnectionFactory(
        name="Fine", last_success_at=NOW, last_error="old", last_error_at=NOW - day
    )
    erring = ConnectionFactory(
        name="Erring", last_success_at=NOW - day, last_error="HTTP 503", last_error_at=NOW
    )
    off = ConnectionFactory(name="Off", is_active=False)
    failed_test = ConnectionFactory(
        name="Tested", last_check_ok=False, last_check_message="Refused the key", last_check_at=NOW
    )

    problems = {p.connection.name: p.problem for p in dashboard_context(now=NOW)["connections"]}

    assert healthy.name not in problems
    assert problems[erring.name] == "Last error: HTTP 503"
    assert problems[off.name].startswith("Switched off")
    assert problems[failed_test.name] == "Last test failed: Refused the key"


def test_the_dashboard_reads_in_eight_queries_whatever_the_data(
    leadbyte, getlead, django_assert_max_num_queries
) -> None:
    for i in range(30):
        submission = make(leadbyte if i % 2 else getlead, S.REJECTED, NOW - timedelta(hours=i))
        if i % 3:  # sources of every kind, each naming its key, import or user
            LeadSourceFactory(
                lead=submission.lead,
                kind=[SourceKind.STAFF, SourceKind.IMPORT][i % 2],
                user=UserFactory(username=f"seller{i % 4}"),
            )
    # Five for the submissions and connections, one for webhook endpoints turned off, and
    # one per table for the report by source and destination.
    with django_assert_max_num_queries(8):
        context = dashboard_context(now=NOW)
        [r.lead.full_name for r in context["rejections"]]  # already loaded
        [(r.label, r.detail, r.top_reasons) for t in context["sources"].tables for r in t[1]]


def test_the_admin_index_shows_the_dashboard(admin_client, leadbyte) -> None:
    make(leadbyte, S.REJECTED, datetime.now(UTC), vendor_message="Cap reached")
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="lh-dashboard"' in page
    assert "Cap reached" in page
    assert '<svg class="lh-chart"' in page
    assert "leadhub/pages.css" in page
    assert "style=" not in page.split('id="lh-dashboard"')[1]


def test_sales_staff_see_their_own_numbers_and_no_connections(client, leadbyte) -> None:
    seller = UserFactory(username="seller")
    seller.user_permissions.add(Permission.objects.get(codename="view_submission"))
    other = UserFactory(username="other")
    for owner, message in ((seller, "Mine"), (other, "Theirs")):
        make(leadbyte, S.REJECTED, datetime.now(UTC), lead__owner=owner, vendor_message=message)
    client.force_login(seller)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert 'id="lh-connections"' not in page


def test_no_dashboard_without_permission_to_see_submissions(client) -> None:
    client.force_login(UserFactory(username="nobody"))
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="lh-dashboard"' not in page


def test_a_paused_connection_is_one_alert_with_the_leads_it_holds(admin_client) -> None:
    """Its waiting leads are neither stuck nor overdue, and the failing-connections table
    does not repeat it: the banner says it once, with how many leads wait for it."""
    paused = DestinationFactory(connection=PausedConnectionFactory(name="LeadByte UK"))
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    make(paused, S.QUEUED, long_ago, enqueued_at=long_ago)
    make(paused, S.RETRY_WAIT, long_ago, next_attempt_at=long_ago)
    page = admin_client.get(reverse("admin:index")).content.decode()

    banner = page.split('id="needs-attention"')[1].split("</table>")[0]
    assert banner.count("<tr") == 1
    assert "LeadByte UK" in banner and "2 leads wait for it and go when it resumes." in banner
    assert "?attention=paused&amp;connection__id__exact=" in banner
    tiles = page.split('id="lh-attention"')[1].split('id="lh-today"')[0]
    assert "lh-hot" not in tiles  # not "Stuck in the queue", not "Retries overdue"
    connections = page.split('id="lh-connections"')[1].split("</div>")[0]
    assert "LeadByte UK" not in connections
