"""Idempotent retries and the rate per key."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta

import pytest
import redis
from django.db import connection as db
from django.test import override_settings

from leadhub.api.models import IdempotentAnswer
from leadhub.models import Lead

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(
    db.vendor != "postgresql", reason="a real race needs two database connections at once"
)


@pytest.fixture
def destination(campaign_destination):
    return campaign_destination


@pytest.fixture
def key(make_key, destination):
    return make_key(destination)


@pytest.fixture
def api(api_client, key):
    return api_client(key.token)


@pytest.fixture(autouse=True)
def no_push(monkeypatch):
    """Queued, not sent: these tests are about what is saved, not what the vendor says."""
    monkeypatch.setattr("leadhub.delivery.outbox._tasks_on_commit", lambda tasks: None)


def body(destination, first_name: str = "Ada") -> dict:
    fields = {"data13": "Volvo", "gender": "F", "dob": "1990-12-31"}
    return {
        "first_name": first_name,
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "07911 123456",
        "destinations": [{"destination": destination.slug, "fields": fields}],
    }


def test_a_retry_gets_the_first_answer_and_no_second_lead(api, destination) -> None:
    first = api.post("/leads", body(destination), **{"Idempotency-Key": "k-1"})
    again = api.post("/leads", body(destination), **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1
    # Another key is another request: the same person again, sent on purpose.
    resend = {**body(destination), "allow_duplicate": True}
    other = api.post("/leads", resend, **{"Idempotency-Key": "k-2"})
    assert other.status_code == 201 and Lead.objects.count() == 2


def test_the_same_key_with_another_body_is_409(api, destination) -> None:
    api.post("/leads", body(destination), **{"Idempotency-Key": "k-1"})
    response = api.post("/leads", body(destination, "Bea"), **{"Idempotency-Key": "k-1"})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "idempotency_key_reused",
    )
    assert Lead.objects.count() == 1


def test_a_refusal_is_replayed_too(api, destination) -> None:
    bad = {**body(destination), "first_name": ""}
    first = api.post("/leads", bad, **{"Idempotency-Key": "k-bad"})
    again = api.post("/leads", bad, **{"Idempotency-Key": "k-bad"})
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json()


def test_answers_are_kept_24_hours(api, destination) -> None:
    api.post("/leads", body(destination), **{"Idempotency-Key": "k-1"})
    IdempotentAnswer.objects.update(
        created_at=IdempotentAnswer.objects.get().created_at - timedelta(hours=24, seconds=1)
    )
    bea = {**body(destination, "Bea"), "email": "bea@example.com", "phone": "07911 654321"}
    again = api.post("/leads", bea, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and Lead.objects.count() == 2


@pytest.mark.parametrize("header", ["", "x" * 256])
def test_an_empty_or_long_idempotency_key_is_400(api, destination, header) -> None:
    response = api.post("/leads", body(destination), **{"Idempotency-Key": header})
    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "invalid_idempotency_key",
    )
    assert not Lead.objects.exists()


@override_settings(API_RATE_LIMIT=2, API_RATE_WINDOW=60)
def test_the_rate_per_key_answers_429_with_retry_after(api, make_key, api_client, destination):
    assert api.get("/destinations").status_code == 200
    assert api.get("/destinations").status_code == 200
    limited = api.get("/destinations")
    assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Per key: another key still has its own.
    assert api_client(make_key(destination).token).get("/destinations").status_code == 200


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_exactly_one_lead(api, destination) -> None:
    answers: list[tuple[int, dict]] = []
    start = threading.Barrier(8)

    def send() -> None:
        try:
            start.wait()
            response = api.client.__class__().post(
                "/api/v1/leads",
                data=__import__("json").dumps(body(destination)),
                content_type="application/json",
                headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": "race"},
            )
            answers.append((response.status_code, response.json()))
        finally:
            db.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Lead.objects.count() == 1
    assert [status for status, _ in answers] == [201] * 8
    assert len({answer["id"] for _, answer in answers}) == 1


def _redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


def test_on_redis_the_rate_is_counted_in_one_round_trip_and_expires(
    api, make_key, api_client, destination
) -> None:
    url = _redis_url()
    if url is None:
        pytest.skip("needs Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/13)")
    caches = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-rate-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=caches, API_RATE_LIMIT=2, API_RATE_WINDOW=60):
        assert api.get("/destinations").status_code == 200
        assert api.get("/destinations").status_code == 200
        limited = api.get("/destinations")
        assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate_limited")
        assert 1 <= int(limited["Retry-After"]) <= 60
        assert api_client(make_key(destination).token).get("/destinations").status_code == 200
        client = redis.Redis.from_url(url)
        counted = list(client.scan_iter(f"{caches['default']['KEY_PREFIX']}*api-rate:*"))
        assert len(counted) == 2  # one window per key
        assert all(0 < int(client.ttl(name)) <= 61 for name in counted)
        assert sorted(int(client.get(name) or 0) for name in counted) == [1, 3]
        client.delete(*counted)
