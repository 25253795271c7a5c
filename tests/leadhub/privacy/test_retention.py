"""The retention prune: bodies, accepted payloads and old leads go; rows, statuses, times
and every count the dashboard shows stay. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from leadhub.dashboard import dashboard_context
from leadhub.models import Attempt, Lead, Submission
from leadhub.privacy.models import RetentionRun
from leadhub.privacy.retention import retention_prune
from leadhub.statuses import SubmissionStatus
from tests.factories import (
    AttemptFactory,
    CampaignSyncFactory,
    ConnectionFactory,
    LeadFactory,
    SubmissionFactory,
)
from vendors.models import CampaignSync

pytestmark = pytest.mark.django_db
S = SubmissionStatus
DAY = timedelta(days=1)


@pytest.fixture
def history():
    now = timezone.now()
    old = now - 800 * DAY
    recent = now - 5 * DAY
    rows = {}
    rows["old_lead"] = LeadFactory(first_name="Evangeline", created_at=old)
    rows["old_accepted"] = SubmissionFactory(
        lead=rows["old_lead"], status=S.ACCEPTED, created_at=old, payload={"email": "e@x.org"}
    )
    rows["old_attempt"] = AttemptFactory(
        submission=rows["old_accepted"],
        started_at=old,
        request={"method": "POST", "body": {"email": "e@x.org"}},
        response_body='{"ok": true}',
    )
    rows["mid_lead"] = LeadFactory(created_at=now - 100 * DAY)
    rows["mid_rejected"] = SubmissionFactory(
        lead=rows["mid_lead"], status=S.REJECTED, created_at=now - 100 * DAY, payload={"a": "b"}
    )
    rows["mid_accepted"] = SubmissionFactory(
        lead=rows["mid_lead"], status=S.ACCEPTED, created_at=now - 100 * DAY, payload={"a": "b"}
    )
    rows["new_lead"] = LeadFactory(created_at=recent)
    rows["new_accepted"] = SubmissionFactory(
        lead=rows["new_lead"], status=S.ACCEPTED, created_at=recent, payload={"a": "b"}
    )
    rows["new_attempt"] = AttemptFactory(
        submission=rows["new_accepted"], started_at=recent, request={"method": "POST"}
    )
    # Old, but a send is still pending: left for a later run.
    rows["pending_lead"] = LeadFactory(created_at=old)
    SubmissionFactory(lead=rows["pending_lead"], status=S.RETRY_WAIT, created_at=old)
    return rows


def test_the_prune_keeps_rows_and_counts_and_empties_what_is_past_its_time(
    history, settings
) -> None:
    settings.RETENTION_BATCH_SIZE = 1  # every row its own batch: the batching is exercised
    counted = ("today", "week", "days", "attention")
    before = {key: dashboard_context()[key] for key in counted}
    statuses = sorted(Submission.objects.values_list("pk", "status", "created_at"))

    run = retention_prune()

    assert (run.attempt_bodies, run.payloads, run.leads) == (1, 2, 1)
    assert run.finished_at and not run.more_to_do
    assert sorted(Submission.objects.values_list("pk", "status", "created_at")) == statuses
    assert Lead.objects.count() == 4 and Attempt.objects.count() == 2
    old = Attempt.objects.get(pk=history["old_attempt"].pk)
    assert (old.request, old.response_body, old.status_code) == ({}, "", 200)
    assert Submission.objects.get(pk=history["mid_accepted"].pk).payload == {}
    assert Submission.objects.get(pk=history["mid_rejected"].pk).payload == {"a": "b"}
    assert Submission.objects.get(pk=history["new_accepted"].pk).payload == {"a": "b"}
    erased = Lead.objects.get(pk=history["old_lead"].pk)
    assert erased.erased_at and erased.email == "" and "Evangeline" not in str(erased)
    assert Lead.objects.get(pk=history["pending_lead"].pk).erased_at is None
    assert {key: dashboard_context()[key] for key in counted} == before
    assert retention_prune().attempt_bodies == 0  # nothing twice


def test_zero_days_keeps_that_kind_forever(history, settings) -> None:
    settings.RETAIN_LEADS_DAYS = 0
    settings.RETAIN_ATTEMPT_BODIES_DAYS = 0
    run = retention_prune()
    assert (run.attempt_bodies, run.leads) == (0, 0)
    assert not Lead.objects.filter(erased_at__isnull=False).exists()


def test_a_capped_run_says_more_is_left(history, settings) -> None:
    settings.RETENTION_BATCH_SIZE = 1
    settings.RETENTION_MAX_BATCHES = 1
    first = retention_prune()
    assert first.more_to_do and (first.attempt_bodies, first.payloads, first.leads) == (1, 1, 1)
    second = retention_prune()  # goes on where the first stopped
    assert (second.payloads, second.more_to_do) == (1, False)
    assert RetentionRun.objects.count() == 2


def test_old_campaign_syncs_go_but_each_connections_newest_stays(settings) -> None:
    settings.RETENTION_BATCH_SIZE = 1
    now = timezone.now()
    busy, quiet = ConnectionFactory(), ConnectionFactory()
    for days in (200, 100, 95):
        CampaignSyncFactory(connection=busy, requested_at=now - days * DAY)
    newest = CampaignSyncFactory(connection=busy, requested_at=now - 3 * DAY)
    # Past its time, but the quiet connection's newest: its page still shows it.
    only = CampaignSyncFactory(connection=quiet, requested_at=now - 400 * DAY)
    kept = [newest, only]

    run = retention_prune()

    assert run.campaign_syncs == 3 and not run.more_to_do
    assert set(CampaignSync.objects.values_list("pk", flat=True)) == {s.pk for s in kept}
    assert retention_prune().campaign_syncs == 0
    settings.RETAIN_CAMPAIGN_SYNCS_DAYS = 0  # kept forever
    CampaignSyncFactory(connection=quiet, requested_at=now - 1 * DAY)
    assert retention_prune().campaign_syncs == 0 and CampaignSync.objects.count() == 3


def test_the_prune_is_scheduled_daily() -> None:
    # Made by the migration leadhub_privacy/0002 (this test runs before any flush).
    schedule = Schedule.objects.get(func="leadhub.privacy.tasks.prune_past_retention")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


def test_the_admin_shows_the_policy_and_the_last_run(admin_client, history) -> None:
    url = reverse("admin:leadhub_privacy_retentionrun_changelist")
    assert "has not run yet" in admin_client.get(url).content.decode()
    retention_prune()
    page = admin_client.get(url).content.decode()
    assert "30 days" in page and "730 days" in page
    assert "1 attempt bodies and 2 payloads emptied, 1 leads anonymised" in page
    assert "0 campaign syncs deleted" in page and "Campaign syncs: who started each" in page
