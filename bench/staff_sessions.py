"""Sales staff at work over real HTTP: a bounded pool of admin sessions, one per person.

Each session logs in as its own sales user (before the clock starts), then loops what a
sales person does: the admin home (dashboard), Leads → Add, tick the destinations and
Continue, fill the generated form, Preview, Confirm (the lead is saved and queued), the
lead's page and its status poll (every ``poll_interval`` s while work is pending, at most
``polls`` times), and a search of the lead list for the lead just sent. CSRF tokens and
form fields come from the pages themselves (bench/staff_pages.py).

Every request is timed per page. An error is any answer outside 2xx/3xx, a request that
failed, a page that says "database is locked", or a step that did not do what a person
would see it do (a refused form, a Confirm that did not lead to the lead's page, a search
that did not find the lead). Plain ``requests`` in threads, not locust: nothing to
install, and the harness runs inside a pytest against pytest-django's live server.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlencode

import requests

from bench.staff_pages import csrf_token, entry_form_data, form_errors, page_forms, page_title

PAGES = ("dashboard", "add", "form", "preview", "confirm", "lead", "status", "search")
LEAD_URL = re.compile(r"/admin/leadhub/lead/(\d+)/change/")
LOCKED = "database is locked"


def staff_username(number: int) -> str:
    """The benchmark's sales users: bench-staff-001, bench-staff-002..."""
    return f"bench-staff-{number:03d}"


def letters(number: int) -> str:
    """A number in letters (1 → "a", 27 → "ba"): names take no digits."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = "abcdefghijklmnopqrstuvwxyz"[digit] + text
        if not number:
            return text


class StepFailed(Exception):
    """A step did not do what it should; the iteration stops there (already recorded)."""


@dataclass
class Tally:
    """What one session (or, merged, a whole run) saw."""

    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)  # "page: what" → how many
    confirmed: list[tuple[int, str]] = field(default_factory=list)  # (lead id, email)
    logins: list[float] = field(default_factory=list)  # outside the timed window
    login_errors: int = 0

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.timings.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def merge(self, other: Tally) -> None:
        for page, samples in other.timings.items():
            self.timings.setdefault(page, []).extend(samples)
        self.errors.update(other.errors)
        self.confirmed.extend(other.confirmed)
        self.logins.extend(other.logins)
        self.login_errors += other.login_errors


@dataclass
class Flow:
    """What every session does, and against which server."""

    base_url: str
    destinations: Sequence[str]  # destination labels as the chooser shows them
    tag: str  # makes every lead's email and phone unique to this run
    polls: int = 3
    poll_interval: float = 2.0
    timeout: float = 60.0
    # Mean seconds a person spends on a page before the next click (0: none, as fast as the
    # server answers). Each pause is drawn between half and one and a half times it, so the
    # sessions do not click in step. The status poll is the page's own, never paused.
    think: float = 0.0


def run_digits(tag: str) -> str:
    """Two digits of the run's tag for its phone numbers: the duplicate guard (a phone sent
    to the same destination within 30 days) must not take one run's lead for another's."""
    return f"{int(hashlib.sha256(tag.encode()).hexdigest(), 16) % 100:02d}"


class StaffSession:
    def __init__(self, flow: Flow, username: str, password: str, number: int) -> None:
        self.flow, self.username, self.password, self.number = flow, username, password, number
        self.http = requests.Session()
        self.tally = Tally()
        self.sent = 0
        self.random = random.Random(number)

    def url(self, path: str) -> str:
        return f"{self.flow.base_url.rstrip('/')}{path}"

    def request(self, page: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One timed request (after the person's pause, untimed); an error answer or a failed
        request is recorded and raised."""
        if self.flow.think and page != "status":
            time.sleep(self.random.uniform(0.5, 1.5) * self.flow.think)
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.url(path), timeout=self.flow.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as err:
            self.tally.timings.setdefault(page, []).append(time.perf_counter() - started)
            self.fail(page, type(err).__name__)
        self.tally.timings.setdefault(page, []).append(time.perf_counter() - started)
        if LOCKED in response.text:
            self.fail(page, f"{LOCKED} ({response.status_code})")
        if response.status_code >= 400:
            self.fail(page, f"HTTP {response.status_code}")
        return response

    def fail(self, page: str, what: str) -> NoReturn:
        self.tally.errors[f"{page}: {what}"] += 1
        raise StepFailed(what)

    def log_in(self) -> bool:
        try:
            started = time.perf_counter()
            form = self.http.get(self.url("/admin/login/"), timeout=self.flow.timeout)
            answer = self.http.post(
                self.url("/admin/login/?next=/admin/"),
                data={
                    "csrfmiddlewaretoken": csrf_token(form.text),
                    "username": self.username,
                    "password": self.password,
                    "next": "/admin/",
                },
                timeout=self.flow.timeout,
                allow_redirects=False,
            )
            self.tally.logins.append(time.perf_counter() - started)
            if answer.status_code == 302 and "sessionid" in self.http.cookies:
                return True
        except requests.RequestException:
            pass
        self.tally.login_errors += 1
        return False

    def iteration(self) -> None:
        """One lead from the dashboard to the lead list; stops at the first failed step."""
        flow = self.flow
        self.request("dashboard", "GET", "/admin/")
        chooser = self.request("add", "GET", "/admin/leadhub/lead/add/")
        choice = next((f for f in page_forms(chooser.text) if f.field("destinations")), None)
        wanted = [
            f.value
            for f in (choice.fields if choice else [])
            if f.name == "destinations" and f.label in flow.destinations
        ]
        if len(wanted) != len(flow.destinations):
            self.fail("add", "the destinations are not offered")
        query = urlencode([("destinations", v) for v in wanted] + [("chosen", "1")])
        entry = self.request("form", "GET", f"/admin/leadhub/lead/add/?{query}")
        form = next((f for f in page_forms(entry.text) if f.field("first_name")), None)
        if form is None:
            self.fail("form", "no lead form on the page")
        self.sent += 1
        email = f"staff.{flow.tag}.{self.number}.{self.sent}@example.com"
        contact = {
            "first_name": "Ada",
            "last_name": f"Staff {letters(self.number)}-{letters(self.sent)}",
            "email": email,
            "phone": f"0791{run_digits(flow.tag)}{(self.number * 1000 + self.sent) % 100_000:05d}",
        }
        path = f"/admin/leadhub/lead/add/?{query}"
        preview = self.request("preview", "POST", path, data=entry_form_data(form, contact))
        confirm_form = next(
            (f for f in page_forms(preview.text) if f.field("confirm") is not None), None
        )
        if confirm_form is None:
            refused = form_errors(preview.text) or page_title(preview.text)
            self.fail("preview", f"the form was refused: {refused}")
        carried = [(f.name, f.value) for f in confirm_form.fields if f.kind == "hidden"]
        sent = self.request(
            "confirm", "POST", path, data=[*carried, ("confirm", "Confirm and send")]
        )
        found = LEAD_URL.search(sent.headers.get("Location", ""))
        if sent.status_code != 302 or found is None:
            self.fail("confirm", "did not lead to the lead's page")
        lead_id = int(found.group(1))
        self.tally.confirmed.append((lead_id, email))
        self.request("lead", "GET", f"/admin/leadhub/lead/{lead_id}/change/")
        for poll in range(flow.polls):
            status = self.request("status", "GET", f"/admin/leadhub/lead/{lead_id}/status/")
            if not status.json().get("pending"):
                break
            if poll + 1 < flow.polls:
                time.sleep(flow.poll_interval)
        listing = self.request("search", "GET", "/admin/leadhub/lead/?" + urlencode({"q": email}))
        if f"/admin/leadhub/lead/{lead_id}/change/" not in listing.text:
            self.fail("search", "the lead sent was not found")

    def work(self, start: threading.Barrier, deadline: list[float]) -> Tally:
        logged_in = self.log_in()
        start.wait()
        while logged_in and time.monotonic() < deadline[0]:
            try:
                self.iteration()
            except StepFailed:
                time.sleep(0.2)  # as a person would look at the error before going on
        return self.tally


@dataclass
class RunResult:
    sessions: int
    seconds: float  # from the clock's start to the last session's end
    tally: Tally

    @property
    def rate(self) -> float:
        return self.tally.requests / self.seconds if self.seconds else 0.0


def sessions_run(
    flow: Flow,
    logins: Sequence[tuple[str, str]],
    duration: float,
    on_start: Callable[[], None] = lambda: None,
) -> RunResult:
    """Every login a session in its own thread; the clock starts once all have logged in
    (``on_start`` is called then: the logins' password hashing is no page's cost), and no
    session starts a new step after ``duration`` seconds."""
    sessions = [StaffSession(flow, u, p, n) for n, (u, p) in enumerate(logins, start=1)]
    deadline = [0.0]
    started = [0.0]

    def go() -> None:
        on_start()
        started[0] = time.monotonic()
        deadline[0] = started[0] + duration

    start = threading.Barrier(len(sessions), action=go)
    with ThreadPoolExecutor(len(sessions)) as pool:
        tallies = list(pool.map(lambda s: s.work(start, deadline), sessions))
    seconds = time.monotonic() - started[0]
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return RunResult(sessions=len(sessions), seconds=seconds, tally=total)


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def page_figures(result: RunResult) -> list[tuple[str, int, float, float]]:
    """(page, requests, p50 ms, p95 ms) per page in the flow's order, then "all pages"."""
    timings = result.tally.timings
    rows = [
        (page, len(timings[page]), percentile(timings[page], 50), percentile(timings[page], 95))
        for page in PAGES
        if timings.get(page)
    ]
    every = [s for page in PAGES for s in timings.get(page, [])]
    rows.append(("all pages", len(every), percentile(every, 50), percentile(every, 95)))
    return [(page, n, p50 * 1000, p95 * 1000) for page, n, p50, p95 in rows]
