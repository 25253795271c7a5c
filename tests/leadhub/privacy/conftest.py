"""Shared by the privacy tests: one person's values, and clients in each role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.factories import UserFactory

# One person, with values found nowhere else in a test database.
PERSON = {
    "first_name": "Zebedee",
    "last_name": "Quillfeather",
    "email": "zeb.quillfeather@example.org",
    "phone": "07911 654321",
    "company": "Quillfeather Widgets",
    "notes": "Call after five about the Hartlepool depot",
    "consent_date": "2026-11-02",
    "consent_url": "https://offers.example.org/quill-signup",
    "consent_wording": "Zebedee agrees to hear from partners by phone",
}
# Every form of the person's values that must be gone after an erasure.
PERSON_VALUES = {
    "first name": "Zebedee",
    "last name": "Quillfeather",
    "email": "zeb.quillfeather@example.org",
    "phone as typed": "07911 654321",
    "phone (E.164)": "+447911654321",
    "phone (national)": "7911654321",
    "company": "Quillfeather Widgets",
    "notes": "Hartlepool depot",
    "opt-in page": "offers.example.org/quill-signup",
    "opt-in wording": "agrees to hear from partners",
}


# What each role is given by the migrations that this file relies on: a transactional test
# flushes the roles' groups, so they are made again here when they are gone.
ROLE_PERMISSIONS = {
    "Integration admins": ("view_lead", "view_all_leads", "manage_personal_data"),
    "Sales staff": ("add_lead", "view_lead", "view_submission"),
}


def role_client(role: str) -> Client:
    user = UserFactory()
    group, made = Group.objects.get_or_create(name=role)
    if made:
        group.permissions.add(*Permission.objects.filter(codename__in=ROLE_PERMISSIONS[role]))
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def integration_client(db) -> Client:
    return role_client("Integration admins")


@pytest.fixture
def sales_client(db) -> Client:
    return role_client("Sales staff")
