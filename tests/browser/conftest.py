"""Browser tests: the real admin on pytest-django's live server, in Debian's headless Chromium.

Playwright is pinned to the release whose Chromium matches Debian's (see pyproject.toml);
no browser is ever downloaded. Without Chromium these tests skip with the reason, unless
LEADHUB_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadhub.demo import sales_staff_grant

# Playwright's sync API keeps an event loop running in the main thread, which makes
# Django's ORM refuse to run there. Only ever set for tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("LEADHUB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
PHASE_REPORTS = pytest.StashKey[dict]()

try:
    import pytest_playwright  # noqa: F401

    HAVE_PLAYWRIGHT = True
except ImportError:
    HAVE_PLAYWRIGHT = False


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not HAVE_PLAYWRIGHT:
        return "Playwright is not installed (pip install -e '.[dev]')."
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"No Chromium at {CHROMIUM}: install Debian's with "
            "`apt-get install -y chromium chromium-driver` (never a downloaded browser)."
        )
    return None


def require_browser() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("LEADHUB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LEADHUB_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
    pytest.skip(f"Browser tests skipped: {reason}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


if HAVE_PLAYWRIGHT:

    @pytest.fixture(scope="session")
    def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
        require_browser()
        return {
            **browser_type_launch_args,
            "executable_path": CHROMIUM,
            "headless": True,
            "args": LAUNCH_ARGS,
        }

else:

    @pytest.fixture
    def page() -> None:
        require_browser()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest, page: Any) -> Iterator[None]:
    """A full-page screenshot and the HTML of a failing test, in test-artifacts/."""
    page.set_default_timeout(TIMEOUT_MS)
    yield
    report = request.node.stash.get(PHASE_REPORTS, {}).get("call")
    if report is None or not report.failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    ARTIFACTS.chmod(0o755)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    shot = ARTIFACTS / f"{stem}.png"
    page.screenshot(path=str(shot), full_page=True)
    html = ARTIFACTS / f"{stem}.html"
    html.write_text(page.content())
    for path in (shot, html):
        path.chmod(0o644)  # readable by whoever collects the CI artifacts
    print(f"\nScreenshot of the failure: {shot}")


class ConsoleLog:
    """Console messages and page errors, to prove no page broke the CSP."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.page_errors: list[str] = []

    @property
    def csp_violations(self) -> list[str]:
        return [
            m
            for m in self.messages
            if "Content Security Policy" in m or "Content-Security-Policy" in m
        ]


@pytest.fixture
def console(page: Any) -> ConsoleLog:
    log = ConsoleLog()
    page.on("console", lambda message: log.messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    return log


SALES_PASSWORD = "sales-staff-password-123"


@pytest.fixture
def sales_user(django_user_model: Any) -> Any:
    """A member of the Sales staff role: sees only the leads they own."""
    user = django_user_model.objects.create_user("sally", "sally@example.com", SALES_PASSWORD)
    sales_staff_grant(user)
    return user


@pytest.fixture
def sales_page(page: Any, live_server: Any, sales_user: Any) -> Any:
    """The browser, logged in as ``sales_user``, on the admin's home."""
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(sales_user.username)
    page.get_by_label("Password").fill(SALES_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    return page
