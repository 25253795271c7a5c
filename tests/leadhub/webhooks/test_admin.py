"""Webhooks in the admin: integration admins register endpoints (a URL LeadHub may call),
see the secret only when they ask for it, send a test event, and replay a delivery."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from leadhub.statuses import WebhookStatus
from leadhub.webhooks.models import WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.signing import MASK
from tests.factories import UserFactory, WebhookEndpointFactory
from tests.leadhub.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db

LIST = reverse("admin:leadhub_webhooks_webhookendpoint_changelist")
ADD = reverse("admin:leadhub_webhooks_webhookendpoint_add")
DELIVERIES = reverse("admin:leadhub_webhooks_webhookdelivery_changelist")


def client_in(group: str) -> Client:
    user = UserFactory(username=group.split()[0].lower())
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def integration() -> Client:
    return client_in("Integration admins")


def change_url(endpoint: WebhookEndpoint) -> str:
    return reverse("admin:leadhub_webhooks_webhookendpoint_change", args=[endpoint.pk])


def test_only_integration_admins_manage_endpoints(integration: Client) -> None:
    endpoint = WebhookEndpointFactory()
    sales = client_in("Sales staff")
    for url in (LIST, ADD, change_url(endpoint), DELIVERIES):
        assert sales.get(url).status_code == 403, url
        assert integration.get(url).status_code == 200, url


def test_an_endpoint_is_registered_with_a_secret_that_no_page_shows(
    integration: Client, receiver: Receiver
) -> None:
    response = integration.post(
        ADD,
        {
            "name": "CRM",
            "url": receiver.url,
            "events": ["submission.accepted", "lead.created"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert endpoint.events == ["lead.created", "submission.accepted"]
    for url in (LIST, change_url(endpoint)):
        page = integration.get(url).content.decode()
        assert endpoint.secret not in page
        assert endpoint.secret.removeprefix("whsec_") not in page
    assert MASK in integration.get(change_url(endpoint)).content.decode()

    secret_url = reverse("admin:leadhub_webhooks_webhookendpoint_secret", args=[endpoint.pk])
    assert integration.get(secret_url).status_code == 405  # shown only on a POST
    shown = integration.post(secret_url)
    assert endpoint.secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert client_in("Sales staff").post(secret_url).status_code == 403


def test_rotating_the_secret_shows_the_new_one(integration: Client) -> None:
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    url = reverse("admin:leadhub_webhooks_webhookendpoint_rotate", args=[endpoint.pk])
    page = integration.post(url).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in page and old not in page


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:8000/hooks", "must use https"),
        ("https://10.0.0.5/hooks", "private network address"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://localhost/hooks", "internal name"),
        ("https://user:pw@hooks.example.com/", "must not carry a user name"),
    ],
)
def test_an_address_leadhub_may_not_call_is_refused_in_production(
    integration: Client, settings, url: str, error: str
) -> None:
    settings.PRODUCTION = True
    settings.ALLOW_PRIVATE_VENDOR_HOSTS = False
    response = integration.post(ADD, {"name": "Bad", "url": url, "events": ["lead.created"]})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_without_events_is_refused(integration: Client) -> None:
    response = integration.post(ADD, {"name": "None", "url": "https://hooks.example.com/"})
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "This field is required" in response.content.decode()


def test_send_a_test_event_then_replay_it(
    integration: Client, receiver: Receiver, django_capture_on_commit_callbacks
) -> None:
    endpoint = WebhookEndpointFactory(url=receiver.url, events=["lead.created"])
    with django_capture_on_commit_callbacks(execute=True):
        response = integration.post(
            LIST, {"action": "send_test_event", "_selected_action": [endpoint.pk]}
        )
    assert response.status_code == 302
    [got] = receiver.requests
    assert Webhook(endpoint.secret).verify(got.body, got.headers)["type"] == "webhook.test"

    delivery = WebhookDelivery.objects.get()
    page = integration.get(
        reverse("admin:leadhub_webhooks_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()
    assert "Attempts (timeline)" in page and "Delivered: HTTP 200." in page
    assert endpoint.secret not in page

    with django_capture_on_commit_callbacks(execute=True):
        integration.post(DELIVERIES, {"action": "replay", "_selected_action": [delivery.pk]})
    assert len(receiver.requests) == 2
    replay = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert replay.replay_of == delivery and replay.status == WebhookStatus.DELIVERED


def test_a_turned_off_endpoint_is_turned_on_again(integration: Client) -> None:
    endpoint = WebhookEndpointFactory(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason="Turned off",
        failing_since=timezone.now(),
    )
    assert "Turned off after failures" in integration.get(LIST).content.decode()
    integration.post(LIST, {"action": "turn_on", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None and endpoint.failing_since is None


def test_a_delivery_is_a_record_nobody_edits(integration: Client) -> None:
    delivery = WebhookDelivery.objects.create(
        endpoint=WebhookEndpointFactory(), event="lead.created", message_id="msg_1", payload={}
    )
    url = reverse("admin:leadhub_webhooks_webhookdelivery_change", args=[delivery.pk])
    assert integration.post(url, {}).status_code == 405
    assert integration.get(reverse("admin:leadhub_webhooks_webhookdelivery_add")).status_code == 403


def test_the_admin_home_shows_an_endpoint_turned_off(integration: Client) -> None:
    home = reverse("admin:index")
    assert "Webhook endpoints turned off" not in integration.get(home).content.decode()
    WebhookEndpointFactory(
        name="CRM hook",
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason="Turned off: every delivery failed for 5 days.",
    )
    page = integration.get(home).content.decode()
    assert "Webhook endpoints turned off" in page and "CRM hook" in page
    assert "failed for 5 days" in page
    # Sales staff do not manage endpoints: not theirs to see.
    assert "CRM hook" not in client_in("Sales staff").get(home).content.decode()
