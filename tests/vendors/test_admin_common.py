"""What every admin list shares: a title that says what it holds."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("admin:leadhub_lead_changelist", "Leads"),
        ("admin:leadhub_submission_changelist", "Submissions"),
        ("admin:vendors_connection_changelist", "Connections"),
        ("admin:vendors_destination_changelist", "Destinations"),
        ("admin:leadhub_imports_importjob_changelist", "Import jobs"),
    ],
)
def test_lists_are_titled_by_what_they_hold(admin_client, url: str, title: str) -> None:
    page = admin_client.get(reverse(url)).content.decode()
    assert f"<h1>{title}</h1>" in page
    assert "to change</h1>" not in page and "to view</h1>" not in page
