"""Staff load: concurrent sales staff adding leads through the admin, on both databases.

For each database, the whole app is started the real way on a fresh database, then
``BENCH_STAFF_SESSIONS`` (default 10,25,50) sessions, each its own sales user, loop the lead
flow (bench/staff_sessions.py) for ``BENCH_STAFF_SECONDS`` (default 60) each, once for each
think time in ``BENCH_STAFF_THINK_SECONDS`` (default 0.6; ``0.6,0`` adds the no-pauses
mode):

- SQLite, the embedded default: ``manage.py serve`` (what ``make run`` starts: gunicorn, a
  django-q2 cluster and the retry clock, DEBUG off) on a temporary SQLite file, the vendor
  sandbox served by the same server, as in the demo;
- PostgreSQL: gunicorn with docs/deploy.md's options, ``qcluster`` and ``retry_clock``; the
  sandbox on a gunicorn of its own, standing in for the vendors' servers.

The think time is the mean pause before each page a person clicks to (the status poll is
the page's own and keeps its 2 s). 0.6 s reproduces the pacing of the sales floor the staff
page targets were set on: 10 people making about 13 requests/s on an unloaded server (0.75 s
a page a person, the server's answer and the polls' waits included). 0 is the harder
"no pauses" mode: every session clicks as soon as the last page arrives.

Reports requests/s, p50/p95 per page and overall, errors (any answer outside 2xx/3xx, and
"database is locked" anywhere, the server's logs included), leads the staff saw confirmed
against leads created (none lost, none doubled), whether delivery kept up (submissions
pending when the sessions stopped, and the time until none was left), and the web
processes' CPU per request.

``BENCH_STAFF_BACKENDS`` (default sqlite,postgresql) picks the databases;
``BENCH_STAFF_DATABASE_URL`` the PostgreSQL one (default leadhub_bench_staff, recreated);
``BENCH_STAFF_DESTINATIONS`` the destinations ticked (labels, ";"-separated);
``BENCH_STAFF_PORT`` the web server's port (the PostgreSQL sandbox takes the next one;
default: any free port); ``BENCH_STAFF_GUNICORN`` other options for the PostgreSQL web
process (to compare worker settings with docs/deploy.md's).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench.staff_sessions import (
    PAGES,
    Flow,
    RunResult,
    page_figures,
    run_digits,
    sessions_run,
    staff_username,
)
from tests.processes import Processes, child_env, free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = [int(n) for n in os.environ.get("BENCH_STAFF_SESSIONS", "10,25,50").split(",")]
THINKS = [float(t) for t in os.environ.get("BENCH_STAFF_THINK_SECONDS", "0.6").split(",")]
SECONDS = float(os.environ.get("BENCH_STAFF_SECONDS", "60"))
BACKENDS = os.environ.get("BENCH_STAFF_BACKENDS", "sqlite,postgresql").split(",")
DATABASE = os.environ.get(
    "BENCH_STAFF_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_bench_staff"
)
DESTINATIONS = os.environ.get("BENCH_STAFF_DESTINATIONS", "LeadByte · Example Campaign A")
DRAIN_SECONDS = float(os.environ.get("BENCH_STAFF_DRAIN", "300"))
PORT = int(os.environ.get("BENCH_STAFF_PORT", "0"))
# docs/deploy.md's web process: workers = cores, 8 threads each.
GUNICORN = (
    *("--workers", "2", "--threads", "8", "--worker-class", "gthread", "--keep-alive", "5"),
    *("--timeout", "30", "--graceful-timeout", "30"),
    *("--max-requests", "1000", "--max-requests-jitter", "100", "--log-level", "warning"),
)
GUNICORN_OPTIONS = tuple(os.environ.get("BENCH_STAFF_GUNICORN", "").split()) or GUNICORN
LOG_MARKS = {
    "database is locked": "database is locked",
    "tracebacks": "Traceback (most recent call last)",
    "server errors": "Internal Server Error",
}


def shell(processes: Processes, code: str) -> str:
    return processes.manage("shell", "-c", f"from bench.staff_load_db import *\n{code}")


def fresh_postgres(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Logs:
    """What the servers wrote to their logs since the last look."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.seen = folder, dict[Path, int]()

    def new_marks(self) -> dict[str, int]:
        found = dict.fromkeys(LOG_MARKS, 0)
        for log in sorted(self.folder.glob("*.log")):
            text = log.read_bytes()[self.seen.get(log, 0) :].decode(errors="replace")
            self.seen[log] = self.seen.get(log, 0) + len(text.encode())
            for name, mark in LOG_MARKS.items():
                found[name] += text.count(mark)
        return found


def cpu_seconds(roots: list[int]) -> dict[str, float]:
    """CPU time (user + system, children waited for included) of the web server and the
    worker processes under ``roots``, by what each runs."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    totals = {"web": 0.0, "worker": 0.0}
    stack = list(roots)
    while stack:
        pid = stack.pop()
        stack.extend(parents.get(pid, []))
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = "worker" if "qcluster" in command else "web"
        if "runserver" in command or "gunicorn" in command or "qcluster" in command:
            # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
            totals[kind] += sum(int(v) for v in fields[11:15]) / tick
    return totals


def start_sqlite(processes: Processes, port: int) -> list[int]:
    processes.command("serve", "serve", "--addr", f"127.0.0.1:{port}", "--no-demo")
    return [processes.children[-1].pid]  # serve's children: web, cluster, retry clock


def start_postgres(processes: Processes, port: int) -> list[int]:
    processes.manage("collectstatic", "--noinput")
    web = processes.gunicorn("web", port, *GUNICORN_OPTIONS)
    cluster = processes.cluster()
    processes.retry_clock()
    return [web.pid, cluster.pid]


def backend_run(backend: str, password: str) -> list[dict[str, Any]]:
    log_dir = ROOT / "var" / "bench-logs" / f"staff-{backend}"
    shutil.rmtree(log_dir, ignore_errors=True)
    workdir = Path(tempfile.mkdtemp(prefix="leadhub-staff-"))
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'db.sqlite3'}"
    else:
        url = DATABASE
        fresh_postgres(url)
    # DEBUG off on both: production's, and `make run`'s default.
    processes = Processes(env=child_env(url, DEBUG="false"), log_dir=log_dir)
    runs = []
    try:
        processes.manage("migrate", "--noinput", timeout=600)
        processes.manage("createcachetable")
        shell(processes, f"staff_ensure({max(SESSIONS)}, {password!r})")
        port = PORT or free_port()
        base_url = f"http://127.0.0.1:{port}"
        if backend == "sqlite":
            roots = start_sqlite(processes, port)
            _wait_up(base_url, processes)
            shell(processes, f"demo_ensure({base_url!r})")
        else:
            sandbox_port = PORT + 1 if PORT else free_port()
            processes.sandbox(sandbox_port)
            shell(processes, f"demo_ensure('http://127.0.0.1:{sandbox_port}')")
            roots = start_postgres(processes, port)
        logs = Logs(log_dir)
        logs.new_marks()
        for think in THINKS:
            for count in SESSIONS:
                runs.append(
                    level_run(backend, count, think, base_url, password, processes, roots, logs)
                )
    finally:
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return runs


def _wait_up(base_url: str, processes: Processes) -> None:
    wait_for_http(f"{base_url}/healthz", processes.children[-1], timeout=180)


def level_tag(backend: str, count: int) -> str:
    """A new tag whose phone digits no earlier level of this run used: two levels with the
    same digits would send the same phones, refused as duplicates (run_digits)."""
    while True:
        tag = f"{backend[:2]}{count}{secrets.token_hex(3)}"
        if run_digits(tag) not in USED_DIGITS:
            USED_DIGITS.add(run_digits(tag))
            return tag


USED_DIGITS: set[str] = set()


def level_run(
    backend: str,
    count: int,
    think: float,
    base_url: str,
    password: str,
    processes: Processes,
    roots: list[int],
    logs: Logs,
) -> dict[str, Any]:
    destinations = [d.strip() for d in DESTINATIONS.split(";") if d.strip()]
    tag = level_tag(backend, count)
    flow = Flow(base_url=base_url, destinations=destinations, tag=tag, think=think)
    logins = [(staff_username(n), password) for n in range(1, count + 1)]
    load = os.getloadavg()
    cpu_before: dict[str, float] = {}
    result = sessions_run(flow, logins, SECONDS, lambda: cpu_before.update(cpu_seconds(roots)))
    ended_at = time.time()
    cpu_after = cpu_seconds(roots)
    confirmed = Path(tempfile.mkstemp(suffix=".json")[1])
    confirmed.write_text(json.dumps(result.tally.confirmed))
    try:
        check = json.loads(
            shell(
                processes,
                f"run_check({str(confirmed)!r}, {tag!r}, {len(destinations)}, {ended_at}, "
                f"{DRAIN_SECONDS})",
            )
            .strip()
            .splitlines()[-1]
        )
    finally:
        confirmed.unlink()
    figures = {
        "backend": backend,
        "sessions": count,
        "think": think,
        "seconds": result.seconds,
        "load": load,
        "cpu": {k: cpu_after[k] - cpu_before[k] for k in cpu_after},
        "result": result,
        "check": check,
        "log": logs.new_marks(),
    }
    print(summary_line(figures), file=sys.stderr)
    return figures


def summary_line(f: dict[str, Any]) -> str:
    result: RunResult = f["result"]
    overall = page_figures(result)[-1]
    return (
        f"{f['backend']} x{f['sessions']} think {f['think']:g}: {result.tally.requests} "
        f"requests, {result.rate:.1f}/s, p50 {overall[2]:.0f} ms, p95 {overall[3]:.0f} ms, "
        f"web CPU {cpu_per_request(f):.1f} ms/request, "
        f"{result.tally.error_count} errors {dict(result.tally.errors)}, "
        f"log {f['log']}, check {f['check']}"
    )


def cpu_per_request(f: dict[str, Any]) -> float:
    """Web processes' CPU per request in ms (the sandbox's, served by the same SQLite
    server, included there)."""
    requests = f["result"].tally.requests
    return f["cpu"]["web"] * 1000 / requests if requests else 0.0


def main() -> str:
    password = secrets.token_urlsafe(16)
    runs = [run for backend in BACKENDS for run in backend_run(backend, password)]
    report = markdown(runs)
    print(report)
    return report


def markdown(runs: list[dict[str, Any]]) -> str:
    web = " ".join(GUNICORN_OPTIONS)
    lines = [
        "## Staff load (bench/bench_staff_load.py)",
        "",
        "`make bench BENCH=bench_staff_load` (BENCH_STAFF_SESSIONS, BENCH_STAFF_SECONDS, "
        "BENCH_STAFF_THINK_SECONDS, BENCH_STAFF_BACKENDS). Each session is its own sales user "
        f"looping the lead flow for {SECONDS:g} s: dashboard, Leads → Add, the destination "
        f"({DESTINATIONS}), the generated form, Preview, Confirm, the lead page, its status "
        "poll (2 s apart while pending, at most 3), a search of the lead list for the lead. "
        "Think: the mean pause before each page a person clicks to (drawn between half and "
        "one and a half times it); 0.6 s gives the pacing the targets were set on (10 people, "
        "about 13 requests/s), 0 is the no-pauses mode. SQLite: `manage.py serve` (what "
        "`make run` starts, the sandbox in the same server); PostgreSQL: gunicorn "
        f"(`{web}`), `qcluster` (2 workers) and `retry_clock`, the sandbox on its own "
        "gunicorn. Web CPU per request: the web processes' CPU over the requests served.",
        "",
        "| database | sessions | think s | requests | req/s | p50 / p95 ms | errors "
        "| locked in log | confirmed / created | lost / doubled | pending at end "
        "| drained in s | CPU s web / worker | web CPU ms / request | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in runs:
        r: RunResult = f["result"]
        c = f["check"]
        overall = page_figures(r)[-1]
        drained = (
            f"not in {DRAIN_SECONDS:g} ({c['pending_left']} left)"
            if c["drain_seconds"] is None
            else f"{c['drain_seconds']:.1f}"
        )
        lines.append(
            f"| {f['backend']} | {f['sessions']} | {f['think']:g} | {r.tally.requests} | "
            f"{r.rate:.1f} | {overall[2]:.0f} / {overall[3]:.0f} | "
            f"{r.tally.error_count + r.tally.login_errors} | {f['log']['database is locked']} "
            f"| {c['confirmed']} / {c['created']} | {len(c['lost'])} / {len(c['doubled'])} | "
            f"{c['pending_at_start']} | {drained} | "
            f"{f['cpu']['web']:.0f} / {f['cpu']['worker']:.0f} | {cpu_per_request(f):.1f} | "
            f"{' '.join(f'{x:.1f}' for x in f['load'])} |"
        )
    lines += ["", "p50 / p95 ms per page:", ""]
    lines.append("| database | sessions | think s | " + " | ".join(PAGES) + " |")
    lines.append("|---|---|---|" + "---|" * len(PAGES))
    for f in runs:
        by_page = {page: (p50, p95) for page, _, p50, p95 in page_figures(f["result"])}
        cells = [
            f"{by_page[p][0]:.0f} / {by_page[p][1]:.0f}" if p in by_page else "—" for p in PAGES
        ]
        lines.append(
            f"| {f['backend']} | {f['sessions']} | {f['think']:g} | " + " | ".join(cells) + " |"
        )
    errors = [
        f"- {f['backend']} x{f['sessions']} think {f['think']:g}: {what} (x{n})"
        for f in runs
        for what, n in sorted(f["result"].tally.errors.items())
    ]
    lines += ["", "Errors:" if errors else "No errors.", *errors]
    targets = (target_line(runs, backend, count, p95) for backend, count, p95 in TARGETS)
    lines += [line for line in targets if line]
    return "\n".join(lines)


# (database, sessions, p95 ms) at the default pacing: a sales floor on PostgreSQL, and the
# small desk `make run` is for.
TARGETS = (("postgresql", 50, 300.0), ("sqlite", 25, 500.0))


def target_line(runs: list[dict[str, Any]], backend: str, count: int, p95: float) -> str:
    paced = THINKS[0]
    for f in runs:
        if (f["backend"], f["sessions"], f["think"]) == (backend, count, paced):
            r, c = f["result"], f["check"]
            failed = r.tally.error_count + r.tally.login_errors + f["log"]["database is locked"]
            measured = page_figures(r)[-1][3]
            held = not failed and not c["lost"] and not c["doubled"] and measured <= p95
            return (
                f"\nTarget: {backend} holds {count} sessions (think {paced:g} s) at p95 ≤ "
                f"{p95:g} ms with zero errors: "
                f"{'met' if held else 'MISSED'} (p95 {measured:.0f} ms, {failed} errors)."
            )
    return ""


if __name__ == "__main__":
    main()
