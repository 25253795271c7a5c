"""The staff-load harness counts what it should: two sessions through the real admin over
HTTP for a few seconds, every request timed and every lead accounted for, and a page that
fails counted as an error.

The server here answers one request at a time: what is tested is the harness's counting,
not the database under load (SQLite's in-memory test database locks whole tables and ignores
the busy timeout, unlike the file the app runs on; bench/bench_staff_load.py measures load on
the real processes). The background pushes are held: delivery is not what is tested.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from bench.staff_sessions import Flow, letters, sessions_run, staff_username
from leadhub.demo import sales_staff_grant
from leadhub.models import Lead, Submission
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "bench-staff-password-123"


class SerialServerThread(LiveServerThread):
    def _create_server(self, connections_override=None) -> WSGIServer:
        return WSGIServer(
            (self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False
        )


@pytest.fixture
def serial_server(transactional_db) -> Iterator[str]:
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for conn in shared.values():
        conn.inc_thread_sharing()  # as Django's LiveServerTestCase does
    thread = SerialServerThread("localhost", StaticFilesHandler, shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture
def held_pushes(monkeypatch) -> list[int]:
    held: list[int] = []
    monkeypatch.setattr(
        "leadhub.delivery.outbox.async_task",
        lambda func, submission_id, **kwargs: held.append(int(submission_id)),
    )
    return held


@pytest.fixture
def logins(transactional_db) -> list[tuple[str, str]]:
    pairs = []
    for number in (1, 2):
        user = get_user_model().objects.create_user(staff_username(number), password=PASSWORD)
        sales_staff_grant(user)
        pairs.append((user.username, PASSWORD))
    return pairs


def flow(base_url: str, destination: Destination) -> Flow:
    return Flow(
        base_url=base_url, destinations=[destination.name], tag="test", polls=2, poll_interval=0.1
    )


def test_two_sessions_send_leads_and_every_request_is_counted(
    serial_server, campaign_destination, logins, held_pushes
) -> None:
    result = sessions_run(flow(serial_server, campaign_destination), logins, duration=3)
    tally = result.tally
    assert tally.errors == {}
    assert tally.login_errors == 0 and len(tally.logins) == 2
    confirmed = sorted(pk for pk, _ in tally.confirmed)
    assert confirmed, "no lead was sent in 3 s"
    # Every lead confirmed is there once, with its submission queued; nothing else was made.
    assert sorted(Lead.objects.values_list("pk", flat=True)) == confirmed
    assert sorted(held_pushes) == sorted(
        Submission.objects.filter(lead__in=confirmed).values_list("pk", flat=True)
    )
    assert len(held_pushes) == len(confirmed)
    assert len({email for _, email in tally.confirmed}) == len(confirmed)
    # Each page timed each time it was asked for: the pushes are held, so every lead is
    # polled twice; the iteration a session was in when the clock ran out may stop early.
    assert len(tally.timings["confirm"]) == len(confirmed)
    assert len(tally.timings["lead"]) == len(confirmed)
    assert 2 * len(confirmed) - 4 <= len(tally.timings["status"]) <= 2 * len(confirmed)
    assert len(confirmed) - 2 <= len(tally.timings["search"]) <= len(confirmed)
    assert len(tally.timings["dashboard"]) >= len(confirmed)
    assert tally.requests == sum(len(t) for t in tally.timings.values())
    assert result.rate == pytest.approx(tally.requests / result.seconds)


def test_a_page_that_fails_is_counted_as_an_error(
    serial_server, campaign_destination, logins, held_pushes, monkeypatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the status poll broke")

    monkeypatch.setattr("leadhub.admin.leads.lead_status_payload", broken)
    result = sessions_run(flow(serial_server, campaign_destination), logins, duration=2)
    tally = result.tally
    polls = len(tally.timings["status"])
    assert polls > 0
    assert tally.errors == {"status: HTTP 500": polls}
    assert tally.error_count == polls
    # The iteration stops at the failed step: one poll per lead, and no search after it.
    assert "search" not in tally.timings
    assert len(tally.confirmed) == polls == Lead.objects.count()


def test_numbers_in_letters() -> None:
    assert [letters(n) for n in (0, 1, 25, 26, 27)] == ["a", "b", "z", "ba", "bb"]


def test_a_person_pauses_before_each_page_they_click_but_not_before_a_status_poll(
    serial_server, campaign_destination, logins, held_pushes, monkeypatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr("bench.staff_sessions.time.sleep", pauses.append)
    started: list[int] = []
    paced = flow(serial_server, campaign_destination)
    paced.think = 1.0
    result = sessions_run(paced, logins[:1], duration=2, on_start=lambda: started.append(1))
    tally = result.tally
    assert tally.errors == {} and tally.confirmed
    assert started == [1]  # once, when every session had logged in
    clicked = tally.requests - len(tally.timings["status"])
    thinking = [p for p in pauses if p != paced.poll_interval]
    assert len(thinking) == clicked
    assert all(0.5 <= p <= 1.5 for p in thinking)
