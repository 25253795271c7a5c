"""`make screenshots`: docs/screenshots/*.png at 1366 px, from the demo in a throwaway database.

The demo (leadhub/demo.py) is set up by `manage.py serve` itself, on a SQLite file in a
temporary directory, on a free port, with its own logins (the demo's logins file is never
written). A lead is then sent through the admin as sales staff would, and each page is saved.
Needs Playwright and Debian's Chromium, as the browser tests do.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("LEADHUB_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1366, 768
LEADBYTE = "LeadByte · Example Campaign A"
GETLEAD = "Getlead · Website enquiry"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'screenshots.sqlite3'}",
        Q_BROKER="orm",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="leadhub.settings",
        Q_CLUSTER_NAME=f"screenshots-{os.getpid()}",
        # LeadByte's queue is asked soon, so the lead page shows its verdict.
        SUBMISSION_OUTCOME_CHECK_DELAYS="1",
    )
    return env


def logins_create(env: dict[str, str]) -> str:
    """The demo's two users, made before `serve` so it never writes var/demo-logins.txt."""
    password = secrets.token_urlsafe(12)
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from leadhub.demo import sales_staff_grant\n"
        "User = get_user_model()\n"
        "import os\n"
        "p = os.environ['SHOT_PASSWORD']\n"
        "User.objects.create_superuser('admin', 'admin@example.com', p)\n"
        "sales_staff_grant(User.objects.create_user('sales', 'sales@example.com', p,"
        " first_name='Sam', last_name='Seller'))\n"
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    # Our own interpreter and manage.py, with fixed arguments.
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", script],
        env={**env, "SHOT_PASSWORD": password},
        check=True,
        cwd=ROOT,
    )
    return password


def wait_for(url: str, server: subprocess.Popen, text: str = "", seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("The demo server stopped before it was up.")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our loopback
                if text in answer.read().decode():
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"The demo server did not answer {url} in {seconds:.0f} s.")


def destinations_wait(database: Path, server: subprocess.Popen, seconds: float = 120) -> None:
    """serve sets up the destinations once the web server answers, the API keys last."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("The demo server stopped before its demo was set up.")
        with sqlite3.connect(database) as db:
            if db.execute("SELECT count(*) FROM leadhub_api_apikey").fetchone()[0]:
                return
        time.sleep(0.5)
    raise SystemExit("The demo's destinations were not set up in time.")


def sample_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First name", "Surname", "E-mail", "Mobile"])
    writer.writerow(["Grace", "Hopper", "grace@example.com", "07911 123457"])
    writer.writerow(["Alan", "Turing", "alan@example.com", "07911 123458"])
    return out.getvalue().encode()


def take(page: Any, base: str, password: str, workdir: Path) -> None:
    def shot(name: str, whole: bool = False) -> None:
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=whole)
        print(f"  docs/screenshots/{name}.png")

    page.goto(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")

    page.goto(f"{base}/admin/leadhub/lead/add/")
    page.get_by_label(LEADBYTE).check()
    page.get_by_label(GETLEAD).check()
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_first_name").fill("Ada")
    page.locator("#id_last_name").fill("Lovelace")
    page.locator("#id_email").fill("ada@example.com")
    page.locator("#id_phone").fill("07911 123456")
    page.locator('[name$="__data13"]').fill("Volvo")
    page.locator('[name$="__gender"]').select_option(label="Female")
    page.locator('[name$="__dob"]').fill("1990-12-31")
    # The form from its top, where the contact fields and the required marks begin.
    page.locator("#id_first_name").focus()
    page.evaluate("window.scrollTo(0, 0)")
    shot("lead-form")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=Confirm and send")
    shot("preview")
    page.get_by_role("button", name="Confirm and send").click()
    page.wait_for_selector('#lh-submissions[data-pending="0"]', timeout=90_000)
    lead_url = page.url
    page.goto(f"{base}/admin/leadhub/submission/")
    shot("submissions")
    page.goto(f"{base}/admin/")
    shot("dashboard", whole=True)
    page.goto(f"{base}/admin/vendors/connection/")
    shot("connections")

    # LeadByte's verdict comes with the dispatcher's next minute: wait for it, a while.
    for _ in range(40):
        page.goto(lead_url)
        if "Queued" not in (page.locator(".lh-vendor-outcome").all_inner_texts() or ["Queued"])[0]:
            break
        page.wait_for_timeout(3000)
    shot("lead-page", whole=True)
    page.locator("#lh-submissions a[href*='/submission/']").last.click()
    page.wait_for_selector("h1")
    shot("submission-page", whole=True)

    upload = workdir / "leads.csv"
    upload.write_bytes(sample_csv())
    page.goto(f"{base}/admin/leadhub_imports/importjob/add/")
    page.get_by_label(LEADBYTE).check()
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and continue").click()
    page.wait_for_selector("text=Match the columns")
    shot("import-mapping", whole=True)


def main() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"No Chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leadhub-screenshots-") as tmp:
        workdir = Path(tmp)
        env = demo_environment(workdir)
        password = logins_create(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(ROOT / "manage.py"), "serve", "--addr", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(workdir / "serve.log").open("w"),
            start_new_session=True,
        )
        try:
            wait_for(f"{base}/healthz", server)
            destinations_wait(workdir / "screenshots.sqlite3", server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                )
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB")
                page.set_default_timeout(30_000)
                print(f"Screenshots at {WIDTH} px from the demo on {base}:")
                take(page, base, password, workdir)
                browser.close()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


if __name__ == "__main__":
    main()
