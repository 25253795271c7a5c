"""`make run`: migrate, set up the demo, and run the web server and the worker together.

The web server, the django-q2 cluster and the retry clock run as child processes, each in
its own process group; Ctrl-C (or SIGTERM) stops them all and waits for them, so nothing is
left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from leadhub.demo import (
    demo_api_keys_ensure,
    demo_channel_ensure,
    demo_connections_ensure,
    demo_destinations_ensure,
    demo_users_ensure,
)

# The web server: two processes of eight threads each. One Python process uses one core at
# most (the GIL), and Django's development server is one process: a desk of 25 people waited
# seconds for pages there. Two processes use both cores of a small machine; SQLite stays
# safe with several writers (WAL, transactions that take the write lock up front, a busy
# timeout), as it already was with the worker cluster's processes beside the web server.
GUNICORN = (
    *("--workers", "2", "--threads", "8", "--worker-class", "gthread"),
    *("--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning"),
    # Longer than the lead page's 2 s poll, so a poll does not meet a connection just closed.
    *("--keep-alive", "5"),
)


class Command(BaseCommand):
    help = "Run LeadHub locally: web server and django-q2 cluster, with the sandbox demo."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true", help="Skip the sandbox demo setup")
        parser.add_argument(
            "--runserver",
            action="store_true",
            help="Serve with Django's development server instead of gunicorn",
        )

    def handle(self, *args: Any, addr: str, no_demo: bool, runserver: bool, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "`serve` is the local runner; use gunicorn and qcluster in production"
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        base_url = f"http://{addr}"
        demo = settings.SANDBOX_ENABLED and not no_demo
        if demo:
            demo_users_ensure(self.say)
            demo_connections_ensure(base_url)
            demo_channel_ensure(self.say)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        web = (
            [*manage, "runserver", addr, "--noreload", "--skip-checks"]
            if runserver
            else [
                str(Path(sys.executable).with_name("gunicorn")),
                "leadhub.wsgi:application",
                *("--bind", addr, *GUNICORN),
            ]
        )
        # DEBUG is off unless asked for (DEBUG=true): it keeps every query in memory and
        # costs a sales desk's pages a third more CPU.
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "false")}
        # Our own interpreter and manage.py; each child leads its own process group.
        children = [
            subprocess.Popen(command, start_new_session=True, env=env)  # noqa: S603
            for command in (web, [*manage, "qcluster"], [*manage, "retry_clock"])
        ]
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            if self._wait_until_up(base_url, children) and demo:
                demo_destinations_ensure(self.say)
                demo_api_keys_ensure(self.say)
            self.say(f"LeadHub is running: {base_url}/admin/")
            self.say("Ctrl-C stops the web server and the worker.")
            parent = os.getppid()
            # Stop with the children gone, or with the parent (make) gone: nothing is orphaned.
            while (
                not stopping and os.getppid() == parent and all(c.poll() is None for c in children)
            ):
                time.sleep(0.5)
        finally:
            self._stop(children)

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _wait_until_up(self, base_url: str, children: list[subprocess.Popen]) -> bool:
        for _ in range(120):
            if any(c.poll() is not None for c in children):
                return False
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):  # noqa: S310 - our own loopback URL
                    return True
            except OSError:
                time.sleep(0.25)
        return False

    def _stop(self, children: list[subprocess.Popen]) -> None:
        # SIGTERM the leaders only: the cluster stops its own workers in order, which a
        # signal to the whole group would pre-empt. The group is killed only if they hang.
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.say("Stopped the web server and the worker.")
