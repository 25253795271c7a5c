"""Lead and submission lists: phone search, CSV export, query counts, estimated counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadhub.admin import changelists
from leadhub.admin.changelists import EstimatedCountPaginator, _formatted, phone_query
from leadhub.models import Attempt, Lead, Submission
from leadhub.statuses import SubmissionStatus
from tests.factories import DestinationFactory, LeadFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

LEADS = reverse("admin:leadhub_lead_changelist")
SUBMISSIONS = reverse("admin:leadhub_submission_changelist")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_class.reltuples exists only on PostgreSQL"
)


def exported(response) -> list[list[str]]:
    assert response.streaming, "the export must stream, not build the file in memory"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads accents right with the BOM
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


# --- Phone search ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "07911 123456",
        "07911123456",
        "+44 7911 123456",
        "+447911123456",
        "0044 7911 123456",
        "(07911) 123-456",
        "+44 (0)7911 123456",
    ],
)
def test_a_phone_in_any_format_finds_the_lead(admin_client, typed: str) -> None:
    wanted = LeadFactory(first_name="Ada", phone="07911 123456", phone_e164="+447911123456")
    LeadFactory(first_name="Bob", phone="07400 123456", phone_e164="+447400123456")
    response = admin_client.get(LEADS, {"q": typed})
    assert list(response.context["cl"].result_list) == [wanted]
    submission = SubmissionFactory(lead=wanted)
    SubmissionFactory(lead=Lead.objects.get(first_name="Bob"))
    response = admin_client.get(SUBMISSIONS, {"q": typed})
    assert list(response.context["cl"].result_list) == [submission]


def test_a_search_that_is_not_a_phone_searches_names_email_and_company(admin_client) -> None:
    ada = LeadFactory(first_name="Ada", last_name="Lovelace", company="Analytical Engines")
    LeadFactory(first_name="Bob", last_name="Smith", email="bob@example.com", company="Acme")
    for term in ("lovelace", "Ada Love", "analytical", ada.email.upper()):
        result = admin_client.get(LEADS, {"q": term}).context["cl"].result_list
        assert list(result) == [ada], term
    assert phone_query("2024") is None  # a year is not a phone number
    assert phone_query("Smith 07911") is None


# --- Export ------------------------------------------------------------------------------


def test_the_lead_export_follows_the_search_and_escapes_formulas(admin_client) -> None:
    LeadFactory(first_name='=HYPERLINK("http://evil")', last_name="Lovelace", company="+cmd")
    LeadFactory(first_name="Ada", last_name="Lovelace", company="-2+3", notes="@SUM(A1)")
    LeadFactory(first_name="Bob", last_name="Smith", notes="\tTabbed")
    changelist = admin_client.get(LEADS, {"q": "lovelace"}).content.decode()
    export_url = reverse("admin:leadhub_lead_export") + "?q=lovelace"
    assert f'href="{export_url}"' in changelist  # the button carries the list's search
    rows = exported(admin_client.get(export_url))
    assert rows[0][:4] == ["ID", "First name", "Last name", "Email"]
    by_company = {row[6]: row for row in rows[1:]}
    assert set(by_company) == {"'+cmd", "'-2+3"}
    assert by_company["'+cmd"][1] == '\'=HYPERLINK("http://evil")'
    assert by_company["'-2+3"][7] == "'@SUM(A1)"
    everything = exported(admin_client.get(reverse("admin:leadhub_lead_export")))
    assert len(everything) == 4
    assert any(row[7] == "'\tTabbed" for row in everything)


def test_the_lead_export_keeps_phone_numbers_as_typed(admin_client) -> None:
    LeadFactory(phone="+447812345719", phone_e164="+447812345719", company="+SUM(A1)")
    rows = exported(admin_client.get(reverse("admin:leadhub_lead_export")))
    header, row = rows
    exported_as = dict(zip(header, row, strict=True))
    assert exported_as["Phone as entered"] == "+447812345719"
    assert exported_as["Phone (international)"] == "+447812345719"
    assert exported_as["Company"] == "'+SUM(A1)"


def test_the_submission_export_follows_filters_and_carries_no_exchange(admin_client) -> None:
    destination = DestinationFactory(name="LeadByte A")
    rejected = SubmissionFactory(
        destination=destination,
        status=SubmissionStatus.REJECTED,
        payload={"email": "a@example.com", "data13": "=1+1"},
        vendor_message="Invalid email",
    )
    SubmissionFactory(destination=destination, status=SubmissionStatus.ACCEPTED)
    Attempt.objects.create(
        submission=rejected, number=1, request={"body": {"key": "sekret-request-body"}}
    )
    url = reverse("admin:leadhub_submission_export") + "?status__exact=rejected"
    rows = exported(admin_client.get(url))
    assert len(rows) == 2
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["ID"] == str(rejected.pk)
    assert record["Destination"] == "LeadByte A" and record["Vendor"] == "leadbyte"
    assert record["Status"] == "rejected" and record["Vendor message"] == "Invalid email"
    assert record["Payload"] == '{"data13": "=1+1", "email": "a@example.com"}'
    assert "sekret-request-body" not in ",".join(row)


def test_the_export_action_exports_the_selection(admin_client) -> None:
    chosen, _other = LeadFactory(), LeadFactory()
    response = admin_client.post(LEADS, {"action": "export_csv", "_selected_action": [chosen.pk]})
    rows = exported(response)
    assert [row[0] for row in rows[1:]] == [str(chosen.pk)]


def test_an_export_with_a_filter_that_does_not_exist_is_refused(admin_client) -> None:
    response = admin_client.get(reverse("admin:leadhub_submission_export") + "?nope=1")
    assert response.status_code == 400


def test_exporting_needs_the_view_permission(client, django_user_model) -> None:
    user = django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:leadhub_submission_export")).status_code == 403


# --- Query counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (SUBMISSIONS, {}),
        (SUBMISSIONS, {"status__exact": "queued"}),
        (SUBMISSIONS, {"connection__kind": "leadbyte"}),
        (LEADS, {}),
    ],
    ids=["submissions", "submissions-by-status", "submissions-by-vendor", "leads"],
)
def test_the_query_count_does_not_grow_with_the_page_size(
    admin_client, monkeypatch, url: str, params: dict
) -> None:
    destinations = [DestinationFactory() for _ in range(3)]
    for n in range(60):
        SubmissionFactory(destination=destinations[n % 3])
    model = Submission if url == SUBMISSIONS else Lead
    model_admin = admin.site._registry[model]
    counts = []
    for per_page in (10, 50):
        monkeypatch.setattr(model_admin, "list_per_page", per_page)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url, params)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == per_page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- Estimated count on PostgreSQL -------------------------------------------------------


def test_the_paginator_counts_exactly_on_sqlite_and_for_small_tables() -> None:
    for _ in range(3):
        SubmissionFactory()
    assert EstimatedCountPaginator(Submission.objects.all(), 2).count == 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_unfiltered_big_table_is_estimated_on_postgresql(admin_client, monkeypatch) -> None:
    monkeypatch.setattr(changelists, "ESTIMATE_ABOVE", 5)
    destination = DestinationFactory()
    for _ in range(20):
        SubmissionFactory(destination=destination, status=SubmissionStatus.QUEUED)
    everything = Submission.objects.all()
    # Never analysed: PostgreSQL does not know, so the count is exact.
    assert EstimatedCountPaginator(everything, 10).count == 20
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leadhub_submission")
    SubmissionFactory.create_batch(3, destination=destination, status=SubmissionStatus.ACCEPTED)
    assert EstimatedCountPaginator(everything, 10).count == 20  # the estimate, not 23
    filtered = Submission.objects.filter(status=SubmissionStatus.ACCEPTED)
    assert EstimatedCountPaginator(filtered, 10).count == 3  # few matches: counted exactly
    # Many matches: counted up to the threshold only, then the planner's estimate.
    with CaptureQueriesContext(connection) as queries:
        many = EstimatedCountPaginator(Submission.objects.filter(status="queued"), 10).count
    assert many >= 6
    assert "LIMIT 6" in queries[0]["sql"] and queries[1]["sql"].startswith("EXPLAIN")

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(SUBMISSIONS)
    assert page.context["cl"].result_count == 20
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(SUBMISSIONS, {"status__exact": "accepted"})
    assert page.context["cl"].result_count == 3


def test_a_small_table_is_never_estimated() -> None:
    assert Paginator(Lead.objects.all(), 10).count == 0
    assert EstimatedCountPaginator(Lead.objects.all(), 10).count == 0


# --- What a list reads -------------------------------------------------------------------


def test_the_submission_list_never_decrypts_a_credential(admin_client, monkeypatch) -> None:
    SubmissionFactory.create_batch(3)

    def refuse(token: str, *, label: str) -> str:
        raise AssertionError(f"{label} was decrypted to draw the list")

    monkeypatch.setattr("vendors.crypto.decrypt", refuse)
    response = admin_client.get(SUBMISSIONS)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    connection_filter = response.context["cl"].filter_specs[3]
    assert len(connection_filter.lookup_choices) == 3  # the connections, by name


def test_the_outcome_filter_lists_each_label_the_vendors_gave_once(admin_client) -> None:
    for outcome in ["Valid", "Invalid", "Valid", "", "Approved"]:
        SubmissionFactory(vendor_outcome=outcome)
    assert changelists.distinct_values(Submission, "vendor_outcome") == [
        "Approved",
        "Invalid",
        "Valid",
    ]
    response = admin_client.get(SUBMISSIONS, {"vendor_outcome": "Valid"})
    assert [s.vendor_outcome for s in response.context["cl"].result_list] == ["Valid", "Valid"]
    assert b"Approved" in response.content  # offered as a choice in the sidebar


def test_the_vendor_filter_keeps_to_that_vendors_connections(admin_client) -> None:
    getlead = SubmissionFactory(destination=DestinationFactory(connection__kind="getlead"))
    SubmissionFactory()  # LeadByte
    response = admin_client.get(SUBMISSIONS, {"connection__kind": "getlead"})
    assert list(response.context["cl"].result_list) == [getlead]
    response = admin_client.get(SUBMISSIONS, {"connection__kind": "crmcom"})
    assert list(response.context["cl"].result_list) == []


def test_export_cells_are_those_of_escape_cell() -> None:
    """The export's inline shortcuts give each cell what escape_cell gives its text."""
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = (None, "", "Ada", "=cmd", "+44 7911 123456", 42, -3, when, {"b": 1}, ["=x"], True)
    (cells,) = _formatted(iter([row]))
    expected = ["", "", "Ada", "'=cmd", "+44 7911 123456", "42", "'-3", when.isoformat()]
    expected += ['{"b": 1}', '["=x"]', "True"]
    assert [str(cell) for cell in cells] == expected
