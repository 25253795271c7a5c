"""Delivery with real processes on PostgreSQL: crashes, two clusters, the Redis broker.

The sandbox is served by gunicorn on loopback and the worker is a real ``manage.py
qcluster``, both on the test database. Retry delays, leases and timeouts are shortened
through the environment so each test takes a minute or a few, not hours.

These tests need PostgreSQL (several processes writing at once, row locks with SKIP
LOCKED); on SQLite they are skipped.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q

from leadhub.delivery.dispatcher import dispatcher_schedule_ensure
from leadhub.models import Attempt, AttemptKind, Submission
from leadhub.statuses import PENDING, SubmissionStatus
from sandbox.faults import sandbox_fault_set
from sandbox.models import FaultMode, SandboxCredential, SandboxRecord
from sandbox.seed import seed_all
from tests.factories import ConnectionFactory, DestinationFactory
from tests.processes import (
    LEADBYTE_KEY,
    Processes,
    child_env,
    database_url,
    free_port,
    jitter,
    seed,
)
from vendors.campaign_sync import campaigns_sync
from vendors.models import Campaign, Destination

S = SubmissionStatus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgres://...): several processes write "
        "at once and the claim relies on row locks with SKIP LOCKED",
    ),
]

# Short everything: the defaults are minutes and hours.
FAST = {
    "Q_WORKERS": 2,
    "Q_TIMEOUT": 30,  # the broker redelivers after 3 x this; 4 exchanges x 5 s + 10 s fit
    "VENDOR_CONNECT_TIMEOUT": 2,
    "VENDOR_READ_TIMEOUT": 5,
    "VENDOR_DEADLINE": 5,
    "SUBMISSION_LEASE_SECONDS": 40,
    "SUBMISSION_REQUEUE_AFTER": 15,
    "SUBMISSION_RETRY_DELAYS": "1,2,4,8,16",
    "SUBMISSION_RETRY_JITTER": "0.1",
    "SUBMISSION_OUTCOME_CHECK_DELAYS": "86400",  # no queue polling during these runs
    "CONNECTION_BREAKER_THRESHOLD": 1000,  # an overloaded sandbox must not pause the run
}


@pytest.fixture
def processes(tmp_path: Path):
    call_command("createcachetable", verbosity=0)
    dispatcher_schedule_ensure()  # flushed with the rest between transactional tests
    seed_all()
    SandboxCredential.register("leadbyte", LEADBYTE_KEY)
    env = child_env(database_url(connection.settings_dict), **FAST)
    running = Processes(env=env, log_dir=tmp_path / "logs")
    running.retry_clock()
    yield running
    running.stop_all()


def sandbox_destination(processes: Processes) -> Destination:
    port = free_port()
    processes.sandbox(port)
    conn = ConnectionFactory(
        kind="leadbyte",
        base_url=f"http://127.0.0.1:{port}/sandbox/leadbyte/",
        credentials={"api_key": LEADBYTE_KEY},
    )
    campaigns_sync(connection=conn)
    campaign = Campaign.objects.get(connection=conn, reference="EXAMPLE-CAMPAIGN")
    return DestinationFactory(connection=conn, campaign=campaign, fixed_values={"sid": "1"})


def pending() -> int:
    return Submission.objects.filter(status__in=PENDING).count()


def wait_until_settled(expected: int, timeout: float, processes: Processes) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Submission.objects.count() == expected and pending() == 0:
            return
        time.sleep(2)
    counts = dict(Submission.objects.values_list("status").annotate(n=Count("id")))
    logs = "\n".join(
        f"--- {p.name}\n{p.read_text()[-2000:]}" for p in processes.log_dir.glob("*.log")
    )
    pytest.fail(f"not settled after {timeout} s: {counts}\n{logs}")


def assert_each_lead_delivered_once(expected: int, *, duplicates_allowed: bool) -> None:
    """Every submission final; the vendor holds each lead exactly once; anything it got
    twice was refused as a duplicate, and only for a send a crash interrupted."""
    statuses = Counter(Submission.objects.values_list("status", flat=True))
    final = {S.ACCEPTED, S.DUPLICATE} if duplicates_allowed else {S.ACCEPTED}
    assert set(statuses) <= final, statuses
    assert sum(statuses.values()) == expected

    records = SandboxRecord.objects.filter(vendor="leadbyte", endpoint="leads")
    accepted = Counter(
        p["email"] for p in records.filter(accepted=True).values_list("payload", flat=True)
    )
    received = Counter(p["email"] for p in records.values_list("payload", flat=True))
    assert len(accepted) == expected  # none lost
    assert max(accepted.values()) == 1  # none taken twice

    interrupted = set(
        Submission.objects.filter(attempts__kind=AttemptKind.LOST).values_list(
            "payload__email", flat=True
        )
    )
    twice = {email for email, n in received.items() if n > 1}
    if duplicates_allowed:
        assert twice <= interrupted, twice - interrupted
    else:
        assert not twice
    # A duplicate answer only ever comes from a resend after a lost answer.
    dup_emails = set(
        Submission.objects.filter(status=S.DUPLICATE).values_list("payload__email", flat=True)
    )
    assert dup_emails <= interrupted


def test_a_cluster_killed_again_and_again_loses_nothing_and_sends_nothing_twice(processes):
    count = 2000
    destination = sandbox_destination(processes)
    seed(processes, destination.pk, count, run="crash")
    assert Submission.objects.count() == count

    kills = 0
    cluster = processes.cluster()
    while kills < 4:
        time.sleep(jitter(4, 9))
        done = count - pending()
        processes.kill(cluster)  # SIGKILL to the whole group, mid-send
        kills += 1
        in_flight = Submission.objects.filter(status=S.SENDING).count()
        print(f"kill {kills}: {done} settled, {in_flight} left mid-send")
        cluster = processes.cluster()
    wait_until_settled(count, timeout=420, processes=processes)

    assert_each_lead_delivered_once(count, duplicates_allowed=True)
    # The kills did interrupt sends, and the dispatcher recovered them.
    assert Submission.objects.filter(attempts__kind=AttemptKind.LOST).exists()


def test_two_clusters_on_one_database_never_send_a_lead_twice(processes):
    count = 1000
    destination = sandbox_destination(processes)
    # Every task is handed out twice, as a redelivery would, to both clusters at once.
    seed(processes, destination.pk, count, run="two", extra_enqueues=1)
    processes.cluster("cluster-a")
    processes.cluster("cluster-b")
    wait_until_settled(count, timeout=300, processes=processes)
    assert_each_lead_delivered_once(count, duplicates_allowed=False)
    assert SandboxRecord.objects.filter(endpoint="leads").count() == count
    assert not Submission.objects.filter(~Q(attempt_count=1)).exists()


REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def redis_db():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


def test_with_the_redis_broker_the_dispatcher_recovers_what_a_kill_lost(processes, redis_db):
    count = 600
    destination = sandbox_destination(processes)
    redis_env = {"REDIS_URL": REDIS_URL, "Q_BROKER": "redis"}
    processes.env.update(redis_env)
    seed(processes, destination.pk, count, run="redis")
    cluster = processes.cluster()
    # Kill once work is under way: the Redis broker has no receipts, so whatever the
    # cluster had taken from Redis is gone with it.
    deadline = time.monotonic() + 120
    while count - pending() < 50 and time.monotonic() < deadline:
        time.sleep(0.5)
    processes.kill(cluster)
    lost_at_kill = pending() - redis_db.llen("django_q:leadhub:q")
    print(f"killed with {pending()} pending, {lost_at_kill} no longer in Redis")
    assert lost_at_kill > 0
    processes.cluster()
    wait_until_settled(count, timeout=300, processes=processes)
    assert_each_lead_delivered_once(count, duplicates_allowed=True)


def test_retries_start_within_two_seconds_of_their_due_time(processes):
    """Every lead's first sends meet a 503; each retry, due a second later, is handed out
    by the retry clock. Lateness: when the retry started against when it was due (the end
    of the attempt before, plus the delay; no jitter), p95 at most 2 s."""
    count = 30
    destination = sandbox_destination(processes)
    sandbox_fault_set(destination.connection, FaultMode.HTTP_503, count=2 * count)
    processes.env.update(SUBMISSION_RETRY_DELAYS="1,1,1,1,1,1", SUBMISSION_RETRY_JITTER="0")
    seed(processes, destination.pk, count, run="retry")
    processes.cluster()
    wait_until_settled(count, timeout=120, processes=processes)
    assert_each_lead_delivered_once(count, duplicates_allowed=False)

    lateness = []
    sends = Attempt.objects.filter(kind=AttemptKind.SEND).order_by("submission_id", "number")
    previous: Attempt | None = None
    for attempt in sends:
        if previous is not None and previous.submission_id == attempt.submission_id:
            due = previous.started_at + timedelta(milliseconds=previous.duration_ms, seconds=1)
            lateness.append((attempt.started_at - due).total_seconds())
        previous = attempt
    assert len(lateness) >= count  # the 503s did make retries
    p50 = statistics.median(lateness)
    p95 = statistics.quantiles(lateness, n=20)[-1]
    print(f"retry lateness over {len(lateness)} retries: p50 {p50:.2f} s, p95 {p95:.2f} s")
    assert p95 <= 2.0, sorted(lateness)
