"""A vendor that drips its answers, with real processes: the sandbox served by gunicorn and
a ``manage.py qcluster`` of two workers, on SQLite (a file the children share) or on the
PostgreSQL test database.

Two leads to a dripping vendor and one to a healthy one are created at the same moment.
Without a deadline and a bulkhead both workers take the drips and the healthy lead waits
until the task timeout kills one; with them, one drip is in flight and cut at the deadline,
the other waits for its slot, and the healthy lead goes at once.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.processes import Processes, child_env, database_url, free_port, wait_for_http

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DEADLINE = 4
ENV = {
    "Q_WORKERS": 2,  # VENDOR_MAX_IN_FLIGHT is then 1
    "Q_TIMEOUT": 30,  # 4 exchanges x 4 s + 10 s fits (vendors.E001)
    "VENDOR_DEADLINE": DEADLINE,
    "VENDOR_CONNECT_TIMEOUT": 2,
    "VENDOR_READ_TIMEOUT": 5,  # a byte every 0.5 s passes every read timeout
    "SUBMISSION_LEASE_SECONDS": 60,
    "SUBMISSION_RETRY_DELAYS": "600",  # no retry during the run
    "SUBMISSION_OUTCOME_CHECK_DELAYS": "86400",
    "CONNECTION_BREAKER_THRESHOLD": 1000,
}

SEND_AT_ONCE = """
import json
from django.db import transaction
from leadhub.delivery.outbox import submission_create
from leadhub.demo import demo_connections_ensure, demo_destinations_ensure
from leadhub.models import Lead
from leadhub.services.leads import destination_payload_build
from sandbox.faults import sandbox_fault_set
from vendors.models import Destination

demo_connections_ensure("{base_url}")
demo_destinations_ensure(lambda message: None)
drip = Destination.objects.get(name="Getlead · Website enquiry")
healthy = Destination.objects.get(name="LeadByte · Example Campaign A")
# Each of the two drip leads' first send: a valid start, then a byte every 0.5 s.
sandbox_fault_set(drip.connection, "drip", 2, delay_seconds=0.5)
ids = {{}}
with transaction.atomic():  # one commit: the three tasks reach the broker together
    for name, destination, values in [
        ("drip-1", drip, {{}}),
        ("drip-2", drip, {{}}),
        ("healthy", healthy, {{"data13": "Volvo"}}),
    ]:
        contact = {{"first_name": "Ada", "last_name": name, "email": f"{{name}}@example.com",
                   "phone": "07911 123456"}}
        lead = Lead.objects.create(first_name="Ada", last_name=name)
        payload = destination_payload_build(destination=destination, contact=contact, values=values)
        ids[name] = submission_create(lead=lead, destination=destination, payload=payload).pk
print(json.dumps(ids))
"""

READ_BACK = """
import json
from leadhub.models import Submission
rows = {}
for s in Submission.objects.all():
    rows[s.pk] = {
        "status": s.status,
        "created_at": s.created_at.isoformat(),
        "completed_at": s.completed_at.isoformat() if s.completed_at else None,
        "attempts": [
            {"started_at": a.started_at.isoformat(), "duration_ms": a.duration_ms,
             "condition": a.condition, "message": a.message, "status_code": a.status_code,
             "response_body": a.response_body}
            for a in s.attempts.order_by("number")
        ],
    }
print(json.dumps(rows))
"""


def last_json(output: str) -> Any:
    return json.loads(output.strip().splitlines()[-1])


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def two_workers(tmp_path: Path):
    """The children's database: the PostgreSQL test database, or a SQLite file set up for
    them (the test's own SQLite database lives in its memory)."""
    if connection.vendor == "postgresql":
        database = database_url(connection.settings_dict)
    else:
        database = f"sqlite:///{tmp_path / 'leadhub.sqlite3'}"
    running = Processes(env=child_env(database, **ENV), log_dir=tmp_path / "logs")
    if connection.vendor != "postgresql":
        running.manage("migrate", "--no-input")
    running.manage("createcachetable")
    yield running
    running.stop_all()


def test_a_dripping_vendor_is_cut_at_the_deadline_and_never_holds_up_a_healthy_one(
    two_workers: Processes,
) -> None:
    port = free_port()
    two_workers.sandbox(port)
    two_workers.cluster()
    base_url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base_url}/readyz", timeout=90)  # the cluster's workers are up

    ids = last_json(two_workers.manage("shell", "-c", SEND_AT_ONCE.format(base_url=base_url)))
    rows: dict[str, Any] = {}
    for _ in range(30):  # both drips cut (one after the other), then read back
        rows = last_json(two_workers.manage("shell", "-c", READ_BACK))
        if all(rows[str(ids[name])]["attempts"] for name in ids) and all(
            row["status"] != "sending" for row in rows.values()
        ):
            break
    healthy, first, second = (rows[str(ids[name])] for name in ("healthy", "drip-1", "drip-2"))
    print(json.dumps({"healthy": healthy, "drip-1": first, "drip-2": second}, indent=1))

    # The healthy lead went at once, though two drips were handed out before it.
    assert healthy["status"] == "accepted"
    waited = (at(healthy["completed_at"]) - at(healthy["created_at"])).total_seconds()
    assert waited <= 3.0, waited

    # Each drip's send ended at the deadline and is on record with what had arrived.
    for drip in (first, second):
        (attempt,) = drip["attempts"]
        assert attempt["condition"] == "no_answer"
        assert attempt["message"] == f"The vendor did not finish answering within {DEADLINE} s."
        assert attempt["status_code"] == 200 and attempt["response_body"]
        assert DEADLINE * 1000 <= attempt["duration_ms"] < (DEADLINE + 1) * 1000
        assert drip["status"] == "retry_wait"  # Getlead merges a resent lead

    # One slot for the drip vendor: its second send started after the first ended.
    (one,), (other,) = sorted(
        (first["attempts"], second["attempts"]), key=lambda a: a[0]["started_at"]
    )
    ended = at(one["started_at"]).timestamp() + one["duration_ms"] / 1000
    assert at(other["started_at"]).timestamp() >= ended - 0.05
