from __future__ import annotations

import pytest


def test_healthz_answers_without_the_database(client) -> None:
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a probe by IP, not in ALLOWED_HOSTS
    assert response.status_code == 200
    assert response.json() == {"status": "pass"}


@pytest.mark.django_db
def test_readyz_fails_without_a_worker_cluster(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["status"] == "pass"
    assert body["checks"]["cluster"]["status"] == "fail"
