"""The route's admin pages offer only what routing does."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_route_form_does_not_offer_the_staff_flag_nothing_reads_yet(admin_client) -> None:
    page = admin_client.get(reverse("admin:leadhub_routing_route_add"))
    assert page.status_code == 200
    assert b'name="name"' in page.content
    assert b"for_staff" not in page.content
