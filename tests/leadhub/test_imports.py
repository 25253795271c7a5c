"""Bulk import: upload, map, preview, run, failed rows; bad files; chunks and enqueues."""

from __future__ import annotations

import csv
import io
import os

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from leadhub.imports.models import ImportJob, ImportMapping, ImportRowError
from leadhub.imports.rows import destinations_for_import, guess_mapping, targets
from leadhub.imports.services import import_job_run
from leadhub.models import Lead, Submission
from leadhub.statuses import SubmissionStatus
from vendors.models import Destination

UPLOAD_URL = reverse("admin:leadhub_imports_importjob_add")
HEADER = ["First Name", "Last Name", "Email", "Phone", "make_of_car", "Gender", "DOB"]
GOOD = ["Ada", "Lovelace", "ada@example.com", "07911 123456", "Volvo", "F", "31/12/1990"]


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def person(n: int) -> list[str]:
    return ["Ada", f"Lovelace{chr(97 + n % 26)}", f"ada{n}@example.com", "", "Volvo", "F", ""]


def upload(client, destination: Destination, data: bytes, name: str = "leads.csv"):
    return client.post(
        UPLOAD_URL,
        {"destinations": [destination.pk], "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def mapping_post(job: ImportJob, destination: Destination, **overrides: str) -> dict[str, str]:
    prefix = f"d{destination.pk}__"
    data = {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "phone": "Phone",
        f"{prefix}data13": "make_of_car",
        f"{prefix}gender": "Gender",
        f"{prefix}dob": "DOB",
    }
    data.update(overrides)
    return data


def map_job(job: ImportJob, destination: Destination, **overrides: str) -> None:
    from leadhub.imports.services import import_mapping_save

    import_mapping_save(job=job, mapping=mapping_post(job, destination, **overrides), user=None)


def start(job: ImportJob) -> None:
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])


# --- The whole flow through the admin, against the sandbox --------------------------------


@pytest.mark.django_db(transaction=True)
def test_upload_map_preview_import_and_download_failed_rows(
    admin_client, leadbyte_destination: Destination
) -> None:
    rows = [
        HEADER,
        GOOD,
        ["Grace", "Hopper", "grace@example.com", "+44 7400 123456", "Ford", "", "1906-12-09"],
        ["Bad", "", "not-an-email", "020 7946 0018", "", "X", "yesterday"],
    ]
    response = upload(admin_client, leadbyte_destination, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
    assert job.total_rows == 3 and job.headers == HEADER and job.delimiter == ","

    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    form = page.context["form"]
    prefix = f"d{leadbyte_destination.pk}__"
    # Headers are matched to fields by name or label, so this file needs no manual mapping.
    assert form.initial["first_name"] == "First Name"
    assert form.initial["email"] == "Email"
    assert form.initial[f"{prefix}data13"] == "make_of_car"

    response = admin_client.post(response["Location"], mapping_post(job, leadbyte_destination))
    assert response.status_code == 302
    preview = admin_client.get(response["Location"])
    assert preview.context["verdict"].failing == 1
    good, other, bad = preview.context["rows"]
    assert good.errors == [] and other.errors == []
    assert bad.line == 4
    text = " ".join(bad.errors)
    for expected in (
        "Email: Enter a valid email address",
        "UK mobile",
        "Make of car",
        "Date of birth",
    ):
        assert expected in text
    assert not Lead.objects.exists()  # a preview saves nothing

    response = admin_client.post(preview.request["PATH_INFO"])
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.imported_rows, job.failed_rows) == (3, 2, 1)
    assert job.source == b""  # the uploaded file is not kept once imported
    assert sorted(Lead.objects.values_list("first_name", flat=True)) == ["Ada", "Grace"]
    ada = Submission.objects.get(lead__first_name="Ada")
    assert ada.status == SubmissionStatus.ACCEPTED
    assert ada.payload["phone1"] == "+447911123456" and ada.payload["dob"] == "31/12/1990"
    assert ada.created_by.username == "admin"
    # Who imported what is in the audit log, without the file's name or a row of it.
    imported = LogEntry.objects.get(additional_data__event="imported")
    assert imported.actor == ada.created_by and imported.additional_data["rows"] == 3
    assert imported.object_repr == f"Import job #{job.pk}"

    progress = admin_client.get(response["Location"]).content.decode()
    assert "Leads imported" in progress and 'http-equiv="refresh"' not in progress
    download = admin_client.get(
        reverse("admin:leadhub_imports_importjob_failed_rows", args=[job.pk])
    )
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == [*HEADER, "Import error", "Line"]
    assert lines[1][:3] == ["Bad", "", "not-an-email"]
    assert "Enter a valid email address" in lines[1][-2] and lines[1][-1] == "4"

    stored = ImportMapping.objects.get(destination=leadbyte_destination)
    assert stored.contact["email"] == "Email" and stored.fields["data13"] == "make_of_car"


def test_the_last_mapping_of_a_destination_is_offered_again(
    admin_client, campaign_destination: Destination
) -> None:
    odd = ["Given", "Family", "Mail", "Car brand"]
    upload(admin_client, campaign_destination, csv_bytes([odd, ["Ad", "L", "a@example.com", "VW"]]))
    first = ImportJob.objects.get()
    prefix = f"d{campaign_destination.pk}__"
    chosen = {"first_name": "Given", "last_name": "Family", "email": "Mail"}
    chosen[f"{prefix}data13"] = "Car brand"
    url = reverse("admin:leadhub_imports_importjob_map", args=[first.pk])
    assert admin_client.post(url, chosen).status_code == 302

    upload(admin_client, campaign_destination, csv_bytes([odd, ["Bo", "M", "b@example.com", "VW"]]))
    second = ImportJob.objects.exclude(pk=first.pk).get()
    page = admin_client.get(reverse("admin:leadhub_imports_importjob_map", args=[second.pk]))
    assert page.context["form"].initial == chosen


def test_a_required_field_without_a_column_is_refused(
    admin_client, campaign_destination: Destination
) -> None:
    upload(admin_client, campaign_destination, csv_bytes([["First Name", "Email"], ["Ada", "x"]]))
    job = ImportJob.objects.get()
    url = reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
    response = admin_client.post(url, {"first_name": "First Name", "email": "Email"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    prefix = f"d{campaign_destination.pk}__"
    assert "choose the column" in errors[f"{prefix}data13"][0]
    assert "choose the column" in errors["last_name"][0]  # LeadByte needs the last name
    job.refresh_from_db()
    assert job.mapping == {} and job.status == ImportJob.Status.MAPPING


def test_someone_elses_import_is_not_shown(client, campaign_destination, django_user_model):
    owner = django_user_model.objects.create_superuser("owner", "o@example.com", "pw-123456-x")
    job = ImportJob.objects.create(created_by=owner, file_name="x.csv", headers=["a"])
    clerk = django_user_model.objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="add_lead"))
    client.force_login(clerk)
    map_url = reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
    assert client.get(map_url).status_code == 404
    assert client.get(UPLOAD_URL).status_code == 200


# --- Bad files: a clear message and nothing saved ----------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "file is empty."),
        (b"   \r\n\r\n", "The file is empty."),
        (csv_bytes([HEADER]), "no rows to import"),
        (os.urandom(10 * 1024 * 1024), "binary data"),
        (bytes(range(1, 32)) * 20000, "does not look like text"),
        (csv_bytes([["Email", "Email"], ["a", "b"]]), "appear twice: Email"),
        (csv_bytes([["", ""], ["a", "b"]]), "must name the columns"),
        (csv_bytes([[f"c{i}" for i in range(300)], ["x"] * 300]), "at most 200"),
        (b"Email\r\n" + b"x" * 40000 + b"\r\n", "cannot be read as CSV"),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "10MB-random",
        "control-characters",
        "duplicate-headers",
        "no-header",
        "too-many-columns",
        "huge-cell",
    ],
)
def test_a_bad_file_gets_a_clear_message_and_saves_nothing(
    admin_client, campaign_destination: Destination, data: bytes, message: str
) -> None:
    response = upload(admin_client, campaign_destination, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_file_above_the_size_limit_is_refused(
    admin_client, campaign_destination: Destination, settings
) -> None:
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(admin_client, campaign_destination, csv_bytes([HEADER, *[GOOD] * 50]))
    assert "at most 1000" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("delimiter", "encoding", "expected"),
    [
        (";", "utf-8", ";"),
        ("\t", "utf-8", "\t"),
        ("|", "utf-8", "|"),
        (",", "utf-8-sig", ","),
        (";", "cp1252", ";"),
        (",", "utf-16", ","),
    ],
    ids=["semicolon", "tab", "pipe", "utf8-bom", "windows-1252", "utf16"],
)
def test_delimiters_and_encodings_are_recognised(
    admin_client, campaign_destination, delimiter: str, encoding: str, expected: str
) -> None:
    rows = [HEADER, ["Zoë", "Müller", "zoe@example.com", "", "Citroën", "F", ""]]
    upload(admin_client, campaign_destination, csv_bytes(rows, delimiter, encoding))
    job = ImportJob.objects.get()
    assert job.delimiter == expected
    assert job.headers == HEADER  # the BOM is not part of the first column's name
    map_job(job, campaign_destination)
    start(job)
    import_job_run(job_id=job.pk)
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Zoë", "Müller")
    assert lead.submissions.get().payload["data13"] == "Citroën"


def test_latin1_bytes_that_are_not_windows_1252_still_decode(
    admin_client, campaign_destination
) -> None:
    data = "First Name,Last Name,Email,make_of_car\r\nJos\xe9,Ruiz,j@example.com,Se\x81t\r\n"
    upload(admin_client, campaign_destination, data.encode("latin-1"))
    assert ImportJob.objects.get().encoding == "latin-1"


def test_formulas_are_refused_row_by_row(campaign_destination: Destination) -> None:
    rows = [
        HEADER,
        ['=HYPERLINK("http://x")', "L", "a@example.com", "", "Volvo", "", ""],
        ["Ada", "@SUM(A1)", "b@example.com", "", "Volvo", "", ""],
        ["Ada", "Lovelace", "c@example.com", "", "+cmd|' /C calc'!A0", "", ""],
        ["Ada", "Lovelace", "d@example.com", "+44 7911 123456", "-Volvo", "", ""],
        ["Ada", "Lovelace", "e@example.com", "+44 7911 123456", "Volvo", "", ""],
        ["Ada", "Lovelace", "f@example.com", "'+44 7911 123456", "- new car", "", ""],
    ]
    job = make_job(campaign_destination, rows)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.imported_rows, job.failed_rows) == (2, 4)
    errors = list(job.row_errors.values_list("line", "errors"))
    assert [line for line, _ in errors] == [2, 3, 4, 5]
    assert all("spreadsheet formula" in text for _, text in errors)
    assert "First name" in errors[0][1]
    # A phone is a value, and an apostrophe our own export added is taken off again.
    assert set(Lead.objects.values_list("phone_e164", flat=True)) == {"+447911123456"}


def test_a_row_with_more_cells_than_columns_is_left_out(campaign_destination) -> None:
    job = make_job(campaign_destination, [HEADER, [*GOOD, "extra"], GOOD, GOOD[:4]])
    import_job_run(job_id=job.pk)
    errors = dict(job.row_errors.values_list("line", "errors"))
    assert list(errors) == [2, 4]
    assert "8 cells but the header names 7" in errors[2]
    assert "Make of car: This field is required" in errors[4]  # a short row has empty cells
    assert Lead.objects.count() == 1


def make_job(destination: Destination, rows: list[list[str]], **mapping: str) -> ImportJob:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leadhub.imports.services import import_job_create

    job = import_job_create(
        upload=SimpleUploadedFile("leads.csv", csv_bytes(rows)),
        destinations=[destination],
        user=None,
    )
    map_job(job, destination, **mapping)
    start(job)
    return job


# --- Whole rows, chunks, resuming, and the broker ----------------------------------------


def refuse_submissions_to(first_name: str) -> None:
    """Make the database itself refuse a submission whose payload has this first name."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_submission() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.payload->>'firstname' = '{first_name}' THEN "
                "RAISE EXCEPTION 'value too long'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_submission BEFORE INSERT ON leadhub_submission "
                "FOR EACH ROW EXECUTE FUNCTION refuse_submission()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_submission BEFORE INSERT ON leadhub_submission "
                f"WHEN json_extract(NEW.payload, '$.firstname') = '{first_name}' "
                "BEGIN SELECT RAISE(ABORT, 'value too long'); END"
            )


def test_a_row_the_database_refuses_is_left_out_whole(campaign_destination: Destination) -> None:
    rows = [HEADER, *(person(n) for n in range(5))]
    rows[3][0] = "Boom"
    job = make_job(campaign_destination, rows)
    refuse_submissions_to("Boom")  # the chunk's insert fails, then that row's own
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.imported_rows, job.failed_rows) == (4, 1)
    assert not Lead.objects.filter(first_name="Boom").exists()  # no lead without its submission
    assert Lead.objects.count() == Submission.objects.count() == 4
    error = ImportRowError.objects.get()
    assert error.line == 4 and "not saved (value too long" in error.errors


def test_thousands_of_rows_in_chunks_with_batched_enqueues(
    campaign_destination: Destination, settings, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    settings.IMPORT_CHUNK_ROWS = 500
    rows = [HEADER, *(person(n) for n in range(3000))]
    rows[1234][2] = "broken"
    job = make_job(campaign_destination, rows)
    messages: list[tuple] = []
    monkeypatch.setattr(
        "leadhub.delivery.outbox.async_task", lambda *args, **kw: messages.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.processed_rows, job.imported_rows, job.failed_rows) == (3000, 2999, 1)
    assert Lead.objects.count() == 2999
    assert Submission.objects.filter(status=SubmissionStatus.QUEUED).count() == 2999
    # One broker message per 100 submissions, not one per submission.
    assert len(messages) == 30
    assert {args[0] for args in messages} == {"leadhub.tasks.push_submission_batch"}
    assert sum(len(args[1]) for args in messages) == 2999
    assert ImportRowError.objects.get().line == 1235


def test_an_import_out_of_time_hands_on_and_resumes_without_duplicates(
    campaign_destination: Destination, settings, monkeypatch
) -> None:
    settings.IMPORT_CHUNK_ROWS = 40
    job = make_job(campaign_destination, [HEADER, *(person(n) for n in range(100))])
    handed_on: list[tuple] = []
    monkeypatch.setattr(
        "leadhub.imports.services.async_task", lambda *args, **kw: handed_on.append(args)
    )
    assert import_job_run(job_id=job.pk, time_budget=0) == ImportJob.Status.RUNNING
    job.refresh_from_db()
    assert job.processed_rows == 40 and Lead.objects.count() == 40
    assert handed_on == [("leadhub.imports.tasks.run_import", job.pk)]
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.processed_rows, job.imported_rows) == (100, 100)
    assert Lead.objects.count() == 100
    assert import_job_run(job_id=job.pk) == ImportJob.Status.DONE  # a repeat does nothing
    assert Lead.objects.count() == 100


def test_an_inactive_destination_stops_the_import_before_any_row(campaign_destination) -> None:
    job = make_job(campaign_destination, [HEADER, GOOD])
    Destination.objects.filter(pk=campaign_destination.pk).update(is_active=False)
    assert import_job_run(job_id=job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "LeadByte example" in job.message
    assert not Lead.objects.exists()


def test_the_progress_page_refreshes_itself_while_running(
    admin_client, campaign_destination
) -> None:
    job = make_job(campaign_destination, [HEADER, GOOD])
    page = admin_client.get(reverse("admin:leadhub_imports_importjob_change", args=[job.pk]))
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress max="100" value="0">' in html
    assert "<script>" not in html  # CSP forbids inline scripts


@pytest.mark.django_db
def test_a_header_naming_a_field_as_the_vendor_does_still_matches_a_relabelled_one(
    campaign_destination: Destination,
) -> None:
    campaign_destination.field_labels = {"data14": "Kind of mortgage"}
    campaign_destination.save()
    found = targets(destinations_for_import([campaign_destination.pk]))
    prefix = f"d{campaign_destination.pk}__"
    guessed = guess_mapping(["mortgage_type", "Make of car", "DOB"], found)
    assert guessed[f"{prefix}data14"] == "mortgage_type"
    assert guessed[f"{prefix}data13"] == "Make of car"
    assert guessed[f"{prefix}dob"] == "DOB"
