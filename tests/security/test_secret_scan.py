"""The secret scan: every operation of every implemented vendor, then a search for secrets.

Every event also goes out as a webhook to a receiver on loopback, so the webhook signing
secret is searched for in the deliveries, their attempts and their admin pages too.

Each vendor sends every operation through the real pipeline (submission → push → attempts)
against the sandbox, once with working credentials and once with wrong ones (which replaced
others: the audit log's "key replaced"), and a chat channel's webhook is tested. Then every
table (raw SQL), every captured log line (through the configured handlers, urllib3's debug
lines included), a dumpdata export, every list's CSV export and every admin page a
superuser can open are searched for every credential value, in every form it may travel or
be echoed in (tests.encodings). A vendor added later needs one ``SAMPLES`` entry, its
payloads taken from ``tests.vendors.payloads``.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from standardwebhooks import Webhook

from leadhub.admin.changelists import CsvExportMixin
from leadhub.api.keys import api_key_create
from leadhub.delivery.push import submission_push
from leadhub.events import Event
from leadhub.models import Lead, Submission
from leadhub.notifications.models import Channel, ChannelKind
from leadhub.notifications.sending import channel_test
from leadhub.statuses import WebhookStatus
from leadhub.webhooks.models import WebhookDelivery
from leadhub.webhooks.outbox import webhook_delivery_replay, webhook_test_send
from sandbox.models import SandboxCredential
from sandbox.seed import seed_all, seed_crmcom, seed_getlead, seed_salesbyte
from tests.factories import (
    ConnectionFactory,
    DestinationFactory,
    LeadFactory,
    UserFactory,
    WebhookEndpointFactory,
)
from tests.leadhub.webhooks.conftest import Receiver
from tests.leadhub.webhooks.conftest import receiver as receiver  # the fixture
from tests.security.scanning import captured_logs, copies_found, database_text, secret_forms
from tests.vendors.payloads import PAYLOADS, valid_payload
from vendors.campaign_sync import campaigns_sync
from vendors.departments import department_assign
from vendors.models import Campaign, Connection, Destination
from vendors.registry import adapter_class, implemented_kinds
from vendors.results import VendorError

pytestmark = pytest.mark.django_db(transaction=True)

# The keys in a chat channel's webhook URLs (its first, then the one that replaced it).
WEBHOOK_KEYS = ("scan-webhook-key-first-3f9a1c", "scan-webhook-key-second-8b2e4d")
CHANNEL_URL = f"https://hooks.example.com/services/T0/B0/{WEBHOOK_KEYS[0]}"


@dataclass
class VendorSample:
    """What the scan needs to drive one vendor against its sandbox."""

    credentials: dict[str, str]  # accepted once ``register`` has run
    wrong_credentials: dict[str, str]  # refused by the sandbox
    payloads: dict[str, dict[str, Any]]  # a valid payload for every operation
    register: Callable[[dict[str, str]], None]
    # Destination fields an operation needs (LeadByte's campaign); may raise VendorError
    # for the wrong credentials, which is part of the scan.
    prepare: Callable[[Connection], dict[str, Any]] = field(default=lambda connection: {})
    # Calls outside the operations (Getlead's department assignment), run on both connections.
    extra_calls: Callable[[Connection], None] = field(default=lambda connection: None)


def _leadbyte_prepare(connection: Connection) -> dict[str, Any]:
    campaigns_sync(connection=connection)
    return {"campaign": Campaign.objects.get(connection=connection, reference="EXAMPLE-CAMPAIGN")}


def _getlead_department(connection: Connection) -> None:
    department_assign(connection=connection, source_number="447911123456", department="Sales")


SAMPLES: dict[str, VendorSample] = {
    "leadbyte": VendorSample(
        credentials={"api_key": "scan-leadbyte-key-0a1b2c3d4e"},
        wrong_credentials={"api_key": "scan-leadbyte-wrong-9f8e7d6c"},
        # The campaign (and its campid) comes from the destination, as in production.
        payloads={"create_lead": valid_payload("leadbyte", campid=None)},
        register=lambda creds: SandboxCredential.register("leadbyte", creds["api_key"]),
        prepare=_leadbyte_prepare,
    ),
    "salesbyte": VendorSample(
        credentials={
            "uuid": "5ca9b7e2-scan-4c7b-9d3a-5a1e5b0c7777",
            "api_token": "scan-salesbyte-token-6e5d4c",
        },
        wrong_credentials={
            "uuid": "5ca9b7e2-wrng-4c7b-9d3a-5a1e5b0c8888",
            "api_token": "scan-salesbyte-wrong-1a2b3c",
        },
        payloads=PAYLOADS["salesbyte"],
        register=lambda creds: seed_salesbyte(uuid=creds["uuid"], api_token=creds["api_token"]),
    ),
    "crmcom": VendorSample(
        credentials={
            "username": "scan.integration.user",
            "password": "scan-crmcom-pass-f00d42",
            "organisation": "SCAN-ORG-CRM-77",
        },
        wrong_credentials={
            "username": "scan.wrong.user.x",
            "password": "scan-crmcom-wrong-beef99",
            "organisation": "SCAN-ORG-WRONG-88",
        },
        payloads=PAYLOADS["crmcom"],
        register=seed_crmcom,
    ),
    "getlead": VendorSample(
        credentials={"token": "gl_5ca95ca95ca95ca95ca9"},
        wrong_credentials={"token": "gl_0bad0bad0bad0bad0bad"},
        payloads=PAYLOADS["getlead"],
        register=lambda creds: seed_getlead(creds["token"]),
        extra_calls=_getlead_department,
    ),
}


def replaced(sample: VendorSample) -> dict[str, str]:
    """Credentials a connection had before they were replaced: searched for like the rest."""
    return {name: f"{value}-replaced-4e7" for name, value in sample.wrong_credentials.items()}


def send_everything(kind: str, sample: VendorSample, base_url: str, owner) -> list[Submission]:
    sample.register(sample.credentials)
    adapter = adapter_class(kind)
    good = ConnectionFactory(kind=kind, base_url=base_url, credentials=sample.credentials)
    # The wrong credentials replace earlier ones: the audit log records "key replaced".
    bad = ConnectionFactory(kind=kind, base_url=base_url, credentials=replaced(sample))
    bad.credentials = sample.wrong_credentials
    bad.save()
    extra = sample.prepare(good)
    with contextlib.suppress(VendorError):
        sample.prepare(bad)  # refused, and recorded on the connection: scanned too
    for connection in (good, bad):
        sample.extra_calls(connection)
    submissions = []
    for connection in (good, bad):
        for name, operation in adapter.operations.items():
            assert name in sample.payloads, f"SAMPLES[{kind!r}] has no payload for {name!r}"
            destination = DestinationFactory(
                connection=connection,
                operation=name,
                fixed_values={},
                **(extra if operation.uses_campaign else {}),
            )
            payload = {**adapter.base_payload(destination), **sample.payloads[name]}
            submission = Submission.objects.create(
                lead=LeadFactory(owner=owner),
                destination=destination,
                connection=connection,
                operation=name,
                campaign=destination.campaign,
                payload=payload,
            )
            submission_push(submission_id=submission.pk)
            submission.refresh_from_db()
            submissions.append(submission)
    return submissions


def admin_pages(client: Client) -> dict[str, str]:
    pages = {}
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        urls = [reverse(f"{prefix}_changelist")]
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:25]:
            urls.append(reverse(f"{prefix}_change", args=[pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            pages[url] = response.content.decode()
    first_destination = Submission.objects.exclude(destination=None).first().destination_id
    for url in (
        reverse("admin:leadhub_lead_add"),
        reverse("admin:leadhub_lead_add") + f"?destinations={first_destination}",
    ):
        pages[url] = client.get(url).content.decode()
    return pages


def csv_exports(client: Client) -> dict[str, str]:
    """Every list's CSV export, as the "Export CSV" button downloads it."""
    files = {}
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, CsvExportMixin):
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
        response = client.get(url)
        assert response.status_code == 200, url
        files[url] = b"".join(response.streaming_content).decode("utf-8")
        assert len(files[url].splitlines()) > 1, f"{url} exported nothing to search"
    assert files, "no list offers a CSV export"
    return files


def api_answers(token: str) -> dict[str, str]:
    """Every read the API offers on what was sent, and a dry run (the masked requests)."""
    client = Client(headers={"Authorization": f"Bearer {token}"})
    answers = {}
    urls = ["/api/v1/leads?limit=100", "/api/v1/submissions?limit=100", "/api/v1/destinations"]
    urls += [f"/api/v1/submissions/{pk}" for pk in Submission.objects.values_list("pk", flat=True)]
    urls += [f"/api/v1/leads/{pk}" for pk in Lead.objects.values_list("pk", flat=True)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:500])
        answers[url] = response.content.decode()
    for destination in Destination.objects.all():
        body = {"first_name": "Ada", "destinations": [{"destination": destination.slug}]}
        url = f"/api/v1/leads?dry_run=true&d={destination.slug}"
        response = client.post(url, body, content_type="application/json")
        assert response.status_code in {200, 422}, (url, response.content[:500])
        answers[url] = response.content.decode()
    # A wrong key's refusal and a bad body are logged by Django (4xx warnings): scanned too.
    Client(headers={"Authorization": f"Bearer {token}x"}).get("/api/v1/leads")
    client.post("/api/v1/leads", f'{{"x": "{token}"', content_type="application/json")
    return answers


def test_no_secret_is_stored_logged_exported_or_shown(live_server, receiver: Receiver) -> None:
    seed_all()
    root = UserFactory(username="scan-root", is_superuser=True)
    # A webhook endpoint told about everything: its signing secret joins the scan, and its
    # deliveries (payloads, attempts, the receiver's answers) join the tables and pages.
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[e.value for e in Event])
    secrets: dict[str, str] = {"webhook.signing_secret": endpoint.secret}
    outcomes = {}
    with captured_logs() as logs:
        for kind in implemented_kinds():
            assert kind in SAMPLES, f"add a SAMPLES entry for the vendor {kind!r}"
            sample = SAMPLES[kind]
            for name, value in {**sample.credentials}.items():
                secrets[f"{kind}.{name}"] = value
            for name, value in sample.wrong_credentials.items():
                secrets[f"{kind}.{name} (wrong)"] = value
            for name, value in replaced(sample).items():
                secrets[f"{kind}.{name} (replaced)"] = value
            base_url = f"{live_server.url}/sandbox/{kind}/"
            for submission in send_everything(kind, sample, base_url, root):
                outcomes[(kind, submission.connection.name, submission.operation)] = (
                    submission.status
                )
            # The runserver access line for the GETs that carry the key in the query.
            for value in (*sample.credentials.values(), *sample.wrong_credentials.values()):
                logging.getLogger("django.server").info(
                    '"%s" %s %s', f"GET /sandbox/{kind}/x?key={value}&page=2 HTTP/1.1", 200, 12
                )
        # A chat channel: its URL replaced twice (audited), each webhook tested (the sandbox
        # answers 404: a failure recorded on the channel, urllib3's request line logged).
        channel = Channel.objects.create(
            name="Scan chat", kind=ChannelKind.WEBHOOK, secret={"url": CHANNEL_URL}
        )
        for key in WEBHOOK_KEYS:
            channel.secret = {"url": f"{live_server.url}/sandbox/chat/{key}"}
            channel.save()
            assert not channel_test(channel=channel).ok
        for name, value in zip(("first", "second"), WEBHOOK_KEYS, strict=True):
            secrets[f"webhook.{name}"] = value
        webhook_test_send(endpoint=endpoint)
        webhook_delivery_replay(delivery=WebhookDelivery.objects.earliest("pk"))
        client = Client()
        client.force_login(root)
        pages = admin_pages(client)
        exports = csv_exports(client)
        # LeadHub's own API key is a secret too: stored as a hash, never shown again.
        api_key = api_key_create(name="scan", owner=root, destinations=Destination.objects.all())
        secrets["leadhub.api_key"] = api_key.token
        answers = api_answers(api_key.token)
    log_text = logs.getvalue()
    export = io.StringIO()
    call_command("dumpdata", exclude=["sandbox"], stdout=export)  # never in production
    places = {
        **{f"table {t}": text for t, text in database_text().items()},
        "captured logs": log_text,
        "dumpdata export": export.getvalue(),
        **{f"page {u}": text for u, text in pages.items()},
        **{f"CSV export {u}": text for u, text in exports.items()},
        **{f"API answer {u}": text for u, text in answers.items()},
    }

    # The sends happened: good credentials were accepted, wrong ones refused.
    statuses = set(outcomes.values())
    assert statuses & {"accepted", "quarantined", "duplicate"}, outcomes
    assert "rejected" in statuses, outcomes
    assert "GET /sandbox/" in log_text and "?key=" in log_text  # the access lines were logged
    # urllib3's debug lines, which carry each request line with its query, were captured.
    assert "DEBUG urllib3.connectionpool" in log_text
    assert Lead.objects.count() >= 2
    # The webhooks went out signed, and the receiver could verify each one.
    assert WebhookDelivery.objects.filter(status=WebhookStatus.DELIVERED).count() >= 5
    for request in receiver.requests:
        Webhook(endpoint.secret).verify(request.body, request.headers)
    assert "table leadhub_webhooks_webhookattempt" in places
    assert any("/leadhub_webhooks/webhookdelivery/" in place for place in places)

    found = copies_found(secrets, places)
    print(
        f"\nsecret scan: {len(secrets)} secrets in {len(secret_forms(secrets))} forms"
        f" x {len(places)} places "
        f"({len([p for p in places if p.startswith('table')])} tables, "
        f"{len(log_text.splitlines())} log lines, {len(pages)} admin pages, "
        f"{len(exports)} CSV exports, 1 dumpdata): "
        f"{len(found)} found"
    )
    assert not found, "\n".join(found)
