"""What the import preview offers and what a finished import says, for good and bad files."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadhub.imports.models import ImportJob
from leadhub.imports.services import import_job_run
from leadhub.imports.verdicts import PreviewVerdict, preview_verdict
from leadhub.models import Lead
from tests.leadhub.test_imports import HEADER, csv_bytes, make_job, map_job, person, upload
from vendors.models import Destination

BAD_EMAIL = "not-an-email"


def twenty_rows(bad: int) -> list[list[str]]:
    rows = [person(n) for n in range(20)]
    for row in rows[:bad]:
        row[2] = BAD_EMAIL
    return [HEADER, *rows]


def preview_page(client, destination: Destination, rows: list[list[str]]) -> tuple[ImportJob, str]:
    upload(client, destination, csv_bytes(rows))
    job = ImportJob.objects.get()
    map_job(job, destination)
    response = client.get(reverse("admin:leadhub_imports_importjob_preview", args=[job.pk]))
    assert response.status_code == 200
    return job, response.content.decode()


def test_a_preview_whose_rows_all_fail_offers_no_import(
    admin_client, campaign_destination: Destination
) -> None:
    job, html = preview_page(admin_client, campaign_destination, twenty_rows(bad=20))
    assert "None of the 20 rows can be imported: fix the file and upload it again." in html
    assert "Email: Enter a valid email address. <span" in html  # the reason, once
    assert "(20 rows)" in html
    assert '<input type="submit"' not in html and "Import 20 rows" not in html
    assert "Upload a file again" in html

    # Posting anyway (an old tab, a double click) starts nothing.
    url = reverse("admin:leadhub_imports_importjob_preview", args=[job.pk])
    assert admin_client.post(url).status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.MAPPING


def test_a_preview_with_some_bad_rows_says_how_many_go_in(
    admin_client, campaign_destination: Destination
) -> None:
    _, html = preview_page(admin_client, campaign_destination, twenty_rows(bad=4))
    assert 'value="Import 16 rows (4 left out)"' in html
    assert "4 of the 20 rows would be left out" in html
    assert "(4 rows)" in html


def test_a_clean_preview_imports_every_row(admin_client, campaign_destination) -> None:
    _, html = preview_page(admin_client, campaign_destination, twenty_rows(bad=0))
    assert 'value="Import 20 rows"' in html
    assert "All of the 20 rows are ready to import." in html


class Row:
    def __init__(self, *errors: str) -> None:
        self.errors = list(errors)


@pytest.mark.parametrize(
    ("rows", "label", "importable"),
    [
        ([Row(), Row("x")], "Import the rows without errors", True),
        ([Row(), Row()], "Import 1,000 rows", True),
        ([Row("x"), Row("x")], None, False),
    ],
    ids=["some-bad", "all-good", "all-bad"],
)
def test_a_file_longer_than_its_preview_promises_no_exact_count(
    rows: list[Row], label: str | None, importable: bool
) -> None:
    verdict = preview_verdict(1000, rows)
    assert verdict.importable is importable
    if importable:
        assert verdict.button_label == label
    else:
        assert verdict.headline.startswith("None of the first 2 rows can be imported")


def test_reasons_are_counted_once_per_row_commonest_first() -> None:
    verdict = preview_verdict(3, [Row("a", "b", "a"), Row("b"), Row()])
    assert verdict == PreviewVerdict(total=3, checked=3, failing=2, reasons=[("b", 2), ("a", 1)])
    assert verdict.button_label == "Import 1 row (2 left out)"


def progress(client, job: ImportJob) -> str:
    url = reverse("admin:leadhub_imports_importjob_change", args=[job.pk])
    return client.get(url).content.decode()


def test_an_import_that_imports_nothing_ends_with_a_warning(
    admin_client, campaign_destination: Destination
) -> None:
    job = make_job(campaign_destination, twenty_rows(bad=20))
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    assert not Lead.objects.exists()
    html = progress(admin_client, job)
    assert '<li class="warning">Nothing was imported: all 20 rows were left out.' in html
    assert "<strong>Done</strong>" not in html
    assert "<progress" not in html  # no full bar for a finished import


def test_a_finished_import_says_what_went_in(admin_client, campaign_destination) -> None:
    job = make_job(campaign_destination, twenty_rows(bad=4))
    import_job_run(job_id=job.pk)
    html = progress(admin_client, job)
    assert '<li class="warning">Done: 16 leads imported, 4 rows left out.</li>' in html

    clean = make_job(campaign_destination, twenty_rows(bad=0))
    # The same people again: imported only because the duplicates were asked for.
    ImportJob.objects.filter(pk=clean.pk).update(send_duplicates=True)
    import_job_run(job_id=clean.pk)
    assert '<li class="success">Done: 20 leads imported.</li>' in progress(admin_client, clean)
