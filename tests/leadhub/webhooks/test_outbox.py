"""Deliveries are written by the event's own transaction: a lead sent from the admin to the
sandbox tells the receiver, and a change rolled back leaves no delivery and sends nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from leadhub.delivery.rows import submission_transition
from leadhub.events import Event
from leadhub.models import Submission
from leadhub.statuses import SubmissionStatus, WebhookStatus
from leadhub.webhooks.models import WebhookDelivery
from tests.factories import SubmissionFactory, WebhookEndpointFactory
from tests.leadhub.conftest import LeadEntry
from tests.leadhub.webhooks.conftest import Receiver
from vendors.models import Destination

pytestmark = pytest.mark.django_db(transaction=True)


class Refused(Exception):
    pass


def test_a_lead_sent_from_the_admin_is_announced_signed(
    receiver: Receiver,
    lead_entry: LeadEntry,
    leadbyte_destination: Destination,
    leadbyte_form: dict[str, str],
) -> None:
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[e.value for e in Event])
    lead = lead_entry.send(leadbyte_destination, leadbyte_form)

    submission = Submission.objects.get(lead=lead)
    assert submission.status == SubmissionStatus.ACCEPTED
    verified = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.requests]
    by_type = {p["type"]: p["data"] for p in verified}
    assert set(by_type) == {"lead.created", "submission.accepted"}
    assert by_type["submission.accepted"]["id"] == submission.pk
    assert by_type["submission.accepted"]["lead_id"] == lead.pk
    assert by_type["lead.created"]["submissions"] == [{"id": submission.pk, "status": "queued"}]
    statuses = set(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == {WebhookStatus.DELIVERED}


def test_a_rolled_back_change_leaves_no_delivery_and_sends_nothing(receiver: Receiver) -> None:
    WebhookEndpointFactory(url=receiver.url)
    submission = SubmissionFactory(status=SubmissionStatus.SENDING)
    with pytest.raises(Refused), transaction.atomic():
        submission_transition(submission, SubmissionStatus.ACCEPTED)
        assert WebhookDelivery.objects.count() == 1  # written with the change...
        raise Refused
    assert not WebhookDelivery.objects.exists()  # ...and gone with it
    assert receiver.requests == []
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SENDING
