"""Erasing a person: through the admin, against leads really sent to the sandbox, then the
whole database searched with raw SQL, every text column of every table, for every form of
every value of theirs (tests.encodings). Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from leadhub.delivery.outbox import submission_resend
from leadhub.delivery.push import submission_push
from leadhub.delivery.rows import submission_claim
from leadhub.imports.models import ImportJob, ImportRowError
from leadhub.models import Attempt, Lead, Submission
from leadhub.privacy.erasure import ErasureRefused, person_erase
from leadhub.privacy.models import Erasure
from leadhub.privacy.person import PersonQuery, person_find
from leadhub.statuses import InvalidTransition, SubmissionStatus
from tests.encodings import encoded_forms
from tests.factories import AttemptFactory, LeadFactory, SubmissionFactory, UserFactory
from tests.leadhub.privacy.conftest import PERSON, PERSON_VALUES
from tests.security.scanning import database_text

pytestmark = pytest.mark.django_db(transaction=True)
S = SubmissionStatus
OTHER = {"first_name": "Ottoline", "email": "ottoline.brackenbury@example.net"}


def _found_anywhere(values: dict[str, str]) -> list[str]:
    """Where any form of any value is in any table (the sandbox's tables are the vendor's
    own copy, as a real vendor keeps one: an erasure there is a request to the vendor)."""
    tables = {
        table: text.lower()
        for table, text in database_text().items()
        if not table.startswith("sandbox_")
    }
    return [
        f"{label} as {name} in {table}"
        for label, value in values.items()
        for name, form in encoded_forms(value).items()
        if len(form) >= 4
        for table, text in tables.items()
        if form.lower() in text
    ]


@pytest.fixture
def person_everywhere(lead_entry, leadbyte_destination, leadbyte_form):
    """The person sent to the sandbox's LeadByte through the admin, a second lead of theirs
    (the phone typed differently) whose vendor answer echoed them, a row of theirs left out
    of an import, and an import file with them waiting for its mapping."""
    form = {**leadbyte_form, **PERSON}
    lead = lead_entry.send(leadbyte_destination, form)
    submission = lead.submissions.get()
    if submission.status == S.QUEUED:
        submission_push(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == S.ACCEPTED, submission.vendor_message
    assert submission.attempts.exists()
    echoed = SubmissionFactory(
        lead=LeadFactory(
            first_name="Zeb", last_name="Quillfeather", email="", phone="+44 7911 654321"
        ),
        status=S.REJECTED,
        payload={"email": PERSON["email"], "name": "Zebedee Quillfeather"},
        vendor_message=f"Duplicate of {PERSON['email']}",
        field_errors={"email": [f"{PERSON['email']} already taken"]},
    )
    AttemptFactory(
        submission=echoed,
        request={"method": "GET", "url": f"https://x.example/?email={PERSON['email']}"},
        response_body='{"error": "zeb.quillfeather@example.org exists", "phone": "+447911654321"}',
        message="Rejected: Zebedee Quillfeather",
    )
    job = ImportJob.objects.create(file_name="march.csv", encoding="utf-8", delimiter=",")
    ImportRowError.objects.create(
        job=job,
        line=7,
        values=["Zebedee", "Quillfeather", "07911654321", "not-an-email"],
        errors="Email: enter a valid email address.",
    )
    ImportJob.objects.create(
        file_name="april.csv",
        encoding="utf-8",
        delimiter=",",
        source=b"first,phone\nZebedee,07911 654321\nOttoline,07911 000111\n",
    )
    LeadFactory(**OTHER)
    return lead


def test_an_erasure_leaves_no_value_of_the_person_anywhere(
    person_everywhere, integration_client
) -> None:
    assert _found_anywhere(PERSON_VALUES), "the scan must see the person before the erasure"
    statuses = sorted(Submission.objects.values_list("status", "created_at", "sent_at"))
    url = reverse("admin:leadhub_privacy_person")

    page = integration_client.get(url, {"q": "+44 (0)7911 654 321"}).content.decode()
    assert "Zebedee" in page and "march.csv" in page and "april.csv" in page
    response = integration_client.post(url, {"q": "07911654321", "confirm": "on"})

    assert response.status_code == 302
    assert _found_anywhere(PERSON_VALUES) == []
    # Rows and their statuses and times kept: every count stays true.
    assert sorted(Submission.objects.values_list("status", "created_at", "sent_at")) == statuses
    assert Lead.objects.count() == 3 and Attempt.objects.count() >= 2
    assert Lead.objects.filter(erased_at__isnull=False).count() == 2
    assert Lead.objects.filter(email=OTHER["email"]).exists()  # nobody else touched
    erasure = Erasure.objects.get()
    assert (erasure.leads, erasure.submissions, erasure.import_rows) == (2, 2, 2)
    waiting = ImportJob.objects.get(file_name="april.csv")
    assert waiting.status == ImportJob.Status.FAILED and bytes(waiting.source) == b""
    assert not LogEntry.objects.filter(object_repr__icontains="Zebedee").exists()
    after = integration_client.get(url, {"q": PERSON["email"]}).content.decode()
    assert "Nothing found" in after


def test_a_send_in_flight_refuses_the_erasure_and_changes_nothing() -> None:
    lead = LeadFactory(**{k: PERSON[k] for k in ("first_name", "email", "phone")})
    SubmissionFactory(lead=lead, status=S.SENDING, payload={"email": PERSON["email"]})
    with pytest.raises(ErasureRefused, match="in flight for this person, try again in a minute"):
        person_erase(query=PersonQuery.parse(PERSON["email"]), user=UserFactory())
    lead.refresh_from_db()
    assert lead.email == PERSON["email"] and lead.erased_at is None
    assert not Erasure.objects.exists()


@pytest.mark.parametrize("status", [S.QUEUED, S.RETRY_WAIT])
def test_a_send_still_waiting_is_cancelled_by_the_erasure_and_never_goes(status: str) -> None:
    lead = LeadFactory(email=PERSON["email"])
    waiting = SubmissionFactory(lead=lead, status=status, payload={"email": PERSON["email"]})
    erasure = person_erase(query=PersonQuery.parse(PERSON["email"]), user=None)
    waiting.refresh_from_db()
    assert waiting.status == S.CANCELLED and waiting.completed_at is not None
    assert PERSON["email"] not in str(waiting.payload)
    assert Lead.objects.get().erased_at is not None and erasure.submissions == 1
    assert submission_claim(waiting.pk) is None  # a task that still arrives sends nothing


def test_nobody_held_is_nothing_found() -> None:
    LeadFactory(**OTHER)
    with pytest.raises(ErasureRefused, match="Nothing found"):
        person_erase(query=PersonQuery.parse(PERSON["email"]), user=None)
    assert not person_find(PersonQuery.parse(PERSON["phone"])).found


def test_a_running_import_with_the_person_refuses_the_erasure() -> None:
    ImportJob.objects.create(
        file_name="may.csv",
        encoding="utf-8",
        delimiter=",",
        status=ImportJob.Status.RUNNING,
        source=f"email\n{PERSON['email']}\n".encode(),
    )
    with pytest.raises(ErasureRefused, match="import"):
        person_erase(query=PersonQuery.parse(PERSON["email"].upper()), user=None)


def test_an_erased_submission_is_never_sent_again() -> None:
    lead = LeadFactory(email=PERSON["email"])
    submission = SubmissionFactory(lead=lead, status=S.REJECTED, payload={"email": "x"})
    person_erase(query=PersonQuery.parse(PERSON["email"]), user=None)
    with pytest.raises(InvalidTransition, match="erased"):
        submission_resend(submission=submission)
    submission.refresh_from_db()
    assert submission.status == S.REJECTED
