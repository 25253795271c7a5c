"""The dashboard's report by source and destination on PostgreSQL.

Fills a scratch PostgreSQL database (BENCH_SOURCE_REPORT_DATABASE_URL, default
leadhub_bench_source_report) with
BENCH_SOURCE_LEADS leads over 40 days, each with an API source and a submission to each of
two destinations, then times ``source_report`` for each period and, as the baseline measured
in the same run, the dashboard's existing per-vendor counts (``submission_counts``).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta

from bench.common import database_ensure

LEADS = int(os.environ.get("BENCH_SOURCE_LEADS", "50000"))
RUNS = 5
CHUNK = 5000


def _setup() -> None:
    # A scratch database of its own (its rows are replaced), created if missing.
    url = os.environ.get(
        "BENCH_SOURCE_REPORT_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/leadhub_bench_source_report",
    )
    database_ensure(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _fill() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from leadhub.api.keys import api_key_create
    from leadhub.attribution.models import LeadSource, SourceKind
    from leadhub.models import Lead, Submission
    from vendors.models import Connection, Destination

    if LeadSource.objects.count() >= LEADS:
        return
    owner, _ = get_user_model().objects.get_or_create(username="bench-owner")
    destinations = []
    for kind in ("leadbyte", "getlead"):
        vendor, _ = Connection.objects.get_or_create(name=f"bench-{kind}", defaults={"kind": kind})
        destination, _ = Destination.objects.get_or_create(
            slug=f"bench-{kind}",
            defaults={"name": f"Bench {kind}", "connection": vendor, "operation": "create_lead"},
        )
        destinations.append(destination)
    keys = [api_key_create(name=f"Partner {i}", owner=owner, destinations=destinations).key
            for i in range(5)]  # fmt: skip
    now = timezone.now()
    statuses = ["accepted"] * 6 + ["rejected"] * 3 + ["duplicate"]
    reasons = ["Postcode not covered", "Invalid phone", "Cap reached", "Outside hours"]
    for _ in range(0, LEADS, CHUNK):
        leads = Lead.objects.bulk_create(
            Lead(first_name="Bench", created_at=now - timedelta(minutes=random.randint(0, 57600)))
            for _ in range(CHUNK)
        )
        LeadSource.objects.bulk_create(
            LeadSource(
                lead_id=lead.pk,
                kind=SourceKind.API,
                api_key=random.choice(keys),
                utm_source=random.choice(["google", "meta", "newsletter"]),
                utm_campaign=f"campaign-{random.randint(1, 30)}",
                created_at=lead.created_at,
            )
            for lead in leads
        )
        submissions = []
        for lead in leads:
            for destination in destinations:
                status = random.choice(statuses)
                submissions.append(
                    Submission(
                        lead=lead,
                        destination=destination,
                        connection=destination.connection,
                        operation="create_lead",
                        status=status,
                        vendor_message=random.choice(reasons) if status == "rejected" else "",
                        created_at=lead.created_at,
                    )
                )
        Submission.objects.bulk_create(submissions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _time(function) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> str:
    _setup()
    _fill()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from leadhub.attribution.models import LeadSource
    from leadhub.attribution.report import PERIODS, source_report
    from leadhub.dashboard import submission_counts
    from leadhub.models import Submission

    leads, sent = LeadSource.objects.count(), Submission.objects.count()
    with CaptureQueriesContext(connection) as captured:
        source_report(period="30d")
    queries = len(captured.captured_queries)
    figures = {period: _time(lambda p=period: source_report(period=p)) for period in PERIODS}
    baseline = _time(lambda: submission_counts(now=timezone.now()))
    shown = ", ".join(f"{PERIODS[p][0].lower()} {ms:.0f} ms" for p, ms in figures.items())
    print(f"{leads} sourced leads, {sent} submissions; report in {queries} queries: {shown}")
    print(f"baseline, the dashboard's per-vendor counts (14 days): {baseline:.0f} ms")
    return (
        "## Report by source and destination\n\n"
        f"`source_report()` over {leads:,} leads with sources and {sent:,} submissions spread "
        f"over 40 days (PostgreSQL, median of {RUNS}), {queries} queries: **{shown}**. "
        f"Baseline in the same run: the dashboard's per-vendor counts over 14 days "
        f"(`submission_counts`), {baseline:.0f} ms."
    )
