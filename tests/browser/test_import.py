"""A sales staff member imports a CSV file: a file of bad rows is stopped at the preview; a
file with some bad rows says how many go in, and the finished import says what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadhub.imports.models import ImportJob
from leadhub.models import Lead
from tests.leadhub.test_imports import HEADER, csv_bytes, person
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest skips (or fails) every test here
    Page = object  # type: ignore[assignment,misc]


@pytest.fixture
def no_pushes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The imported leads' submissions stay queued: this test is about the import."""
    monkeypatch.setattr("leadhub.delivery.outbox.async_task", lambda *args, **kwargs: None)


def upload_and_map(
    page: Page, base: str, tmp_path: Path, destination: Destination, bad: int
) -> None:
    rows = [person(n) for n in range(5)]
    for row in rows[:bad]:
        row[2] = "not-an-email"
    csv_file = tmp_path / "leads.csv"
    csv_file.write_bytes(csv_bytes([HEADER, *rows]))
    page.goto(f"{base}/admin/leadhub_imports/importjob/add/")
    page.get_by_label(destination.name).check()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.locator("h1")).to_have_text("Match the columns")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("h1")).to_have_text("Check before importing")


def test_a_file_of_bad_rows_cannot_be_imported(
    sales_page: Page, live_server, tmp_path: Path, campaign_destination: Destination
) -> None:
    upload_and_map(sales_page, live_server.url, tmp_path, campaign_destination, bad=5)
    verdict = sales_page.locator("#lh-import-verdict")
    expect(verdict).to_contain_text(
        "None of the 5 rows can be imported: fix the file and upload it again."
    )
    expect(verdict).to_contain_text("Email: Enter a valid email address. (5 rows)")
    expect(sales_page.get_by_role("button", name="Import")).to_have_count(0)
    sales_page.get_by_role("link", name="Upload a file again").click()
    expect(sales_page.locator("h1")).to_have_text("Import leads from a CSV file")
    assert ImportJob.objects.get().status == ImportJob.Status.MAPPING


def test_a_file_with_some_bad_rows_imports_the_rest_and_says_so(
    sales_page: Page,
    live_server,
    tmp_path: Path,
    campaign_destination: Destination,
    no_pushes: None,
) -> None:
    upload_and_map(sales_page, live_server.url, tmp_path, campaign_destination, bad=2)
    expect(sales_page.locator("#lh-import-verdict")).to_contain_text(
        "2 of the 5 rows would be left out"
    )
    sales_page.get_by_role("button", name="Import 3 rows (2 left out)").click()
    outcome = sales_page.locator(".lh-import-outcome li")
    expect(outcome).to_have_text("Done: 3 leads imported, 2 rows left out.")
    expect(outcome).to_have_class("warning")
    expect(sales_page.locator("progress")).to_have_count(0)
    expect(sales_page.get_by_role("link", name="Download the rows left out")).to_be_visible()
    assert Lead.objects.count() == 3
