"""The duplicate guard: the service, the preview's warning and tick, and the bulk import."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadhub.imports.models import ImportRowError
from leadhub.imports.services import import_job_run
from leadhub.models import Lead, Submission
from leadhub.privacy.duplicates import (
    _find_rows,
    _find_statement,
    contact_keys,
    duplicates_find,
    duplicates_find_by_keys,
    duplicates_find_many,
)
from tests.factories import DestinationFactory, LeadFactory, SubmissionFactory
from tests.leadhub.test_imports import GOOD, HEADER, make_job

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_a_person_sent_lately_is_found_by_email_or_phone_in_any_format() -> None:
    destination, other = DestinationFactory(), DestinationFactory()
    earlier = SubmissionFactory(
        lead=LeadFactory(email="Ada@Example.com", phone="07911 123456"), destination=destination
    )
    by_email = duplicates_find({"email": " ada@example.COM "}, [destination, other])
    assert list(by_email) == [destination.pk]
    assert (by_email[destination.pk].lead_id, by_email[destination.pk].matched_on) == (
        earlier.lead_id,
        "email",
    )
    by_phone = duplicates_find({"phone": "+44 (0) 7911-123-456"}, [destination])
    assert by_phone[destination.pk].matched_on == "phone"
    assert duplicates_find({"email": "someone@else.org"}, [destination]) == {}


def test_the_window_counts_and_the_latest_earlier_lead_is_named() -> None:
    destination = DestinationFactory()
    now = timezone.now()
    SubmissionFactory(
        lead=LeadFactory(email="a@b.org"), destination=destination, created_at=now - 40 * DAY
    )
    assert duplicates_find({"email": "a@b.org"}, [destination]) == {}  # 30 days by default
    assert duplicates_find({"email": "a@b.org"}, [destination], timedelta(days=60))
    latest = SubmissionFactory(
        lead=LeadFactory(email="a@b.org"), destination=destination, created_at=now - 2 * DAY
    )
    assert (
        duplicates_find({"email": "a@b.org"}, [destination])[destination.pk].lead_id
        == latest.lead_id
    )


def test_one_query_for_any_number_of_destinations_and_leads() -> None:
    destinations = [DestinationFactory() for _ in range(3)]
    for n in range(5):
        SubmissionFactory(lead=LeadFactory(email=f"p{n}@x.org"), destination=destinations[n % 3])
    with CaptureQueriesContext(connection) as one:
        duplicates_find({"email": "p1@x.org", "phone": "07911 123456"}, destinations)
    with CaptureQueriesContext(connection) as many:
        found = duplicates_find_many([{"email": f"p{n}@x.org"} for n in range(8)], destinations)
    assert len(one) == 1 and len(many) == 1
    assert [bool(f) for f in found] == [True] * 5 + [False] * 3


def test_known_keys_find_what_the_contacts_find_old_entries_and_empty_keys_aside() -> None:
    destination, other = DestinationFactory(), DestinationFactory()
    SubmissionFactory(lead=LeadFactory(email="ada@example.com", phone=""), destination=destination)
    SubmissionFactory(lead=LeadFactory(email="", phone="07911 123456"), destination=other)
    old = SubmissionFactory(lead=LeadFactory(email="old@example.com"), destination=destination)
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - 400 * DAY)
    contacts = [
        {"email": "ADA@example.com "},
        {"phone": "+44 7911 123456"},
        {"email": "old@example.com"},
        {"email": "", "phone": ""},
        {"email": "new@example.com", "phone": "07911 654321"},
    ]
    keys = [contact_keys(contact) for contact in contacts]
    by_keys = duplicates_find_by_keys(keys, [destination, other])
    assert by_keys == duplicates_find_many(contacts, [destination, other])
    assert [sorted(found) for found in by_keys] == [[destination.pk], [other.pk], [], [], []]
    assert by_keys[1][other.pk].matched_on == "phone"


def test_the_preview_warns_and_sending_needs_the_tick(
    admin_client, lead_entry, campaign_destination, settings
) -> None:
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    earlier = SubmissionFactory(
        lead=LeadFactory(email="ada@example.com"), destination=campaign_destination
    )
    prefix = f"d{campaign_destination.pk}__"
    form = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ADA@example.com",
        "phone": "07911 123456",
        f"{prefix}data13": "Volvo",
        f"{prefix}gender": "F",
        f"{prefix}dob": "1990-12-31",
    }
    preview = lead_entry.post(campaign_destination, form, press=None).content.decode()
    assert "Possible duplicate" in preview
    assert reverse("admin:leadhub_lead_change", args=[earlier.lead_id]) in preview

    untold = lead_entry.post(campaign_destination, form).content.decode()
    assert "Tick the box to send anyway" in untold
    assert Lead.objects.count() == 1

    sent = lead_entry.post(campaign_destination, {**form, "send_duplicates": "1"})
    assert sent.status_code == 302
    assert Submission.objects.count() == 2


def test_an_import_leaves_out_duplicates_unless_asked(campaign_destination) -> None:
    SubmissionFactory(lead=LeadFactory(email="ada@example.com"), destination=campaign_destination)
    other = ["Grace", "Hopper", "grace@example.com", "", "Volvo", "F", "31/12/1990"]
    job = make_job(campaign_destination, [HEADER, GOOD, other])
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.imported_rows, job.failed_rows) == (1, 1)
    error = ImportRowError.objects.get()
    assert error.errors.startswith("Duplicate: this email went to LeadByte example on")

    again = make_job(campaign_destination, [HEADER, GOOD])
    again.send_duplicates = True
    again.save(update_fields=["send_duplicates"])
    import_job_run(job_id=again.pk)
    again.refresh_from_db()
    assert (again.imported_rows, again.failed_rows) == (1, 0)


@pytest.mark.parametrize(
    "contact",
    [
        {"email": "ada@example.com"},
        {"phone": "07911 123456"},
        {"email": "ada@example.com", "phone": "07911 123456"},
        {"email": "grace@example.com", "phone": "07911 123456"},
    ],
)
def test_the_query_compiled_once_finds_what_the_orm_query_finds(contact) -> None:
    destinations = [DestinationFactory() for _ in range(3)]
    now = timezone.now()
    for n, destination in enumerate(destinations):
        for days in (1, 3, 45):
            SubmissionFactory(
                lead=LeadFactory(email="ada@example.com", phone="07911 123456"),
                destination=destination,
                created_at=now - (days + n) * DAY,
            )
    for chosen in (destinations[:1], destinations, destinations[1:]):
        since = now - 30 * DAY
        email, phone = contact_keys(contact)
        expected = list(_find_rows([d.pk for d in chosen], since, email, phone))
        statement = _find_statement(connection.alias, bool(email), bool(phone), len(chosen))
        given = {
            "since": Submission._meta.get_field("created_at").get_db_prep_value(since, connection),
            "email": email,
            "phone": phone,
            **dict(enumerate(d.pk for d in chosen)),
        }
        assert statement.run(given) == expected
        assert expected and all(row[3].tzinfo is not None for row in expected)
