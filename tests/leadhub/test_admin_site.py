"""The admin's menu of apps, kept per set of rights: the same for the same rights, never
showing what a person may not open, and redrawn as soon as their rights change."""

from __future__ import annotations

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Group, Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from leadhub.admin_site import LeadHubAdminSite
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def menu(user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return [m["object_name"] for app in site.get_app_list(request) for m in app["models"]]


def test_the_registered_site_is_leadhubs() -> None:
    assert isinstance(site, LeadHubAdminSite)


def test_a_sellers_menu_shows_leads_and_not_connections() -> None:
    seller = UserFactory(username="menu-seller")
    seller.groups.add(Group.objects.get(name="Sales staff"))
    shown = menu(seller)
    assert "Lead" in shown
    assert "Connection" not in shown


def test_a_right_given_shows_at_once() -> None:
    user = UserFactory(username="menu-user")
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    assert "Connection" not in menu(user)
    user.user_permissions.add(Permission.objects.get(codename="view_connection"))
    user = type(user).objects.get(pk=user.pk)  # a new request reads the rights again
    assert "Connection" in menu(user)


def test_a_page_changing_its_menu_does_not_change_the_next_ones() -> None:
    admin = UserFactory(username="menu-admin", is_superuser=True)
    first = menu(admin)
    request = RequestFactory().get("/admin/")
    request.user = admin
    site.get_app_list(request)[0]["models"].clear()
    assert menu(admin) == first


def test_the_sidebar_lists_what_the_reader_may_open() -> None:
    seller = UserFactory(username="menu-sidebar")
    seller.groups.add(Group.objects.get(name="Sales staff"))
    client = Client()
    client.force_login(seller)
    page = client.get(reverse("admin:leadhub_lead_changelist")).content.decode()
    assert reverse("admin:leadhub_lead_changelist") in page
    assert reverse("admin:vendors_connection_changelist") not in page
