"""What each staff page costs the server: CPU, wall time and SQL queries per request.

A scratch PostgreSQL database (BENCH_DATABASE_URL, default leadhub_bench_staff_pages) is
filled once with BENCH_STAFF_LEADS leads (default 10,000) and three submissions each, built
with the tests' factories; half the leads belong to the measured sales user. Each staff page
is then requested in-process through Django's test client (middleware, admin view, queries,
template: the whole request) as a sales user and as an integration admin, BENCH_REPEATS
times (default 15) after a warm-up. The figures are the server's CPU time
(``time.process_time``, robust to other load on the machine), wall time and the SQL
queries of one request. The baseline in the same run is a bare admin changelist of a small
model (auth Group, as a superuser).

``BENCH_PROFILE=<page>`` prints a cProfile of that page (sales user) instead of the table.

    make bench BENCH=bench_staff_pages
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_bench_staff_pages"
)

from bench.common import percentile, setup_django
from bench.staff_pages import entry_form_data, page_forms

LEADS = int(os.environ.get("BENCH_STAFF_LEADS", "10000"))
PER_LEAD = 3
REPEATS = int(os.environ.get("BENCH_REPEATS", "15"))
PROFILE = os.environ.get("BENCH_PROFILE", "")
TARGET_PAGE_MS = 15
TARGET_DASHBOARD_MS = 30
TARGET_STATUS_MS = 5
DESTINATION = "Bench LeadByte example"
ROLES = ("Sales staff", "Integration admins")
# What the profiles showed and what was changed, with the figures from before: kept beside
# the measured tables in docs/benchmarks.md.
FINDINGS = Path(__file__).with_name("staff_pages_findings.md")


@dataclass
class Figures:
    page: str
    cpu: list[float]
    wall: list[float]
    queries: int
    status: int

    def row(self, baseline: Figures) -> str:
        cpu50, cpu95 = statistics.median(self.cpu), percentile(self.cpu, 95)
        wall50 = statistics.median(self.wall)
        # CPU times swing with the machine's load; the ratio to the bare page measured in the
        # same run holds better between runs.
        ratio = cpu50 / statistics.median(baseline.cpu)
        return (
            f"| {self.page} | {cpu50:.1f} | {cpu95:.1f} | {ratio:.2f} | {wall50:.1f} "
            f"| {self.queries} |"
        )


def _fill() -> None:
    """The destination, the users and (once) the leads with their submissions."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from leadhub.models import Lead, Submission
    from sandbox.seed import EXAMPLE_CAMPAIGN
    from tests.factories import (
        ConnectionFactory,
        DestinationFactory,
        LeadFactory,
        SubmissionFactory,
        UserFactory,
    )
    from vendors.models import Campaign, CampaignField, Destination

    call_command("createcachetable", verbosity=0)  # the cache `make run` and deploy.md make
    for role in ROLES:
        user = UserFactory(username=f"bench-{role.lower().replace(' ', '-')}", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
    UserFactory(username="bench-superuser", is_superuser=True)
    if not Destination.objects.filter(name=DESTINATION).exists():
        connection = ConnectionFactory(kind="leadbyte", name="Bench LeadByte")
        campaign = Campaign.objects.create(
            connection=connection, vendor_id="9", name="Example Campaign A", reference="EX"
        )
        for position, field in enumerate(EXAMPLE_CAMPAIGN["fields"]):
            CampaignField.objects.create(campaign=campaign, position=position, **field)
        DestinationFactory(
            name=DESTINATION, connection=connection, campaign=campaign, fixed_values={"sid": "1"}
        )
    if Lead.objects.filter(last_name__startswith="Bench").count() >= LEADS:
        return
    print(f"building {LEADS:,} leads and {LEADS * PER_LEAD:,} submissions…")
    from django.contrib.auth import get_user_model

    owners = [
        get_user_model().objects.get(username="bench-sales-staff"),
        UserFactory(username="bench-other-seller"),
    ]
    destination = Destination.objects.get(name=DESTINATION)
    statuses = ["accepted", "accepted", "rejected", "queued", "exhausted", "duplicate"]
    leads = LeadFactory.build_batch(LEADS)
    for n, lead in enumerate(leads):
        lead.owner = owners[n % 2]
        lead.last_name = f"Bench{n}"
        lead.email = f"bench{n}@example.com"
    Lead.objects.bulk_create(leads, batch_size=2000)
    submissions = [
        SubmissionFactory.build(
            lead=lead, destination=destination, status=statuses[(n + k) % len(statuses)]
        )
        for n, lead in enumerate(leads)
        for k in range(PER_LEAD)
    ]
    Submission.objects.bulk_create(submissions, batch_size=2000)
    from django.db import connection as database

    with database.cursor() as cursor:
        cursor.execute("ANALYZE")


def _client(username: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


Send = Callable[[], Any]
# Makes one request ready (outside the clock: a Confirm needs its Preview first) and
# returns what sends it.
Request = Callable[[], Send]


def _get(client: Any, url: str, headers: dict[str, str] | None = None) -> Request:
    return lambda: lambda: client.get(url, headers=headers)


def _measure(page: str, request: Request, repeats: int = REPEATS) -> Figures:
    from django.db import connection

    response = request()()  # warm-up (templates, connection, caches)
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    send = request()
    with connection.execute_wrapper(count):
        response = send()
    cpu, wall = [], []
    for _ in range(repeats):
        send = request()
        started_cpu, started = time.process_time(), time.perf_counter()
        send()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return Figures(page, cpu, wall, len(queries), response.status_code)


def staff_requests(client: Any, lead_id: int, search: str) -> dict[str, Request]:
    """Every staff page as a request function, in the order a sales person works."""
    from vendors.models import Destination

    destination = Destination.objects.get(name=DESTINATION)
    add = "/admin/leadhub/lead/add/"
    query = urlencode([("destinations", destination.pk), ("chosen", "1")])
    form_page = client.get(f"{add}?{query}")
    can_add = form_page.status_code == 200  # integration admins do not enter leads
    form = next((f for f in page_forms(form_page.content.decode()) if f.field("first_name")), None)
    counter = iter(range(10**6))

    def entry() -> list[tuple[str, str]]:
        n = next(counter)
        contact = {
            "first_name": "Ada",
            "last_name": "Bench entry",
            "email": f"entry{n}.{time.time_ns()}@example.com",
            "phone": f"07911{n % 1_000_000:06d}",
        }
        assert form is not None
        return entry_form_data(form, contact)

    def preview() -> Send:
        data = dict(entry())
        return lambda: client.post(f"{add}?{query}", data)

    def confirm() -> Send:
        page = preview()().content.decode()
        confirm_form = next(f for f in page_forms(page) if f.field("confirm") is not None)
        carried = {f.name: f.value for f in confirm_form.fields if f.kind == "hidden"}
        carried["confirm"] = "Confirm and send"
        return lambda: client.post(f"{add}?{query}", carried)

    status = f"/admin/leadhub/lead/{lead_id}/status/"
    etag = client.get(status).headers.get("ETag", "")
    export = "/admin/leadhub/lead/export/?" + urlencode({"q": search})
    pages: dict[str, Request] = {"dashboard": _get(client, "/admin/")}
    if can_add:
        pages |= {
            "add": _get(client, add),
            "form": _get(client, f"{add}?{query}"),
            "preview": preview,
            "confirm": confirm,
        }
    return pages | {
        "lead": _get(client, f"/admin/leadhub/lead/{lead_id}/change/"),
        "status": _get(client, status),
        "status, nothing changed": _get(client, status, {"If-None-Match": etag}),
        "search": _get(client, "/admin/leadhub/lead/?" + urlencode({"q": search})),
        "submissions": _get(client, "/admin/leadhub/submission/"),
        "export": lambda: lambda: _read(client.get(export)),
    }


def _read(response: Any) -> Any:
    """A streamed answer read to its end, as the browser would."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _lead_of(username: str) -> int:
    """The first of the user's leads: three submissions, none changing."""
    from leadhub.models import Lead

    lead = Lead.objects.filter(owner__username=username).order_by("pk").first()
    assert lead is not None
    return lead.pk


def _profile(client: Any, lead_id: int, search: str) -> None:
    if PROFILE == "baseline":
        superuser = _client("bench-superuser")
        request = _get(superuser, "/admin/auth/group/")
    else:
        request = staff_requests(client, lead_id, search)[PROFILE]
    request()()
    profiler = cProfile.Profile(time.process_time)  # CPU, not the wait on PostgreSQL
    for _ in range(REPEATS):
        send = request()
        profiler.enable()
        send()
        profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(90)
    stats.sort_stats("tottime").print_stats(25)


def main() -> str:
    setup_django()
    _fill()
    lead_id = _lead_of("bench-sales-staff")
    search = "bench1"  # a lead-list search matching about a tenth of the leads
    if PROFILE:
        _profile(_client("bench-sales-staff"), lead_id, search)
        raise SystemExit(0)  # a profile is not figures: docs/benchmarks.md is left alone
    baseline_client = _client("bench-superuser")
    baseline = _measure(
        "auth Group changelist (baseline)", _get(baseline_client, "/admin/auth/group/")
    )
    tables: dict[str, list[Figures]] = {}
    for role in ROLES:
        client = _client(f"bench-{role.lower().replace(' ', '-')}")
        requests = staff_requests(client, lead_id, search)
        tables[role] = [_measure(page, request) for page, request in requests.items()]
        tables[role].append(baseline)
    header = (
        "| page | CPU median ms | CPU p95 ms | CPU vs baseline | wall median ms | queries |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    parts = []
    for role, rows in tables.items():
        for figures in rows:
            if figures.status >= 400:
                print(f"!! {role} {figures.page}: HTTP {figures.status}")
        text = "\n".join([header, *(f.row(baseline) for f in rows)])
        print(f"\n{role}\n{text}")
        parts.append(f"### As {role.lower().rstrip('s')}\n\n{text}")
    load = os.getloadavg()
    return (
        "## Staff pages\n\n"
        f"Each staff page through Django's test client, in-process, on PostgreSQL with "
        f"{LEADS:,} leads and {LEADS * PER_LEAD:,} submissions (half the leads the sales "
        f"user's own), {REPEATS} requests each after a warm-up; server CPU is "
        "`time.process_time()` around the request, queries those of one request. "
        f"Targets: median ≤ {TARGET_PAGE_MS} ms CPU a page, ≤ {TARGET_DASHBOARD_MS} ms the "
        f"dashboard, ≤ {TARGET_STATUS_MS} ms and one query the status poll when nothing "
        "changed. Baseline in the same run: the auth Group changelist as a superuser.\n\n"
        "    make bench BENCH=bench_staff_pages\n\n"
        + "\n\n".join(parts)
        + f"\n\nLoad average (1, 5, 15 min) when measured: {load[0]:.1f}, {load[1]:.1f}, "
        f"{load[2]:.1f}.\n\n" + FINDINGS.read_text().strip()
    )
