"""The unchanged status poll answered in one query before sessions and auth: never for a
session, user or right that no longer holds, nor for an ETag the server did not give."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from leadhub.admin.lead_page import VERSION_FIELDS, poll_claim
from leadhub.selectors import USER_ACCESS_FIELDS
from leadhub.status_poll import compiled_poll, poll_rows
from leadhub.statuses import SubmissionStatus
from tests.factories import LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDER = ("owner_id", *USER_ACCESS_FIELDS, *VERSION_FIELDS)


@pytest.fixture
def seller():
    user = UserFactory(username="poll-seller", is_staff=True)
    user.groups.add(Group.objects.get(name="Sales staff"))
    return user


@pytest.fixture
def lead(seller):
    lead = LeadFactory(owner=seller)
    SubmissionFactory(lead=lead, status=SubmissionStatus.QUEUED)
    return lead


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poll(client: Client, lead, etag: str = ""):
    url = reverse("admin:leadhub_lead_status", args=[lead.pk])
    return client.get(url, headers={"If-None-Match": etag} if etag else {})


def test_an_unchanged_poll_is_a_304_with_the_full_views_headers(seller, lead) -> None:
    client = logged_in(seller)
    etag = poll(client, lead)["ETag"]
    again = poll(client, lead, etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert "no-store" in again["Cache-Control"]
    assert "Cookie" in again["Vary"]


def test_after_logout_the_etag_gets_no_304(seller, lead) -> None:
    client = logged_in(seller)
    etag = poll(client, lead)["ETag"]
    cookie = client.cookies["sessionid"].value
    client.logout()
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert poll(client, lead, etag).status_code == 302  # to the login page


def test_another_session_of_the_same_user_gets_no_304_on_this_ones_etag(seller, lead) -> None:
    etag = poll(logged_in(seller), lead)["ETag"]
    other = logged_in(seller)
    assert poll(other, lead, etag).status_code == 200


def test_a_password_change_ends_the_etag(seller, lead) -> None:
    client = logged_in(seller)
    etag = poll(client, lead)["ETag"]
    seller.set_password("another-long-password-1")
    seller.save()
    # The full view then answers as Django does for a session of an old password.
    assert poll(client, lead, etag).status_code != 304


def test_a_right_taken_away_ends_the_304(seller, lead) -> None:
    client = logged_in(seller)
    etag = poll(client, lead)["ETag"]
    seller.groups.clear()
    assert poll(client, lead, etag).status_code == 403


def test_a_staff_flag_taken_away_ends_the_304(seller, lead) -> None:
    client = logged_in(seller)
    etag = poll(client, lead)["ETag"]
    seller.is_staff = False
    seller.save()
    assert poll(client, lead, etag).status_code == 302


def test_an_etag_forged_for_another_user_gets_no_304(seller, lead) -> None:
    other = UserFactory(username="poll-other", is_staff=True)
    other.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client = logged_in(other)
    etag = poll(logged_in(seller), lead)["ETag"]
    # The seller's ETag in another user's session: signed for another session key.
    assert poll(client, lead, etag).status_code == 404


def test_a_manager_who_sees_everything_gets_the_304_on_a_sellers_lead(lead) -> None:
    manager = UserFactory(username="poll-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Integration admins"))
    client = logged_in(manager)
    etag = poll(client, lead)["ETag"]
    assert poll(client, lead, etag).status_code == 304


@pytest.mark.parametrize(
    "header",
    [
        "*",
        '"1-2-3"',
        '"x:1:short"',
        '"a:b:c", "d:e:f"',
        "junk",
        # Digits Python's isdigit() takes and int() refuses, and an id no key column holds.
        f'"7-0-x:\u00b2:{"a" * 32}"',
        f'"7-0-x:{"9" * 40}:{"a" * 32}"',
    ],
)
def test_an_etag_not_ours_is_read_as_none(header: str) -> None:
    assert poll_claim(header) is None


def test_the_compiled_query_reads_what_the_orm_reads(seller, lead) -> None:
    client = logged_in(seller)
    poll(client, lead)
    key = client.cookies["sessionid"].value
    compiled = compiled_poll("default").row(lead.pk, seller.pk, key)
    assert compiled is not None
    (orm,) = poll_rows(lead.pk, seller.pk, key)
    assert tuple(compiled[name] for name in ORDER) == orm
    assert compiled["may_view"]
    assert compiled_poll("default").row(lead.pk + 1000, seller.pk, key) is None
    # A session that is gone finds no row, so nothing is aggregated for it.
    assert compiled_poll("default").row(lead.pk, seller.pk, "0" * 32) is None


def test_a_cookie_that_is_no_session_key_is_left_to_django(seller, lead) -> None:
    client = logged_in(seller)
    etag = poll(client, lead)["ETag"]
    client.cookies["sessionid"] = "bad\x01key"
    assert poll(client, lead, etag).status_code == 302


@pytest.mark.parametrize("lead_id", ["9" * 40, "\u0663"])
def test_a_poll_for_an_id_no_key_holds_is_left_to_django(seller, lead_id: str) -> None:
    client = logged_in(seller)
    url = reverse("admin:leadhub_lead_status", args=[1]).replace("/1/", f"/{lead_id}/")
    response = client.get(url, HTTP_IF_NONE_MATCH=f'"7-0-x:{seller.pk}:{"a" * 32}"')
    assert response.status_code == 404
