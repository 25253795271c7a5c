"""Webhooks delivered to a real receiver on loopback: signed so that the ``standardwebhooks``
verifier accepts them, retried through receiver faults, given up on and the endpoint turned
off when it keeps failing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from leadhub.delivery.rows import submission_transition
from leadhub.statuses import SubmissionStatus, WebhookStatus
from leadhub.webhooks.endpoints import endpoints_turned_off
from leadhub.webhooks.models import WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.outbox import webhook_delivery_replay
from tests.factories import SubmissionFactory, WebhookEndpointFactory
from tests.leadhub.webhooks.conftest import Receiver, Sweep

pytestmark = pytest.mark.django_db

S = SubmissionStatus
W = WebhookStatus


def accept_one(django_capture_on_commit_callbacks) -> int:
    """A submission accepted by its vendor, committed: the event's sends run."""
    submission = SubmissionFactory(status=S.SENDING, vendor_reference="Q-1")
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(submission, S.ACCEPTED)
    return submission.pk


def test_an_accepted_submission_arrives_signed_and_verifies(
    receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    endpoint = WebhookEndpointFactory(url=receiver.url)
    submission_id = accept_one(django_capture_on_commit_callbacks)

    [got] = receiver.requests
    payload = Webhook(endpoint.secret).verify(got.body, got.headers)
    assert payload["type"] == "submission.accepted"
    data = payload["data"]
    assert (data["object"], data["id"], data["status"]) == ("submission", submission_id, "accepted")
    assert data["vendor_reference"] == "Q-1"
    assert data["links"]["admin"].endswith(f"/admin/leadhub/submission/{submission_id}/change/")
    delivery = WebhookDelivery.objects.get()
    assert got.headers["webhook-id"] == delivery.message_id
    assert delivery.status == W.DELIVERED and delivery.attempts.get().status_code == 200
    # No personal data: the lead's name, e-mail and phone stay in LeadHub.
    body = got.body.decode()
    assert "Lovelace" not in body and "@example.com" not in body and "7911" not in body
    # Another secret does not verify it.
    with pytest.raises(Exception, match="signature"):
        Webhook(WebhookEndpointFactory().secret).verify(got.body, got.headers)


def test_nothing_is_sent_for_an_event_the_endpoint_did_not_ask_for(
    receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    WebhookEndpointFactory(url=receiver.url, events=["lead.created", "submission.rejected"])
    WebhookEndpointFactory(url=receiver.url, is_active=False)
    accept_one(django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.usefixtures("quick_retries")
@pytest.mark.parametrize(
    ("faults", "message"),
    [
        (["500", "500"], "HTTP 500"),
        (["slow"], "did not answer in time"),
        (["429"], "HTTP 429"),
    ],
)
def test_receiver_faults_are_retried_until_it_takes_the_event(
    receiver: Receiver,
    sweep: Sweep,
    django_capture_on_commit_callbacks,
    faults: list[str],
    message: str,
) -> None:
    receiver.script = list(faults)
    endpoint = WebhookEndpointFactory(url=receiver.url)
    accept_one(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == W.RETRY_WAIT
    assert WebhookEndpoint.objects.get().failing_since is not None
    while sweep():
        pass

    delivery.refresh_from_db()
    timeline = list(delivery.attempts.order_by("number"))
    assert delivery.status == W.DELIVERED
    assert [a.delivered for a in timeline] == [False] * len(faults) + [True]
    assert message in timeline[0].message
    # Every attempt is the same message: one webhook-id, each signature verifying.
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.message_id}
    for request in receiver.requests:
        Webhook(endpoint.secret).verify(request.body, request.headers)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.last_success_at is not None


@pytest.mark.usefixtures("quick_retries")
def test_an_endpoint_that_keeps_failing_is_given_up_on_and_turned_off(
    refused_url: str, sweep: Sweep, settings, django_capture_on_commit_callbacks
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_DAYS = 1
    endpoint = WebhookEndpointFactory(url=refused_url)
    accept_one(django_capture_on_commit_callbacks)
    # It failed before: for more than the day the setting allows.
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(days=2))
    while sweep():
        pass

    delivery = WebhookDelivery.objects.get()
    endpoint.refresh_from_db()
    assert endpoint.is_active is False and endpoint.disabled_at is not None
    assert "failed for 1 days" in endpoint.disabled_reason
    assert list(endpoints_turned_off()) == [endpoint]
    # Turned off at the first failure past the limit (the second attempt): the delivery
    # waits for it to be on again.
    assert delivery.status == W.RETRY_WAIT and delivery.attempts.count() == 2
    assert all("could not be reached" in a.message for a in delivery.attempts.all())
    # Later events are not delivered to it.
    accept_one(django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.usefixtures("quick_retries")
def test_a_delivery_whose_retries_are_spent_gives_up(
    refused_url: str, sweep: Sweep, django_capture_on_commit_callbacks
) -> None:
    WebhookEndpointFactory(url=refused_url)
    accept_one(django_capture_on_commit_callbacks)
    while sweep():
        pass
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == W.FAILED
    assert delivery.attempts.count() == 4  # the first and three retries
    assert delivery.last_message.startswith("Gave up after 4 attempts.")
    # Gave up, but the endpoint failed for less than WEBHOOK_DISABLE_AFTER_DAYS: still on.
    assert WebhookEndpoint.objects.get().is_active


def test_a_replay_sends_the_same_message_again(
    receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    endpoint = WebhookEndpointFactory(url=receiver.url)
    accept_one(django_capture_on_commit_callbacks)
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        replay = webhook_delivery_replay(delivery=first)
    replay.refresh_from_db()
    assert replay.status == W.DELIVERED and replay.replay_of == first
    one, two = receiver.requests
    assert one.headers["webhook-id"] == two.headers["webhook-id"] == first.message_id
    assert json.loads(one.body) == json.loads(two.body)
    Webhook(endpoint.secret).verify(two.body, two.headers)


def test_a_private_address_is_refused_at_send_time_in_production(
    receiver: Receiver, settings, django_capture_on_commit_callbacks
) -> None:
    WebhookEndpointFactory(url=receiver.url)
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False
    accept_one(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.status == W.FAILED
    assert "refused to send" in delivery.last_message and "loopback" in delivery.last_message
