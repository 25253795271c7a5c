"""The API's tests: keys for the sandbox's destinations and a client that sends JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client

from leadhub.api.keys import NewKey, api_key_create
from leadhub.api.models import KeyAccess, KeyKind
from tests.factories import DestinationFactory
from vendors.models import Connection, Destination

GETLEAD_LEAD = {"first_name": "Ada", "last_name": "Lovelace", "phone": "07911 123456"}


class ApiClient:
    """Django's test client speaking JSON with a bearer key."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        return sent

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self._headers(headers))

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            f"/api/v1{path}",
            data=data,
            content_type=content_type,
            headers=self._headers(headers),
        )


# What the integration admins' role grants that the API's reads and resends rely on (the
# live-server tests flush the roles the migrations made; permissions are made again).
OWNER_PERMISSIONS = ("view_all_leads", "change_submission", "view_lead", "view_submission")


@pytest.fixture
def api_owner(django_user_model):
    user = django_user_model.objects.create_user("integration", "i@example.com", "pw-i-123456")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="leadhub", codename__in=OWNER_PERMISSIONS
        )
    )
    return user


@pytest.fixture
def getlead_destination(getlead_connection: Connection) -> Destination:
    return DestinationFactory(
        name="Getlead website",
        slug="getlead-website",
        connection=getlead_connection,
        operation="create_lead",
        fixed_values={"source": "LeadHub"},
    )


@pytest.fixture
def make_key(api_owner) -> Callable[..., NewKey]:
    def make(
        *destinations: Destination,
        access: str = KeyAccess.WRITE,
        kind: str = KeyKind.SECRET,
        **kwargs: Any,
    ) -> NewKey:
        return api_key_create(
            name="Website",
            owner=kwargs.pop("owner", api_owner),
            destinations=destinations,
            access=access,
            kind=kind,
            **kwargs,
        )

    return make


@pytest.fixture
def api_client(client: Client) -> Callable[[str | None], ApiClient]:
    return lambda token: ApiClient(client, token)


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """Each test starts with no request counted against any key."""
    cache.clear()
