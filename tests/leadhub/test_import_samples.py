"""The import's helpers: a CSV template per destination, and each column's first values."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from leadhub.imports.models import ImportJob
from tests.leadhub.test_imports import HEADER, csv_bytes, person, upload
from vendors.models import Destination

pytestmark = pytest.mark.django_db


def template_of(client, destination: Destination) -> tuple[bytes, list[list[str]]]:
    url = reverse("admin:leadhub_imports_importjob_template", args=[destination.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    data = b"".join(response.streaming_content)
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_upload_page_offers_a_template_per_destination(
    admin_client, campaign_destination: Destination
) -> None:
    page = admin_client.get(reverse("admin:leadhub_imports_importjob_add")).content.decode()
    url = reverse("admin:leadhub_imports_importjob_template", args=[campaign_destination.pk])
    assert f'href="{url}"' in page


def test_a_template_maps_itself_and_its_sample_row_imports(
    admin_client, campaign_destination: Destination
) -> None:
    data, rows = template_of(admin_client, campaign_destination)
    header, sample = rows
    assert header[:4] == ["First name", "Last name", "Email", "Phone"]
    assert len(sample) == len(header) and sample[0] == "Ada"

    upload(admin_client, campaign_destination, data, name="template.csv")
    job = ImportJob.objects.get()
    map_url = reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
    form = admin_client.get(map_url).context["form"]
    chosen = {key: value for key, value in form.initial.items() if value}
    assert all(chosen.get(t.key) for t in form.targets if t.required), "a column left unmatched"
    assert admin_client.post(map_url, chosen).status_code == 302

    preview = admin_client.get(reverse("admin:leadhub_imports_importjob_preview", args=[job.pk]))
    verdict = preview.context["verdict"]
    assert verdict.importable
    assert [row.errors for row in preview.context["rows"]] == [[]]


def test_an_unoffered_destination_has_no_template(admin_client, db) -> None:
    url = reverse("admin:leadhub_imports_importjob_template", args=[999_999])
    assert admin_client.get(url).status_code == 404


def test_the_mapping_shows_each_column_with_its_first_values(
    admin_client, campaign_destination: Destination
) -> None:
    upload(admin_client, campaign_destination, csv_bytes([HEADER, *map(person, range(4))]))
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("admin:leadhub_imports_importjob_map", args=[job.pk]))
    html = page.content.decode()
    assert "Email (ada0@example.com, ada1@example.com, ada2@example.com)" in html
    assert "Phone (empty)" in html
    # Each destination's fields under its own name, labelled by the field alone.
    assert f"<h2>{campaign_destination.name}</h2>" in html
