"""The route's admin pages offer only what routing does."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_route_form_offers_the_sources_that_use_it(admin_client) -> None:
    page = admin_client.get(reverse("admin:leadhub_routing_route_add"))
    assert page.status_code == 200
    assert b'name="name"' in page.content
    assert b'name="for_staff"' in page.content
    assert b'name="for_imports"' in page.content
