"""Bulk import of 100,000 CSV rows into one LeadByte destination, on PostgreSQL.

The import runs in a child process (as in a worker) so its peak RSS is its own. The rows are
checked by the lead entry form's rules a column at a time, inserted in chunks (each
committed on a writer thread while the next is checked), and their pushes enqueued in
batches (to the database broker; no worker consumes them here). Targets: ≥ 20,000 rows/s and
a peak RSS ≤ 250 MB.

The machine is shared, so beside the wall-clock rate the child's own CPU time is reported
(rows per CPU second: what the import would do on a core of its own) with the load average.
BENCH_IMPORT_PROFILE=1 runs the import under cProfile (CPU time) and prints where it went.

    make bench BENCH=bench_import   # BENCH_DATABASE_URL overrides the database
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time

from bench.common import ROOT, setup_django

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
TARGET_RATE = 20_000
TARGET_RSS_MB = 250

# The file's columns and the field each fills: a lead field, or (prefixed with the
# destination) a field of the example campaign.
COLUMNS = (
    ("First Name", "first_name"),
    ("Last Name", "last_name"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("make_of_car", "data13"),
    ("Gender", "gender"),
    ("DOB", "dob"),
)
LEAD_FIELDS = frozenset({"first_name", "last_name", "email", "phone"})

CHILD = """
import cProfile, json, os, pstats, resource, sys, time
from bench.common import setup_django
setup_django()
from leadhub.imports.services import import_job_run
job_id = int(sys.argv[1])
profiler = cProfile.Profile(time.process_time) if os.environ.get("BENCH_IMPORT_PROFILE") else None
before = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
if profiler:
    profiler.enable()
status = import_job_run(job_id=job_id)
if profiler:
    profiler.disable()
elapsed = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
if profiler:
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
rss_mb = after.ru_maxrss / 1024
print(json.dumps({"status": status, "seconds": elapsed, "cpu": cpu, "rss_mb": rss_mb}))
"""


WHERE_THE_TIME_GOES = """\
Where the time goes. Before (2026-12-03, rows checked one by one through the form's checks,
2,000 rows a transaction): 26.5 s, 3,772 rows/s, peak RSS 143 MB, on a quiet machine (load
0.5). A CPU profile of that import: about 85 % checking rows, of which a third was parsing
phone numbers (phonenumbers: about 50 µs a number, and 66,666 different numbers here), a
third Django's field cleaning (dates parsed twice, e-mails validated twice per row) and the
rest building the payload dict and its JSON per row; about 15 % writing (COPY, the commit's
WAL flush, 1,000 broker messages).

Now each column's distinct values are checked once per chunk by the form's own fields,
hooks and validators (a validator's verdict is shared by every field that has it) and a row
is built only from values already checked; a row the columns do not accept is bound to the
form, which says why (2,000 rows here, about a tenth of the CPU). A phone number written
plainly is read directly as the library reads it, and its type is worked out once per
operator block (vendors/phone_types.py; tests hold both to the library). What is left,
per row of CPU: Django's e-mail validation and the phone parse (each about a quarter), the
payload's JSON, and the COPY.

The wall-clock time was about twice the CPU time, half of it waits for PostgreSQL (the
COPY stored and indexed, the commits, the broker rows) while nothing was checked. A writer
thread with its own connection now commits a chunk while the next is checked (one chunk in
flight; the duplicate guard asks once the chunk before has committed, so a person twice in
a file is still left out once). The duplicate guard asks with the keys each row already has
for its lead's columns, as two array parameters: as IN lists, a chunk's 20,000 keys cost
the ORM and the driver more CPU than the query. Length and null-character validators are
asked directly, not remembered per value. Letting the chunk's commit skip the WAL flush
(synchronous_commit off) gained nothing measurable and was left out. With
`BENCH_IMPORT_PROFILE=1` the bench prints the CPU profile of the checking thread (the
writer thread's COPY is not in it).\
"""


def make_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _ in COLUMNS])
    cars = ["Volvo", "Ford", "Citroën", "Škoda", "BMW"]
    for n in range(rows):
        phone = f"07911 {n % 1000000:06d}" if n % 3 else ""
        bad_email = n % 50 == 49  # 2% of rows fail, as real files do
        writer.writerow(
            [
                "Ada",
                f"Lovelace{chr(97 + n % 26)}",
                f"lead{n}example.com" if bad_email else f"lead{n}@example.com",
                phone,
                cars[n % len(cars)],
                "F" if n % 2 else "M",
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/19{50 + n % 50}",
            ]
        )
    return out.getvalue().encode("utf-8")


def prepare_job(data: bytes) -> tuple[int, int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leadhub.imports.models import ImportJob
    from leadhub.imports.services import import_job_create, import_mapping_save
    from leadhub.models import Lead
    from sandbox.seed import EXAMPLE_CAMPAIGN
    from vendors.models import Campaign, CampaignField, Connection, Destination

    connection, _ = Connection.objects.get_or_create(
        name="Bench import LeadByte",
        defaults={"kind": "leadbyte", "base_url": "https://account.leadbyte.co.uk/"},
    )
    campaign, created = Campaign.objects.get_or_create(
        connection=connection,
        vendor_id="9",
        defaults={"name": "Example Campaign A", "reference": "EXAMPLE-CAMPAIGN"},
    )
    if created:
        for position, field in enumerate(EXAMPLE_CAMPAIGN["fields"]):
            CampaignField.objects.create(campaign=campaign, position=position, **field)
    destination, _ = Destination.objects.get_or_create(
        name="Bench import destination",
        defaults={
            "connection": connection,
            "operation": "create_lead",
            "campaign": campaign,
            "fixed_values": {"sid": "1"},
        },
    )
    job = import_job_create(
        upload=SimpleUploadedFile("bench.csv", data), destinations=[destination], user=None
    )
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    prefix = f"d{destination.pk}__"
    mapping = {
        name if name in LEAD_FIELDS else f"{prefix}{name}": header for header, name in COLUMNS
    }
    import_mapping_save(job=job, mapping=mapping, user=None)
    last_lead = Lead.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return job.pk, last_lead


def clean_up(job_id: int, last_lead: int) -> None:
    """Take the imported rows out again so the benchmark database stays as it was."""
    from django.db import connection

    from leadhub.imports.models import ImportJob

    with connection.cursor() as cursor:
        # Each imported lead has its source (attribution) and may have a routing decision.
        for table in ("leadhub_attribution_leadsource", "leadhub_routing_routingdecision"):
            cursor.execute(f"DELETE FROM {table} WHERE lead_id > %s", [last_lead])  # noqa: S608
        cursor.execute("DELETE FROM leadhub_submission WHERE lead_id > %s", [last_lead])
        cursor.execute("DELETE FROM leadhub_lead WHERE id > %s", [last_lead])
        cursor.execute("DELETE FROM django_q_ormq WHERE key = %s", ["leadhub"])
    ImportJob.objects.filter(pk=job_id).delete()


def main() -> str:
    setup_django()
    from leadhub.imports.models import ImportJob

    data = make_csv(ROWS)
    job_id, last_lead = prepare_job(data)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    started = time.perf_counter()
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(job_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"import child failed:\n{child.stderr}")
    if os.environ.get("BENCH_IMPORT_PROFILE"):
        print(child.stderr)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    job = ImportJob.objects.get(pk=job_id)
    from django_q.models import OrmQ

    messages = OrmQ.objects.filter(key="leadhub").count()
    rate = job.processed_rows / result["seconds"]
    cpu_rate = job.processed_rows / result["cpu"]
    clean_up(job_id, last_lead)
    verdict_rate = "meets" if rate >= TARGET_RATE else "MISSES"
    verdict_rss = "meets" if result["rss_mb"] <= TARGET_RSS_MB else "MISSES"
    lines = [
        f"file: {len(data) / 1024 / 1024:.1f} MB, {ROWS:,} rows, 1 destination",
        f"status: {result['status']}; imported {job.imported_rows:,}, "
        f"left out {job.failed_rows:,} (2% bad e-mails, on purpose)",
        f"import: {result['seconds']:.1f} s → {rate:,.0f} rows/s "
        f"({verdict_rate} the {TARGET_RATE:,} rows/s target); child process wall {wall:.1f} s",
        f"CPU time of the import: {result['cpu']:.1f} s → {cpu_rate:,.0f} rows per CPU second; "
        f"load average before it: {load} ({len(os.sched_getaffinity(0))} CPUs)",
        f"peak RSS of the importing process: {result['rss_mb']:.0f} MB "
        f"({verdict_rss} the {TARGET_RSS_MB} MB target)",
        f"broker messages for {job.imported_rows:,} submissions: {messages:,}",
    ]
    for line in lines:
        print(line)
    return (
        "## Bulk import (100,000 CSV rows, PostgreSQL)\n\n"
        "`make bench BENCH=bench_import` (BENCH_DATABASE_URL, default "
        "postgres://postgres@127.0.0.1:5432/leadhub_bench_bulk)\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n\n"
        + WHERE_THE_TIME_GOES
    )


if __name__ == "__main__":
    main()
