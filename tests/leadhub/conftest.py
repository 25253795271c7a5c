"""Shared by the lead-hub tests: the lead entry form as staff post it, and leads pushed to the
sandbox's LeadByte campaign (tests/conftest.py's leadbyte_destination)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from leadhub.delivery.push import submission_push
from leadhub.models import Lead, Submission
from tests.factories import SubmissionFactory, UserFactory
from vendors.models import Destination

if TYPE_CHECKING:
    # The test client's response (with .context and .templates), as django-stubs names it.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

# The contact staff type in for every destination: Ada, with a UK mobile.
CONTACT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "07911 123456",
}

# What the sandbox's LeadByte example campaign is sent for CONTACT and `leadbyte_form`.
LEADBYTE_LEAD = {
    "campid": "EXAMPLE-CAMPAIGN",
    "sid": "1",
    "email": "ada@example.com",
    "firstname": "Ada",
    "lastname": "Lovelace",
    "phone1": "+447911123456",
    "data13": "Volvo",
    "gender": "F",
    "dob": "31/12/1990",
}


class LeadEntry:
    """The admin's form that sends a lead, posted by a logged-in client for some destinations.

    By default it is posted past the preview, as the Confirm button does; ``press="edit"`` is
    the Edit button, ``press=None`` the first post that asks for the preview.
    """

    def __init__(self, client: Client) -> None:
        self.client = client

    @staticmethod
    def url(*destinations: Destination) -> str:
        query = "&".join(f"destinations={d.pk}" for d in destinations)
        return f"{reverse('admin:leadhub_lead_add')}?{query}"

    def page(self, *destinations: Destination) -> str:
        """The form for these destinations, as staff first see it."""
        response = self.client.get(self.url(*destinations))
        assert response.status_code == 200
        return response.content.decode()

    def post(
        self,
        destinations: Destination | Sequence[Destination],
        data: Mapping[str, str],
        *,
        press: str | None = "confirm",
    ) -> TestResponse:
        if isinstance(destinations, Destination):
            destinations = [destinations]
        button = {press: "1"} if press else {}
        return self.client.post(self.url(*destinations), {**data, **button})

    def send(self, destination: Destination, data: Mapping[str, str]) -> Lead:
        """Confirm the form; check it saved the lead and went on to the lead's page."""
        response = self.post(destination, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        lead = Lead.objects.get()
        assert response["Location"] == reverse("admin:leadhub_lead_change", args=[lead.pk])
        return lead

    def refuse(self, destination: Destination, data: Mapping[str, str]) -> TestResponse:
        """Confirm the form; check it came back to be corrected and nothing was saved."""
        response = self.post(destination, data)
        assert response.status_code == 200
        assert not Lead.objects.exists() and not Submission.objects.exists()
        return response


@pytest.fixture
def lead_entry(admin_client: Client) -> LeadEntry:
    return LeadEntry(admin_client)


@pytest.fixture
def leadbyte_form(leadbyte_destination: Destination) -> dict[str, str]:
    """The entry form filled in for the LeadByte example: CONTACT and the campaign's fields."""
    prefix = f"d{leadbyte_destination.pk}__"
    return {
        **CONTACT,
        f"{prefix}data13": "Volvo",
        f"{prefix}gender": "F",
        f"{prefix}dob": "1990-12-31",
    }


PushToLeadByte = Callable[[Mapping[str, Any]], Submission]


@pytest.fixture
def push_to_leadbyte(leadbyte_destination: Destination) -> PushToLeadByte:
    """Send a lead with this payload to the sandbox's LeadByte campaign now, as the worker
    does; the submission comes back as it then stands."""

    def push(payload: Mapping[str, Any]) -> Submission:
        submission = SubmissionFactory(destination=leadbyte_destination, payload=dict(payload))
        submission_push(submission_id=submission.pk)
        submission.refresh_from_db()
        return submission

    return push


@pytest.fixture
def role_client(db) -> Callable[[str], Client]:
    """A client logged in as a staff user in the given role ("Integration admins", "Sales
    staff"), the group the roles migration made."""

    def login(role: str) -> Client:
        user = UserFactory(username=role.lower().replace(" ", "-"), is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        return client

    return login
