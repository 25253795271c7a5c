"""Who sees which leads and submissions in the admin: the scoping mixin, by role.

The roles are the permission matrix's (tests/security/test_permission_matrix.py): two sales
staff who each see their own, an integration admin and a superuser who see everyone's.
Here the mixin is held to the rule on its own (over a base that allows everything) and as
the lead and submission admins use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.test import RequestFactory

from leadhub.admin.scoping import OwnedByUserAdminMixin
from leadhub.models import Lead, Submission
from tests.factories import LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "sales", "other_sales", "integration", "superuser")
# Whose rows each role sees: "sales" and "other_sales" own one lead (and its submission) each.
SEES = {
    "anonymous": set(),
    "sales": {"sales"},
    "other_sales": {"other_sales"},
    "integration": {"sales", "other_sales"},
    "superuser": {"sales", "other_sales"},
}


@dataclass
class World:
    users: dict[str, Any]
    leads: dict[str, Lead]  # owner role → that role's lead
    submissions: dict[str, Submission]

    def request(self, role: str) -> HttpRequest:
        request = RequestFactory().get("/admin/")
        request.user = self.users[role]
        return request


def member_of(group: str, username: str) -> AbstractBaseUser:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world() -> World:
    users = {
        "anonymous": AnonymousUser(),
        "sales": member_of("Sales staff", "alice"),
        "other_sales": member_of("Sales staff", "bob"),
        "integration": member_of("Integration admins", "ines"),
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    leads, submissions = {}, {}
    for owner in ("sales", "other_sales"):
        leads[owner] = LeadFactory(owner=users[owner])
        # Queued by the integration admin: a submission is its lead owner's all the same.
        submissions[owner] = SubmissionFactory(lead=leads[owner], created_by=users["integration"])
    return World(users, leads, submissions)


# --- the mixin alone -----------------------------------------------------------------------


class AllowEverything:
    """An admin that would show every row and allow every action: only the mixin narrows."""

    model: type[Model] = Lead

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True


class ScopedLeads(OwnedByUserAdminMixin, AllowEverything):
    model = Lead


class ScopedSubmissions(OwnedByUserAdminMixin, AllowEverything):
    model = Submission


def owners_of(rows: QuerySet[Any], world: World) -> set[str]:
    # Leads and submissions number their rows apart: look each row up among its own kind.
    mine = world.leads if rows.model is Lead else world.submissions
    by_pk = {row.pk: owner for owner, row in mine.items()}
    return {by_pk[row.pk] for row in rows}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scoped", [ScopedLeads, ScopedSubmissions], ids=["leads", "submissions"])
def test_the_mixin_narrows_lists_and_each_object_to_what_the_role_sees(
    world: World, role: str, scoped: type[OwnedByUserAdminMixin]
) -> None:
    model_admin: Any = scoped()
    request = world.request(role)
    rows = world.leads if model_admin.model is Lead else world.submissions
    assert owners_of(model_admin.get_queryset(request), world) == SEES[role]
    for owner, row in rows.items():
        allowed = owner in SEES[role]
        assert model_admin.has_view_permission(request, row) is allowed, owner
        assert model_admin.has_change_permission(request, row) is allowed, owner
        assert model_admin.has_delete_permission(request, row) is allowed, owner
    # Without an object (the list, the add page) the admin's own answer stands.
    assert model_admin.has_view_permission(request) is True


def test_a_lead_without_an_owner_is_seen_only_by_who_sees_everything(world: World) -> None:
    orphan = LeadFactory(owner=None)
    model_admin: Any = ScopedLeads()
    for role in ROLES:
        request = world.request(role)
        sees_all = role in ("integration", "superuser")
        assert model_admin.get_queryset(request).filter(pk=orphan.pk).exists() is sees_all, role
        assert model_admin.has_view_permission(request, orphan) is sees_all, role


def test_the_mixin_narrows_the_queryset_it_is_given_keeping_its_order(world: World) -> None:
    class Ordered(AllowEverything):
        model = Lead

        def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
            return Lead.objects.order_by("-pk")

    class ScopedOrdered(OwnedByUserAdminMixin, Ordered):
        pass

    mine = LeadFactory(owner=world.users["sales"])
    model_admin: Any = ScopedOrdered()
    narrowed = model_admin.get_queryset(world.request("sales"))
    assert list(narrowed) == [mine, world.leads["sales"]]


# --- as the admins use it ------------------------------------------------------------------

# What each role may do to each owner's submission: (view, change, delete), from the
# role's permissions and the mixin together.
SUBMISSION_RIGHTS = {
    "anonymous": {"sales": (False, False, False), "other_sales": (False, False, False)},
    "sales": {"sales": (True, True, False), "other_sales": (False, False, False)},
    "other_sales": {"sales": (False, False, False), "other_sales": (True, True, False)},
    "integration": {"sales": (True, True, False), "other_sales": (True, True, False)},
    "superuser": {"sales": (True, True, True), "other_sales": (True, True, True)},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_lead_and_submission_lists_show_what_the_role_sees(world: World, role: str) -> None:
    request = world.request(role)
    leads = admin.site._registry[Lead].get_queryset(request)
    submissions = admin.site._registry[Submission].get_queryset(request)
    assert owners_of(leads, world) == SEES[role]
    assert owners_of(submissions, world) == SEES[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_submission_admin_allows_each_object_by_role_and_ownership(
    world: World, role: str
) -> None:
    model_admin = admin.site._registry[Submission]
    request = world.request(role)
    for owner, submission in world.submissions.items():
        allowed = (
            model_admin.has_view_permission(request, submission),
            model_admin.has_change_permission(request, submission),
            model_admin.has_delete_permission(request, submission),
        )
        assert allowed == SUBMISSION_RIGHTS[role][owner], owner


@pytest.mark.parametrize("role", ROLES)
def test_the_lead_admin_shows_each_lead_only_to_who_sees_it(world: World, role: str) -> None:
    model_admin = admin.site._registry[Lead]
    request = world.request(role)
    for owner, lead in world.leads.items():
        assert model_admin.has_view_permission(request, lead) is (owner in SEES[role]), owner


def test_a_page_view_reads_its_object_once_and_a_post_afresh(
    world: World, django_assert_num_queries: Any
) -> None:
    model_admin = admin.site._registry[Lead]
    lead = world.leads["sales"]
    request = world.request("superuser")
    with django_assert_num_queries(1):
        first = model_admin.get_object(request, str(lead.pk))
        assert model_admin.get_object(request, str(lead.pk)) is first
    post = RequestFactory().post("/admin/")
    post.user = world.users["superuser"]
    with django_assert_num_queries(2):
        model_admin.get_object(post, str(lead.pk))
        model_admin.get_object(post, str(lead.pk))
    # Another user's request reads for itself, and sees only what its user may.
    assert model_admin.get_object(world.request("other_sales"), str(lead.pk)) is None
