"""Make an API key from the command line; the key is printed once, on stdout alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from leadhub.api.keys import api_key_create
from leadhub.api.models import KeyAccess, KeyKind
from leadhub.routing.models import Route
from vendors.models import Destination


class Command(BaseCommand):
    help = (
        "Create an API key: manage.py api_key_create --name Website --owner admin "
        "--destinations slug-a,slug-b (prints the key; it is shown this once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="username the leads belong to")
        parser.add_argument(
            "--destinations",
            required=True,
            help="comma-separated destination slugs, or 'all' for every active destination",
        )
        parser.add_argument("--access", choices=list(KeyAccess.values), default=KeyAccess.WRITE)
        parser.add_argument("--kind", choices=list(KeyKind.values), default=KeyKind.SECRET)
        parser.add_argument("--expires-in-days", type=int, default=None)
        parser.add_argument(
            "--route",
            default="",
            help="the route's name: leads sent with no destinations follow it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user {options['owner']!r}.")
        wanted = [s.strip() for s in options["destinations"].split(",") if s.strip()]
        if wanted == ["all"]:
            destinations = list(Destination.objects.filter(is_active=True))
        else:
            destinations = list(Destination.objects.filter(slug__in=wanted))
            missing = sorted(set(wanted) - {d.slug for d in destinations})
            if missing:
                raise CommandError(f"No destination with the slug: {', '.join(missing)}.")
        if not destinations:
            raise CommandError("Name at least one destination.")
        route = None
        if options["route"]:
            route = Route.objects.filter(name=options["route"]).first()
            if route is None:
                raise CommandError(f"No route named {options['route']!r}.")
        days = options["expires_in_days"]
        new = api_key_create(
            name=options["name"],
            owner=owner,
            destinations=destinations,
            access=options["access"],
            kind=options["kind"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            route=route,
        )
        self.stderr.write(
            f"Created {new.key}: {new.key.get_access_display().lower()} for "
            f"{', '.join(d.slug for d in destinations)}. Copy it now; it is not shown again."
        )
        self.stdout.write(new.token)
