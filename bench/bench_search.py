"""The submission list's search at 1,000,000 rows on PostgreSQL: LeadHub's beside Django's.

The data is bench_changelist's (references are md5 strings, emails lead<n>@example.com, last
names Lovelace<n>). "Django's search" is the same admin with its former search: Django's own
get_search_results over ("=vendor_reference", "lead__email", "lead__last_name").

    make bench BENCH=bench_search   # BENCH_DATABASE_URL overrides the database
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.common import percentile, setup_django, superuser_client

REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
FORMER_FIELDS = ("=vendor_reference", "lead__email", "lead__last_name")


def terms() -> list[tuple[str, str]]:
    from leadhub.models import Submission

    reference = Submission.objects.order_by("pk").values_list("vendor_reference", flat=True)
    middle = reference[Submission.objects.count() // 2]
    return [
        ("reference, first 8 characters", middle[:8]),
        ("whole reference", middle),
        ("whole email", "lead123457@example.com"),
        ("last name", "Lovelace123457"),
        ("nothing matches", "zz-nothing"),
    ]


urlpatterns: list = []  # filled in by _urls() once Django is set up


def _urls() -> tuple[Any, Any]:
    """LeadHub's admin, and beside it the same admin searching as Django does."""
    from django.contrib import admin
    from django.contrib.admin import AdminSite
    from django.urls import path

    from leadhub.admin.submissions import SubmissionAdmin
    from leadhub.models import Submission

    attrs = {
        "search_fields": FORMER_FIELDS,
        "get_search_results": admin.ModelAdmin.get_search_results,
    }
    former = AdminSite(name="former")
    former.register(Submission, type("FormerSearchAdmin", (SubmissionAdmin,), attrs))
    urlpatterns[:] = [path("admin/", admin.site.urls), path("former/", former.urls)]
    return admin.site._registry[Submission], former._registry[Submission]


def timed(client, prefix: str, term: str) -> list[float]:
    url = f"{prefix}leadhub/submission/"
    client.get(url, {"q": term})  # warm the caches once
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url, {"q": term})
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{prefix} {term}: HTTP {response.status_code}")
    return times


def found(model_admin, term: str) -> int:
    rows, _ = model_admin.get_search_results(None, model_admin.model.objects.all(), term)
    return int(rows.count())


def main() -> str:
    setup_django()
    from django.test.utils import override_settings

    from bench.bench_changelist import SUBMISSIONS, generate

    ours_admin, former_admin = _urls()
    generate()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    client = superuser_client()
    rows = []
    with override_settings(ROOT_URLCONF="bench.bench_search"):
        for label, term in terms():
            ours = timed(client, "/admin/", term)
            former = timed(client, "/former/", term)
            rows.append(
                f"| {label} | {percentile(ours, 50):.0f} | {found(ours_admin, term)} | "
                f"{percentile(former, 50):.0f} | {found(former_admin, term)} |"
            )
    table = (
        "| search | LeadHub p50 ms | rows found | Django's search p50 ms | rows found |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows)
    )
    print(table)
    return (
        f"## Submission search ({SUBMISSIONS:,} rows, PostgreSQL)\n\n"
        "`make bench BENCH=bench_search` (BENCH_DATABASE_URL, default "
        "postgres://postgres@127.0.0.1:5432/leadhub_bench_bulk)\n\n"
        f"{table}\n\n"
        f"Each the whole request through the test client, median of {REPEATS} after one "
        "warm-up. Django's search ORs the reference with the joined lead's columns, so "
        "PostgreSQL reads every submission with its lead; LeadHub's finds the leads in their "
        "own table, then the submissions by lead and by the start of their reference "
        "(submission_reference_prefix_idx). What is left is the leads' own scan for an email "
        f"or name fragment. Load average when the run started: {load}."
    )


if __name__ == "__main__":
    main()
