"""Real processes for delivery tests and the benchmark: the sandbox served by gunicorn on
loopback and django-q2 clusters (``manage.py qcluster``), all on one PostgreSQL database.

Children run with LeadHub's own settings (not the test settings: no inline tasks), each in
its own process group so a SIGKILL takes a whole cluster down at once, as a crash would.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
LEADBYTE_KEY = "process-leadbyte-key-000001"

# Inherited variables that would change what a child runs against.
_SCRUB = ("DATABASE_URL", "REDIS_URL", "Q_BROKER", "Q_SYNC", "DJANGO_SETTINGS_MODULE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL for the database Django is using now (the test database in tests)."""
    user = quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def child_env(database: str, **overrides: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "leadhub.settings",
            "LEADHUB_ENV": "local",
            "DATABASE_URL": database,
            "SANDBOX_ENABLED": "true",
            "LOG_LEVEL": "WARNING",
            "Q_LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({k: str(v) for k, v in overrides.items()})
    return env


@dataclass
class Processes:
    """Start, kill and stop the children of one test or benchmark run."""

    env: dict[str, str]
    log_dir: Path
    children: list[subprocess.Popen] = field(default_factory=list)

    def _spawn(self, name: str, command: list[str], env: Mapping[str, str] | None = None):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the child
        child = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(env or self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.log = log  # type: ignore[attr-defined]
        self.children.append(child)
        return child

    def sandbox(self, port: int, workers: int = 2, threads: int = 8) -> subprocess.Popen:
        """The sandbox (all of LeadHub, in fact) served by gunicorn on loopback."""
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        child = self._spawn(
            "sandbox",
            [
                gunicorn,
                "leadhub.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
        )
        wait_for_http(f"http://127.0.0.1:{port}/healthz", child)
        return child

    def cluster(self, name: str = "cluster", **env: Any) -> subprocess.Popen:
        return self._spawn(
            name,
            [sys.executable, MANAGE, "qcluster"],
            {**self.env, **{k: str(v) for k, v in env.items()}},
        )

    def gunicorn(self, name: str, port: int, *options: str) -> subprocess.Popen:
        """LeadHub served by gunicorn with these options (docs/deploy.md's, say)."""
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        child = self._spawn(
            name, [gunicorn, "leadhub.wsgi:application", "--bind", f"127.0.0.1:{port}", *options]
        )
        wait_for_http(f"http://127.0.0.1:{port}/healthz", child)
        return child

    def command(self, name: str, *args: str) -> subprocess.Popen:
        """A long-running manage.py command (``serve``, say) as a child, logged as ``name``."""
        return self._spawn(name, [sys.executable, MANAGE, *args])

    def retry_clock(self) -> subprocess.Popen:
        return self._spawn("retry-clock", [sys.executable, MANAGE, "retry_clock"])

    def manage(self, *args: str, timeout: float = 300, **env: Any) -> str:
        result = subprocess.run(
            [sys.executable, MANAGE, *args],
            cwd=ROOT,
            env={**self.env, **{k: str(v) for k, v in env.items()}},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def kill(self, child: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Kill a child's whole process group (a cluster's workers die with it)."""
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, sig)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        # Workers may outlive the group leader for a moment: make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        # Clusters are killed outright: the run is over, and a graceful stop waits out its
        # timeouts; the web server stops gracefully.
        for child in reversed(self.children):
            cluster = "qcluster" in child.args
            self.kill(child, signal.SIGKILL if cluster else signal.SIGTERM)
            child.log.close()
        self.children.clear()


def wait_for_http(url: str, child: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            raise RuntimeError(f"the server exited with {child.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def lead_payload(n: int, run: str = "") -> dict[str, str]:
    """A valid LeadByte lead, unique by email and phone."""
    return {
        "campid": "EXAMPLE-CAMPAIGN",
        "sid": "1",
        "email": f"lead{n}.{run}@example.com" if run else f"lead{n}@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "data13": "Volvo",
        "phone1": f"0791{n:07d}",
    }


SEED_SNIPPET = """
from django.db import transaction
from leadhub.models import Lead
from leadhub.delivery.outbox import submission_create, submissions_enqueue_many
from tests.processes import lead_payload
from vendors.models import Destination
destination = Destination.objects.get(pk={destination})
created = []
for start in range(0, {count}, 100):
    with transaction.atomic():
        for n in range(start, min(start + 100, {count})):
            lead = Lead.objects.create(first_name="Ada", last_name=f"Lovelace {{n}}")
            created.append(submission_create(
                lead=lead, destination=destination, payload=lead_payload(n, "{run}")).pk)
for again in range({extra_enqueues}):
    with transaction.atomic():
        submissions_enqueue_many(created)
print(len(created))
"""


def seed(
    processes: Processes, destination_id: int, count: int, run: str = "", extra_enqueues: int = 0
) -> None:
    """Create and enqueue ``count`` submissions the product's way, in a child process (so
    the tasks go to the real broker, not inline)."""
    code = SEED_SNIPPET.format(
        destination=destination_id, count=count, run=run, extra_enqueues=extra_enqueues
    )
    processes.manage("shell", "-c", code)


def jitter(low: float, high: float) -> float:
    return random.uniform(low, high)
