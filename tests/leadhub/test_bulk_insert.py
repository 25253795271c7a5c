"""COPY on PostgreSQL: a copied row is the row save() would have written."""

from __future__ import annotations

import json

import pytest
from django.db import DataError, transaction
from django.forms.models import model_to_dict

from leadhub.bulk_insert import copy_supported, primary_keys_reserve, rows_copy
from leadhub.delivery.outbox import submission_build
from leadhub.models import Lead, Submission
from leadhub.services.leads import LEAD_FIELDS, lead_fields
from tests.factories import DestinationFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not copy_supported(), reason="COPY is PostgreSQL's; SQLite uses bulk_create"
    ),
]

CONTACT = {
    "first_name": "Zoë",
    "last_name": "O'Neil",
    "email": "z@example.com",
    "phone": "07911 123456",
}
PAYLOAD = {"campid": "X", "firstname": "Zoë", "notes": "tab\there\nnew line \\ backslash", "n": 1.5}


def test_a_copied_row_is_the_row_save_would_write() -> None:
    owner = UserFactory()
    destination = DestinationFactory()
    saved_lead = Lead(**lead_fields(CONTACT), owner=owner)
    saved_lead.save()
    saved = submission_build(
        lead=saved_lead, destination=destination, payload=PAYLOAD, created_by=owner
    )
    saved.save()

    [lead_id] = primary_keys_reserve(Lead, 1)
    [submission_id] = primary_keys_reserve(Submission, 1)
    fields = lead_fields(CONTACT)
    rows_copy(Lead(owner=owner), ("id", *LEAD_FIELDS), [(lead_id, *fields.values())])
    template = submission_build(lead=None, destination=destination, payload={}, created_by=owner)
    rows_copy(
        template, ("id", "lead_id", "payload"), [(submission_id, lead_id, json.dumps(PAYLOAD))]
    )

    times = ("id", "lead", "created_at", "updated_at", "enqueued_at")
    copied = Submission.objects.get(pk=submission_id)
    assert copied.lead_id == lead_id
    assert _columns(copied, times) == _columns(Submission.objects.get(pk=saved.pk), times)
    assert copied.payload == PAYLOAD and copied.enqueued_at is not None
    assert _columns(Lead.objects.get(pk=lead_id), times) == _columns(saved_lead, times)
    assert Lead.objects.get(pk=lead_id).phone_e164 == "+447911123456"


def test_reserved_keys_are_new_and_never_given_again() -> None:
    reserved = primary_keys_reserve(Lead, 50)
    assert len(set(reserved)) == 50
    later = Lead.objects.create(first_name="Later")
    assert later.pk > max(reserved)
    assert primary_keys_reserve(Lead, 0) == []


def test_a_row_the_database_refuses_raises_djangos_error() -> None:
    [lead_id] = primary_keys_reserve(Lead, 1)
    with pytest.raises(DataError), transaction.atomic():
        rows_copy(Lead(), ("id", "first_name"), [(lead_id, "x" * 500)])  # varchar(120)
    assert not Lead.objects.filter(pk=lead_id).exists()


def _columns(instance: object, leave_out: tuple[str, ...]) -> dict[str, object]:
    values = model_to_dict(instance)  # type: ignore[arg-type]
    for name in leave_out:
        values.pop(name, None)
    return values
