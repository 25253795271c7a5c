"""Who reaches what: every admin URL of every registered model, for every role.

Roles: anonymous, sales staff, another sales staff, integration admin, superuser. For each
registered model: changelist, add, and the change, delete and history pages of its
objects (for leads and submissions, one owned by each sales user), plus the lead entry
flow, the connection kind chooser, the admin and app indexes. Every page a role may see
is searched for the connection's secret and for inline script or style (the CSP).
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from leadhub.models import Lead, Submission
from tests.security.conftest import (
    CHANNEL_SECRET,
    CONNECTION_SECRET,
    REPLACED_SECRET,
    ROLES,
    World,
)

pytestmark = pytest.mark.django_db

ALL = frozenset({"changelist", "add", "change", "delete", "history"})
READ = frozenset({"changelist", "change", "history"})

# What each role may do, per model; ":own" means only on objects its user owns.
RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    "sales": {
        "leadhub.lead": frozenset({"changelist", "add", "change:own", "history:own"}),
        "leadhub.submission": frozenset({"changelist", "change:own", "history:own"}),
        # Bulk import is lead entry in bulk: whoever may add leads, scoped to their own jobs.
        "leadhub_imports.importjob": frozenset({"changelist", "add", "change:own", "history:own"}),
    },
    "integration": {
        "vendors.connection": ALL,
        "vendors.destination": ALL,
        "vendors.campaign": READ,
        "leadhub.lead": READ,
        "leadhub.submission": READ,
        "django_q.schedule": READ,
        "django_q.success": READ,
        "django_q.failure": READ,
        "django_q.ormq": READ,
        # A person's data: the retention policy and runs, the erasures (read-only records).
        "leadhub_privacy.retentionrun": READ,
        "leadhub_privacy.erasure": READ,
        "leadhub_notifications.channel": ALL,
        "leadhub_notifications.notification": READ,
        "auditlog.logentry": READ,
        "leadhub_webhooks.webhookendpoint": ALL,
        # A delivery is a record (read-only); replay is a list action.
        "leadhub_webhooks.webhookdelivery": READ,
        # Only integration admins make and revoke API keys (never delete them).
        "leadhub_api.apikey": frozenset({"changelist", "add", "change", "history"}),
        # Routes are theirs to build; a lead's routing is a record, routed by hand from its
        # list (docs/routing.md).
        "leadhub_routing.route": ALL,
        "leadhub_routing.routestep": ALL,
        "leadhub_routing.routingdecision": frozenset({"changelist", "change", "history"}),
    },
}
RIGHTS["other_sales"] = RIGHTS["sales"]
# Pages nobody reaches, superusers included: a submission is the record of what was sent and
# answered; it goes with its lead, never on its own.
# Nor the audit log's, the notifications' or the webhook deliveries' delete pages: they are
# records, pruned by age. An API key is revoked, never deleted: its last use and its leads
# stay explained.
NOBODY = frozenset(
    {
        ("leadhub.submission", "delete"),
        ("auditlog.logentry", "delete"),
        ("leadhub_notifications.notification", "delete"),
        ("leadhub_webhooks.webhookdelivery", "delete"),
        ("leadhub_api.apikey", "delete"),
        ("leadhub_routing.routingdecision", "add"),
        ("leadhub_routing.routingdecision", "delete"),
    }
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.I)
DENIED = {302, 403, 404}


def owner_role(world: World, obj) -> str | None:
    lead = obj if isinstance(obj, Lead) else getattr(obj, "lead", None)
    if lead is None:
        return None
    return next((r for r, u in world.users.items() if u == lead.owner), None)


def allowed(world: World, role: str, label: str, view: str, obj=None) -> bool:
    if role == "anonymous" or (label, view) in NOBODY:
        return False
    if role == "superuser":
        if view != "add":
            return True
        model_admin = admin.site._registry[_model(label)]
        request = RequestFactory().get("/")
        request.user = world.users["superuser"]
        return model_admin.has_add_permission(request)
    rights = RIGHTS.get(role, {}).get(label, frozenset())
    if view in rights:
        return True
    return f"{view}:own" in rights and obj is not None and owner_role(world, obj) == role


def _model(label: str):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


def object_urls(world: World, model) -> list:
    opts = model._meta
    if model in (Lead, Submission):
        objects = [
            (world.leads if model is Lead else world.submissions)[r]
            for r in ("sales", "other_sales")
        ]
    else:
        first = model._default_manager.order_by("pk").first()
        objects = [first] if first else []
    urls = []
    for obj in objects:
        for view in ("change", "delete", "history"):
            urls.append(
                (
                    view,
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk]),
                    obj,
                )
            )
    return urls


def every_admin_url(world: World) -> list[tuple[str, str, str, object]]:
    """(model label, view, url, object) for every registered model."""
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        label = opts.label_lower
        urls.append(
            (
                label,
                "changelist",
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                None,
            )
        )
        urls.append((label, "add", reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), None))
        urls.extend((label, view, url, obj) for view, url, obj in object_urls(world, model))
    return urls


def check_page(role: str, url: str, body: str) -> list[str]:
    problems = []
    for secret in (CONNECTION_SECRET, CHANNEL_SECRET, REPLACED_SECRET):
        if secret in body:
            problems.append(f"{role} {url}: a secret ({secret}) is on the page")
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("inline event handler", INLINE_HANDLER),
    ):
        if match := pattern.search(body):
            problems.append(f"{role} {url}: {name} {match.group(0)!r} breaks the CSP")
    return problems


def test_every_admin_url_for_every_role(world: World) -> None:
    urls = every_admin_url(world)
    problems: list[str] = []
    checked = 0
    for role in ROLES:
        client = world.client(role)
        for label, view, url, obj in urls:
            response = client.get(url)
            checked += 1
            expected = allowed(world, role, label, view, obj)
            if expected and response.status_code != 200:
                problems.append(f"{role} {view} {url}: expected 200, got {response.status_code}")
            elif not expected and response.status_code not in DENIED:
                problems.append(
                    f"{role} {view} {url}: expected a refusal, got {response.status_code}"
                )
            if role == "anonymous" and response.status_code == 302:
                assert response["Location"].startswith("/admin/login/"), url
            if response.status_code == 200:
                problems.extend(check_page(role, url, response.content.decode()))
    assert not problems, "\n".join(problems)
    models = len(admin.site._registry)
    print(
        f"\npermission matrix: {len(urls)} admin URLs of {models} models"
        f" x {len(ROLES)} roles = {checked} checked"
    )
    assert checked == len(urls) * len(ROLES) and len(urls) >= 4 * models


def test_only_integration_admins_erase_a_person(world: World) -> None:
    lead = world.leads["sales"]
    url = reverse("admin:leadhub_privacy_person")
    for role in ("anonymous", "sales", "other_sales"):
        response = world.client(role).post(url, {"q": lead.email, "confirm": "on"})
        assert response.status_code in DENIED, role
    lead.refresh_from_db()
    assert lead.erased_at is None


def test_staff_see_only_their_own_leads_and_submissions(world: World) -> None:
    for role, other in (("sales", "other_sales"), ("other_sales", "sales")):
        client = world.client(role)
        for name in ("leadhub_lead", "leadhub_submission"):
            page = client.get(reverse(f"admin:{name}_changelist")).content.decode()
            assert f"Lead-of-{role}" in page
            assert f"Lead-of-{other}" not in page
        searched = client.get(reverse("admin:leadhub_lead_changelist"), {"q": f"Lead-of-{other}"})
        theirs = reverse("admin:leadhub_lead_change", args=[world.leads[other].pk])
        assert theirs not in searched.content.decode()
        assert "0 leads" in searched.content.decode()
    for role in ("integration", "superuser"):
        page = world.client(role).get(reverse("admin:leadhub_lead_changelist")).content.decode()
        assert "Lead-of-sales" in page and "Lead-of-other_sales" in page


def test_a_manager_granted_view_all_leads_sees_everyones(world: World) -> None:

    manager = world.users["sales"]
    manager.user_permissions.add(Permission.objects.get(codename="view_all_leads"))
    page = world.client("sales").get(reverse("admin:leadhub_lead_changelist")).content.decode()
    assert "Lead-of-other_sales" in page


def test_resending_someone_elses_submission_does_nothing(world: World) -> None:
    theirs = world.submissions["other_sales"]
    response = world.client("sales").post(
        reverse("admin:leadhub_submission_changelist"),
        {"action": "resend", "_selected_action": [theirs.pk]},
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == "rejected"


def test_only_admins_run_the_campaign_sync_action(world: World) -> None:
    url = reverse("admin:vendors_connection_changelist")
    data = {"action": "sync_campaigns", "_selected_action": [world.connection.pk]}
    assert world.client("sales").post(url, data).status_code == 403
    assert world.client("anonymous").post(url, data).status_code == 302


def test_connection_credentials_are_write_only(world: World) -> None:
    url = reverse("admin:vendors_connection_change", args=[world.connection.pk])
    page = world.client("integration").get(url).content.decode()
    assert CONNECTION_SECRET not in page
    field = re.search(r'<input[^>]*name="credential__api_key"[^>]*>', page).group(0)
    assert 'type="password"' in field and "value=" not in field
    assert "Leave blank to keep the current value" in page
    # Not searchable by secret, not in the list.
    listing = world.client("integration").get(
        reverse("admin:vendors_connection_changelist"), {"q": CONNECTION_SECRET}
    )
    assert (
        "0 connections" in listing.content.decode()
        or "Matrix LeadByte" not in listing.content.decode()
    )


def test_csrf_is_enforced_on_admin_posts(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["superuser"])
    response = client.post(
        reverse("admin:leadhub_submission_changelist"),
        {"action": "resend", "_selected_action": [world.submissions["sales"].pk]},
    )
    assert response.status_code == 403
