"""The demo that `make run` sets up: sandbox data, connections, campaigns, destinations, logins."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured

from leadhub.api.keys import api_key_create
from leadhub.api.models import ApiKey, KeyKind
from leadhub.notifications.models import Channel, ChannelKind, NotificationEvent
from leadhub.routing.models import Cap, CapPeriod, Route, RouteMethod, RouteStep
from sandbox.seed import DEMO_CREDENTIALS, seed_all
from vendors.campaign_sync import campaigns_sync
from vendors.models import Campaign, Connection, Destination
from vendors.registry import VendorKind, implemented_kinds
from vendors.results import VendorError

LOGINS_FILE = Path(settings.BASE_DIR) / "var" / "demo-logins.txt"

# One SalesByte destination per operation, with the values staff need not know (the
# sandbox's seeded quote profile 1 and template 10).
SALESBYTE_DESTINATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "SalesByte · Lead (brand awareness)": (
        "create_lead",
        {
            "quote_profile_id": 1,
            "send_type": "email",
            "type": "newsletter",
            "chat_enabled": True,
            "workflows_enabled": True,
            "allow_customer_document_upload": False,
            "trigger_created_messages_to_customer": False,
        },
    ),
    # SalesByte quotes want Swedish (+46) phones. The demo sales team also sells to UK leads, so
    # its default quote destinations quote by email and leave the phone out (null).
    "SalesByte · Quote": (
        "create_quote",
        {
            "quote_profile_id": 1,
            "send_type": "email",
            "customer_phone": None,
            "chat_enabled": True,
            "workflows_enabled": True,
            "allow_customer_document_upload": True,
        },
    ),
    "SalesByte · Quote (Swedish customers, choose how to send)": (
        "create_quote",
        {
            "quote_profile_id": 1,
            "chat_enabled": True,
            "workflows_enabled": True,
            "allow_customer_document_upload": True,
        },
    ),
    "SalesByte · Quote from template": (
        "create_quote_template",
        {
            "quote_template_id": 10,
            "customer_phone": None,
            "trigger_created_messages_to_customer": True,
        },
    ),
}


def _refuse_in_production() -> None:
    if settings.PRODUCTION or not settings.SANDBOX_ENABLED:
        raise ImproperlyConfigured("The demo needs the sandbox and is never set up in production")


def demo_users_ensure(say: Callable[[str], None]) -> None:
    """Create the demo admin once and print its password that one time."""
    _refuse_in_production()
    User = get_user_model()
    if User.objects.filter(username="admin").exists():
        say(f"Demo login: admin (password printed on the first run; also in {LOGINS_FILE})")
    else:
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.com", password)
        LOGINS_FILE.parent.mkdir(exist_ok=True)
        LOGINS_FILE.write_text(f"admin {password}\n")
        LOGINS_FILE.chmod(0o600)
        say(f"Demo login created: admin / {password}")
    demo_sales_user_ensure(say)


# What sales staff need to enter leads and follow them: used when the "Sales staff" group
# (created by the roles migration) is not there.
SALES_STAFF_GROUP = "Sales staff"
SALES_STAFF_PERMISSIONS = (
    "leadhub.add_lead",
    "leadhub.view_lead",
    "leadhub.change_lead",
    "leadhub.view_submission",
)
DEMO_SALES_USERNAME = "sales"


def sales_staff_grant(user: Any) -> None:
    """Put the user in the Sales staff role: the group if it exists, else its permissions."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    group = Group.objects.filter(name=SALES_STAFF_GROUP).first()
    if group is not None:
        user.groups.add(group)
        return
    for dotted in SALES_STAFF_PERMISSIONS:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def demo_sales_user_ensure(say: Callable[[str], None]) -> None:
    """A second demo login in the sales staff role, printed once like the admin's."""
    _refuse_in_production()
    User = get_user_model()
    if User.objects.filter(username=DEMO_SALES_USERNAME).exists():
        say(f"Demo sales staff login: {DEMO_SALES_USERNAME} (password in {LOGINS_FILE})")
        return
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(
        DEMO_SALES_USERNAME, "sales@example.com", password, first_name="Sam", last_name="Seller"
    )
    sales_staff_grant(user)
    LOGINS_FILE.parent.mkdir(exist_ok=True)
    with LOGINS_FILE.open("a") as logins:
        logins.write(f"{DEMO_SALES_USERNAME} {password}\n")
    LOGINS_FILE.chmod(0o600)
    say(f"Demo sales staff login created: {DEMO_SALES_USERNAME} / {password}")


DEMO_CHANNEL = "Integration admins (email)"


def demo_channel_ensure(say: Callable[[str], None]) -> Channel:
    """An email channel told everything: locally the console email backend prints each
    notification in the terminal `make run` runs in."""
    _refuse_in_production()
    channel, created = Channel.objects.get_or_create(
        name=DEMO_CHANNEL,
        defaults={
            "kind": ChannelKind.EMAIL,
            "recipients": "integration-admins@example.com",
            "events": list(NotificationEvent.values),
        },
    )
    if created:
        say(
            f"Notifications go to the channel {DEMO_CHANNEL!r}, by email: "
            f"{settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} backend"
        )
    return channel


def demo_connections_ensure(base_url: str) -> list[Connection]:
    """A sandbox connection for every implemented vendor, pointing at this server."""
    _refuse_in_production()
    seed_all()
    connections = []
    for kind in implemented_kinds():
        connection, created = Connection.objects.get_or_create(
            name=f"{VendorKind(kind).label} sandbox",
            defaults={"kind": kind, "base_url": f"{base_url.rstrip('/')}/sandbox/{kind}/"},
        )
        if created or not connection.credentials:
            connection.credentials = DEMO_CREDENTIALS[kind]
            connection.save()
        connections.append(connection)
    return connections


def _destination_ensure(
    name: str,
    connection: Connection,
    operation: str,
    fixed_values: dict[str, Any],
    *,
    campaign: Campaign | None = None,
) -> None:
    """The destination of that name, made with these values if it is missing; one the demo
    made before (or an admin edited since) is left as it is."""
    Destination.objects.get_or_create(
        name=name,
        defaults={
            "connection": connection,
            "operation": operation,
            "campaign": campaign,
            "fixed_values": fixed_values,
        },
    )


def demo_destinations_ensure(say: Callable[[str], None]) -> None:
    """A destination per SalesByte operation; LeadByte campaigns synced, one destination each."""
    for connection in Connection.objects.filter(
        kind=VendorKind.SALESBYTE, name__endswith="sandbox"
    ):
        for name, (operation, fixed_values) in SALESBYTE_DESTINATIONS.items():
            _destination_ensure(name, connection, operation, fixed_values)
    for connection in Connection.objects.filter(kind=VendorKind.LEADBYTE, name__endswith="sandbox"):
        try:
            report = campaigns_sync(connection=connection)
            say(f"Synced LeadByte campaigns: {report.summary()}")
        except VendorError as err:
            say(f"LeadByte campaign sync failed: {err.message}")
            continue
        for campaign in Campaign.objects.filter(connection=connection, listed=True, active=True):
            _destination_ensure(
                f"LeadByte · {campaign.name}",
                connection,
                "create_lead",
                {"sid": "1"},
                campaign=campaign,
            )
    demo_crmcom_getlead_destinations_ensure()


# CRM.COM and Getlead: a destination per lead-creating operation, with the values staff
# need not know (CRM.COM's lead type, importance, priority and source; Getlead's source).
CRMCOM_GETLEAD_DESTINATIONS: dict[str, list[tuple[str, str, dict]]] = {
    VendorKind.CRMCOM: [
        (
            "CRM.COM · Web lead",
            "create_lead",
            {
                "importance": "IMPORTANCE3",
                "priority": "3",
                "type_identifier": "Web lead",
                "source.type": "WEBSITE",
                "source.name": "LeadHub web form",
            },
        ),
        (
            "CRM.COM · Phone enquiry",
            "create_lead",
            {
                "importance": "IMPORTANCE2",
                "priority": "2",
                "type_identifier": "Phone enquiry",
                "source.type": "ADVERTISEMENT",
                "source.name": "Radio advert",
            },
        ),
    ],
    VendorKind.GETLEAD: [
        ("Getlead · Website enquiry", "create_lead", {"source": "LeadHub"}),
    ],
}


def demo_crmcom_getlead_destinations_ensure() -> None:
    for kind, rows in CRMCOM_GETLEAD_DESTINATIONS.items():
        connection = Connection.objects.filter(kind=kind, name__endswith="sandbox").first()
        if connection is None:
            continue
        for name, operation, fixed_values in rows:
            _destination_ensure(name, connection, operation, fixed_values)


# The demo's web forms post with this publishable key (public by design: it only sends leads
# through /api/v1/forms/<slug> to the demo destinations).
DEMO_WEB_FORM_KEY = "Demo web forms"
# Two sandbox destinations that take a lead from its contact details alone.
DEMO_API_DESTINATIONS = ("getlead-website-enquiry", "crmcom-web-lead")


def demo_api_keys_ensure(say: Callable[[str], None]) -> None:
    """A publishable key for the destinations' web form snippets, and how to make a secret
    key for the API (never made here: a secret key is printed once, to whoever asks)."""
    admin = get_user_model().objects.filter(username="admin").first()
    if admin is None:
        return
    if not ApiKey.objects.filter(name=DEMO_WEB_FORM_KEY, kind=KeyKind.PUBLISHABLE).exists():
        api_key_create(
            name=DEMO_WEB_FORM_KEY,
            owner=admin,
            destinations=Destination.objects.filter(is_active=True),
            kind=KeyKind.PUBLISHABLE,
        )
    route = demo_route_ensure()
    if route is not None:
        ApiKey.objects.filter(name="Demo", kind=KeyKind.SECRET, route=None).update(route=route)
    say(
        "API (docs/api.md): make a key with  .venv/bin/python manage.py api_key_create "
        f"--name Demo --owner admin --destinations {','.join(DEMO_API_DESTINATIONS)}"
        + (f' --route "{DEMO_ROUTE}"' if route is not None else "")
    )


# The demo's route (docs/routing.md): LeadByte's example campaign first, in business hours
# and up to a daily cap; Getlead when LeadByte refuses, is closed or is full. Used by the
# demo API key, by staff's "Route automatically" and by imports with no destination ticked.
DEMO_ROUTE = "Demo waterfall"
DEMO_ROUTE_STEPS = ("LeadByte · Example Campaign A", "Getlead · Website enquiry")
DEMO_HOURS = {day: ["09:00", "17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
DEMO_DAILY_CAP = 50


def demo_route_ensure() -> Route | None:
    """The demo route, made once when both its destinations exist; an edited one is kept."""
    found = Route.objects.filter(name=DEMO_ROUTE).first()
    if found is not None:
        return found
    by_name = {d.name: d for d in Destination.objects.filter(name__in=DEMO_ROUTE_STEPS)}
    if len(by_name) < len(DEMO_ROUTE_STEPS):
        return None
    # Offered to staff ("Route automatically") and to imports too, so make run shows both.
    route = Route.objects.create(
        name=DEMO_ROUTE,
        method=RouteMethod.WATERFALL,
        time_zone="Europe/London",
        for_staff=True,
        for_imports=True,
    )
    first = RouteStep.objects.create(
        route=route,
        destination=by_name[DEMO_ROUTE_STEPS[0]],
        position=0,
        schedule=DEMO_HOURS,
        step_seconds=300,
    )
    Cap.objects.create(step=first, period=CapPeriod.DAY, limit=DEMO_DAILY_CAP)
    RouteStep.objects.create(route=route, destination=by_name[DEMO_ROUTE_STEPS[1]], position=1)
    return route
