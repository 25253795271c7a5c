"""Who reaches what: every custom admin page (the ones a ModelAdmin adds to its URLs).

The model pages (changelist, add, change, delete, history) are in test_permission_matrix.py.
Here each custom page names the roles that may use it; the others must be refused, and a
page a role may see must not show a secret or break the CSP. A new custom admin URL that is
not listed fails `test_every_custom_admin_url_is_in_the_matrix`, so no page goes unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, resolve, reverse

from leadhub.imports.models import ImportJob
from leadhub.notifications.models import Channel
from leadhub.routing.models import Route
from leadhub.webhooks.models import WebhookEndpoint
from tests.security.conftest import ROLES, World
from tests.security.test_permission_matrix import DENIED, check_page

pytestmark = pytest.mark.django_db

STAFF = frozenset({"sales", "other_sales", "integration", "superuser"})
SALES = frozenset({"sales", "other_sales", "superuser"})
ADMINS = frozenset({"integration", "superuser"})
# Lead entry, import included, is sales staff's; the superuser may do anything.
OWNER = frozenset({"sales", "superuser"})
OWNER_AND_ADMINS = frozenset({"sales", "integration", "superuser"})

# The admin site's own URLs, not a model's custom page.
SITE_URLS = frozenset(
    {"index", "login", "logout", "password_change", "password_change_done", "autocomplete"}
    | {"jsi18n", "view_on_site", "app_list"}
)
STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")


def import_job(world: World) -> ImportJob:
    """An import by the first sales user, still at the column matching step."""
    return ImportJob.objects.get_or_create(
        file_name="matrix.csv",
        defaults={
            "created_by": world.users["sales"],
            "encoding": "utf-8",
            "delimiter": ",",
            "headers": ["email"],
        },
    )[0]


@dataclass(frozen=True)
class Page:
    url: Callable[[World], str]
    roles: frozenset[str]
    # "get": a page, answered 200 to the roles; "post": an action, refused to the others.
    method: str = "get"


def lead_of(role: str) -> Callable[[World], int]:
    return lambda w: w.leads[role].pk


PAGES: dict[str, Page] = {
    "admin index": Page(lambda w: reverse("admin:index"), STAFF),
    "leadhub app index": Page(lambda w: reverse("admin:app_list", args=["leadhub"]), STAFF),
    "vendors app index": Page(lambda w: reverse("admin:app_list", args=["vendors"]), ADMINS),
    "lead entry: choose destinations": Page(lambda w: reverse("admin:leadhub_lead_add"), SALES),
    "lead entry: the generated form": Page(
        lambda w: (
            reverse("admin:leadhub_lead_add")
            + f"?destinations={w.submissions['sales'].destination_id}"
        ),
        SALES,
    ),
    "follow-up on sales's lead": Page(
        lambda w: (
            reverse("admin:leadhub_lead_follow_up", args=[w.leads["sales"].pk]) + "?kind=getlead"
        ),
        frozenset({"sales", "superuser"}),
    ),
    "follow-up on other_sales's lead": Page(
        lambda w: (
            reverse("admin:leadhub_lead_follow_up", args=[w.leads["other_sales"].pk])
            + "?kind=getlead"
        ),
        frozenset({"other_sales", "superuser"}),
    ),
    "lead status (the page's live poll)": Page(
        lambda w: reverse("admin:leadhub_lead_status", args=[w.leads["sales"].pk]),
        OWNER_AND_ADMINS,
    ),
    "lead export": Page(lambda w: reverse("admin:leadhub_lead_export"), STAFF),
    "lead changelist search": Page(
        lambda w: reverse("admin:leadhub_lead_changelist") + "?q=Lead-of", STAFF
    ),
    "submission export": Page(lambda w: reverse("admin:leadhub_submission_export"), STAFF),
    "submission: send again": Page(
        lambda w: reverse("admin:leadhub_submission_resend", args=[w.submissions["sales"].pk]),
        OWNER_AND_ADMINS,
        "post",
    ),
    "submission: edit and send again": Page(
        lambda w: reverse("admin:leadhub_submission_edit_resend", args=[w.submissions["sales"].pk]),
        OWNER_AND_ADMINS,
    ),
    "connection: choose vendor": Page(lambda w: reverse("admin:vendors_connection_add"), ADMINS),
    "connection: LeadByte form": Page(
        lambda w: reverse("admin:vendors_connection_add") + "?kind=leadbyte", ADMINS
    ),
    "connection: test typed credentials": Page(
        lambda w: reverse("admin:vendors_connection_test_new", args=["leadbyte"]), ADMINS, "post"
    ),
    "connection: test a saved one": Page(
        lambda w: reverse("admin:vendors_connection_test_typed", args=[w.connection.pk]),
        ADMINS,
        "post",
    ),
    "campaign sync": Page(lambda w: reverse("admin:vendors_connection_sync"), ADMINS),
    "campaign sync status": Page(lambda w: reverse("admin:vendors_connection_sync_status"), ADMINS),
    "import: match columns": Page(
        lambda w: reverse("admin:leadhub_imports_importjob_map", args=[import_job(w).pk]), OWNER
    ),
    "import: preview": Page(
        lambda w: reverse("admin:leadhub_imports_importjob_preview", args=[import_job(w).pk]),
        OWNER,
        "post",
    ),
    "import: a destination's CSV template": Page(
        lambda w: reverse(
            "admin:leadhub_imports_importjob_template",
            args=[w.submissions["sales"].destination_id],
        ),
        SALES,
    ),
    "import: rows left out": Page(
        lambda w: reverse("admin:leadhub_imports_importjob_failed_rows", args=[import_job(w).pk]),
        OWNER,
    ),
    "route: try the edits on recent leads": Page(
        lambda w: reverse("admin:leadhub_routing_route_try", args=[Route.objects.get().pk]),
        ADMINS,
        "post",
    ),
    "personal data app index": Page(
        lambda w: reverse("admin:app_list", args=["leadhub_privacy"]), ADMINS
    ),
    "a person's data: search": Page(lambda w: reverse("admin:leadhub_privacy_person"), ADMINS),
    "a person's data: found": Page(
        lambda w: reverse("admin:leadhub_privacy_person") + f"?q={w.leads['sales'].email}", ADMINS
    ),
    "a person's data: JSON export": Page(
        lambda w: (
            reverse("admin:leadhub_privacy_person") + f"?q={w.leads['sales'].email}&format=json"
        ),
        ADMINS,
    ),
    "notification channel: test it": Page(
        lambda w: reverse(
            "admin:leadhub_notifications_channel_test", args=[Channel.objects.get().pk]
        ),
        ADMINS,
        "post",
    ),
    "webhook endpoint: show the secret": Page(
        lambda w: reverse(
            "admin:leadhub_webhooks_webhookendpoint_secret",
            args=[WebhookEndpoint.objects.get().pk],
        ),
        ADMINS,
        "post",
    ),
    "webhook endpoint: rotate the secret": Page(
        lambda w: reverse(
            "admin:leadhub_webhooks_webhookendpoint_rotate",
            args=[WebhookEndpoint.objects.get().pk],
        ),
        ADMINS,
        "post",
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_custom_pages_for_every_role(world: World, name: str) -> None:
    page = PAGES[name]
    url = page.url(world)
    # Refused roles first, so an allowed role's action cannot change what they would see.
    for role in sorted(ROLES, key=lambda r: r in page.roles):
        client = world.client(role)
        response = client.post(url, {}) if page.method == "post" else client.get(url)
        if role not in page.roles:
            assert response.status_code in DENIED, (role, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/admin/login/"), (role, url)
        elif page.method == "get":
            assert response.status_code == 200, (role, url, response.status_code)
            if response.get("Content-Type", "").startswith("text/html"):
                assert not check_page(role, url, response.content.decode())
        else:
            assert response.status_code not in {403, 404, 405}, (role, url, response.status_code)


def custom_admin_url_names() -> set[str]:
    def walk(patterns: list[URLPattern | URLResolver]) -> list[str]:
        names = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                names.extend(walk(pattern.url_patterns))
            elif pattern.name:
                names.append(pattern.name)
        return names

    return {
        name
        for name in walk(admin.site.get_urls())
        if name not in SITE_URLS and not name.endswith(STANDARD_VIEWS)
    }


def test_every_custom_admin_url_is_in_the_matrix(world: World) -> None:
    covered = {resolve(page.url(world).split("?")[0]).url_name for page in PAGES.values()}
    missing = custom_admin_url_names() - covered
    assert not missing, f"custom admin pages with no row in PAGES: {sorted(missing)}"
