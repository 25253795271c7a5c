"""The admin dashboard with a million submissions on PostgreSQL.

Fills a scratch PostgreSQL database (BENCH_DASHBOARD_DATABASE_URL, default leadhub_bench_dashboard)
with BENCH_DASHBOARD_ROWS submissions spread over a year, then times ``dashboard_context``
and, as the baseline measured in the same run, a plain ``COUNT(*)`` of the whole table.
"""

from __future__ import annotations

import os
import statistics
import time

from bench.common import database_ensure

ROWS = int(os.environ.get("BENCH_DASHBOARD_ROWS", "1000000"))
RUNS = 7


def _setup() -> None:
    # A scratch database of its own (its rows are replaced), created if missing.
    url = os.environ.get(
        "BENCH_DASHBOARD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_bench_dashboard"
    )
    database_ensure(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _fill() -> None:
    from django.db import connection

    from leadhub.models import Lead, Submission
    from vendors.models import Connection

    if Submission.objects.count() >= ROWS:
        return
    Submission.objects.all().delete()
    for kind in ("leadbyte", "salesbyte", "getlead"):
        Connection.objects.get_or_create(
            name=f"bench {kind}", defaults={"kind": kind, "base_url": "https://bench.test/"}
        )
    if not Lead.objects.exists():
        Lead.objects.bulk_create(Lead(first_name=f"Bench {i}") for i in range(1000))
    lead_ids = list(Lead.objects.values_list("id", flat=True)[:1000])
    connection_ids = list(Connection.objects.values_list("id", flat=True)[:3])
    statuses = [
        "accepted",
        "accepted",
        "accepted",
        "quarantined",
        "duplicate",
        "rejected",
        "exhausted",
        "uncertain",
        "queued",
        "retry_wait",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO leadhub_submission
              (lead_id, connection_id, operation, payload, status, vendor_reference,
               vendor_code, vendor_message, links, field_errors, response_data, attempt_count,
               check_count, vendor_outcome, created_at, updated_at)
            SELECT (%(leads)s::bigint[])[1 + i %% cardinality(%(leads)s::bigint[])],
                   (%(conns)s::bigint[])[1 + i %% cardinality(%(conns)s::bigint[])],
                   'create_lead', '{}'::jsonb,
                   (%(statuses)s::text[])[1 + (i * 7) %% cardinality(%(statuses)s::text[])],
                   '', '', 'Bench message', '{}'::jsonb, '{}'::jsonb, '{}'::jsonb, 1, 0, '',
                   now() - (i::float / %(rows)s) * interval '365 days',
                   now() - (i::float / %(rows)s) * interval '365 days'
            FROM generate_series(1, %(rows)s) AS i
            """,
            {"leads": lead_ids, "conns": connection_ids, "statuses": statuses, "rows": ROWS},
        )
        cursor.execute("ANALYZE leadhub_submission")


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
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from leadhub.dashboard import dashboard_context
    from leadhub.models import Submission

    count = Submission.objects.count()
    with CaptureQueriesContext(connection) as captured:
        context = dashboard_context()
    queries = len(captured.captured_queries)
    reset_queries()
    dashboard_ms = _time(dashboard_context)
    count_ms = _time(lambda: Submission.objects.count())
    week = context["week_total"].total
    print(f"{count} submissions; dashboard {dashboard_ms:.0f} ms in {queries} queries")
    print(f"baseline COUNT(*) of the table: {count_ms:.0f} ms; this week's rows: {week}")
    return (
        "## Dashboard\n\n"
        f"`dashboard_context()` over {count:,} submissions spread over a year "
        f"(PostgreSQL, median of {RUNS}): **{dashboard_ms:.0f} ms** in {queries} queries. "
        f"Baseline in the same run: `SELECT COUNT(*)` of the whole table, {count_ms:.0f} ms."
    )
