"""A process remembers an API key and its destinations for API_KEY_CACHE_SECONDS: a change
made in this process bites at once, one made elsewhere (no signal here) within the bound."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadhub.api import key_cache
from leadhub.api.intake import LeadChecker
from leadhub.api.keys import api_key_authenticate, api_key_revoke, key_checker, key_destinations
from leadhub.api.models import ApiKey
from tests.factories import DestinationFactory
from vendors.models import Destination

pytestmark = pytest.mark.django_db


@pytest.fixture
def destination(getlead_destination: Destination) -> Destination:
    return getlead_destination


def _reads_of(api, table: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/destinations").status_code == 200
    return sum(f'FROM "{table}"' in q["sql"] for q in queries.captured_queries)


def test_the_key_is_read_once_then_remembered(make_key, api_client, destination) -> None:
    api = api_client(make_key(destination).token)
    assert _reads_of(api, "leadhub_api_apikey") == 1
    assert _reads_of(api, "leadhub_api_apikey") == 0


def test_a_revocation_in_this_process_bites_at_once(make_key, api_client, destination) -> None:
    new = make_key(destination)
    api = api_client(new.token)
    assert api.get("/destinations").status_code == 200
    api_key_revoke(key=ApiKey.objects.get(pk=new.key.pk))
    answer = api.get("/destinations")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "api_key_revoked"


def test_a_revocation_elsewhere_bites_within_the_bound(
    make_key, api_client, destination, monkeypatch, settings
) -> None:
    settings.API_KEY_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(key_cache.time, "monotonic", lambda: now[0])
    new = make_key(destination)
    api = api_client(new.token)
    assert api.get("/destinations").status_code == 200
    # Another process's revocation: the row changes, no signal reaches this one.
    ApiKey.objects.filter(pk=new.key.pk).update(revoked_at=timezone.now())
    now[0] += 4.9
    assert api.get("/destinations").status_code == 200
    now[0] += 0.2
    assert api.get("/destinations").status_code == 401


def test_a_change_forgets_again_when_it_commits(make_key, destination) -> None:
    new = make_key(destination)
    with transaction.atomic():
        api_key_revoke(key=ApiKey.objects.get(pk=new.key.pk))
        # What a request in another thread kept after reading the row before the commit.
        key_cache._entries["read-before-the-commit"] = object()  # type: ignore[assignment]
    assert "read-before-the-commit" not in key_cache._entries


def test_a_scope_change_is_seen_at_once(make_key, api_client, destination) -> None:
    new = make_key(destination)
    api = api_client(new.token)
    body = {"first_name": "Ada", "last_name": "Lovelace", "phone": "07911 123456"}
    other = DestinationFactory(connection=destination.connection, operation="create_lead")
    sent = {**body, "destinations": [{"destination": other.slug}]}
    assert api.post("/leads", sent).json()["error"]["code"] == "destination_out_of_scope"
    new.key.destinations.add(other)
    assert api.post("/leads", sent).status_code != 403
    Destination.objects.get(pk=other.pk).save(update_fields=["is_active"])  # a save forgets
    assert key_cache.key_entry_get(new.key.prefix) is None


def test_nothing_is_kept_when_the_bound_is_zero(
    make_key, api_client, destination, settings
) -> None:
    settings.API_KEY_CACHE_SECONDS = 0
    api = api_client(make_key(destination).token)
    assert _reads_of(api, "leadhub_api_apikey") == 1
    assert _reads_of(api, "leadhub_api_apikey") == 1


def test_a_thread_keeps_its_own_lead_check(make_key, destination) -> None:
    from_cache = api_key_authenticate(make_key(destination).token)
    chosen = list(key_destinations(from_cache).values())
    mine = key_checker(from_cache, chosen)
    assert key_checker(from_cache, chosen) is mine
    theirs: list[LeadChecker] = []
    worker = threading.Thread(target=lambda: theirs.append(key_checker(from_cache, chosen)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine and theirs[0].cleaner is not mine.cleaner
