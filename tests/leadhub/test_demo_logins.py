"""The demo logins `make run` creates: the admin and a sales staff user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from leadhub import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def logins(tmp_path, monkeypatch):
    path = tmp_path / "var" / "demo-logins.txt"
    monkeypatch.setattr(demo, "LOGINS_FILE", path)
    return path


def test_both_logins_are_created_once_and_printed_once(logins) -> None:
    said: list[str] = []
    demo.demo_users_ensure(said.append)
    assert said[0].startswith("Demo login created: admin / ")
    assert said[1].startswith("Demo sales staff login created: sales / ")
    sales_password = said[1].rsplit(" / ", 1)[1]
    assert logins.read_text().splitlines()[1] == f"sales {sales_password}"
    assert oct(logins.stat().st_mode & 0o777) == "0o600"
    assert User.objects.get(username="sales").check_password(sales_password)

    said.clear()
    demo.demo_users_ensure(said.append)
    assert sales_password not in " ".join(said)
    assert User.objects.filter(username="sales").count() == 1


def test_the_sales_user_can_send_leads_but_not_manage_connections(logins, client) -> None:
    demo.demo_users_ensure(lambda _: None)
    sales = User.objects.get(username="sales")
    assert sales.is_staff and not sales.is_superuser
    client.force_login(sales)
    assert client.get(reverse("admin:leadhub_lead_add")).status_code == 200
    assert client.get(reverse("admin:leadhub_lead_changelist")).status_code == 200
    assert client.get(reverse("admin:vendors_connection_changelist")).status_code == 403


def test_the_sales_staff_group_is_used_when_it_exists(logins) -> None:
    group, _ = Group.objects.get_or_create(name=demo.SALES_STAFF_GROUP)  # the roles migration
    group.permissions.add(Permission.objects.get(codename="add_lead"))
    demo.demo_users_ensure(lambda _: None)
    sales = User.objects.get(username="sales")
    assert list(sales.groups.all()) == [group]
    assert not sales.user_permissions.exists()
