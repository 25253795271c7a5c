"""The site's own addresses: the favicon every browser asks for."""

from __future__ import annotations

import pytest


def test_the_favicon_is_served_not_a_404(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)


@pytest.mark.django_db
def test_every_admin_page_names_its_icon(admin_client) -> None:
    html = admin_client.get("/admin/").content.decode()
    assert '<link rel="icon" href="/static/leadhub/favicon.svg"' in html
