"""A queryset compiled once and run with new values reads what the queryset reads."""

from __future__ import annotations

import pytest
from django.db import connection

from leadhub.compiled_query import CompiledQuery
from leadhub.models import Lead
from leadhub.webhooks.models import WebhookEndpoint
from leadhub.webhooks.outbox import endpoints_subscribed
from tests.factories import LeadFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_values_take_the_stand_ins_places_and_constants_stay() -> None:
    ada = LeadFactory(first_name="Ada", last_name="Lovelace")
    LeadFactory(first_name="Ada", last_name="Byron")
    LeadFactory(first_name="Grace", last_name="Lovelace")
    rows = Lead.objects.filter(first_name="\0first", last_name="Lovelace").values_list(
        "pk", "created_at"
    )
    compiled = CompiledQuery.of(rows, {"\0first": "first"}, connection.alias)
    found = compiled.run({"first": "Ada"})
    assert found == [(ada.pk, ada.created_at)]  # a date read as the ORM reads it
    assert compiled.run({"first": "Nobody"}) == []


def test_json_is_read_as_the_orm_reads_it_and_subscriptions_follow_changes() -> None:
    endpoint = WebhookEndpointFactory(events=["lead.created", "submission.accepted"])
    WebhookEndpointFactory(events=["submission.rejected"])
    assert endpoints_subscribed("lead.created") == [endpoint.pk]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert endpoints_subscribed("lead.created") == []
