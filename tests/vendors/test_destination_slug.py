"""Each destination's slug: made from its name, unique, kept when the name changes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tests.factories import DestinationFactory
from vendors.models import Destination

pytestmark = pytest.mark.django_db


def test_a_slug_is_made_from_the_name_and_kept() -> None:
    first = DestinationFactory(name="CRM.COM · Web lead")
    assert first.slug == "crmcom-web-lead"
    second = DestinationFactory(name="CRM.COM: Web lead")
    assert second.slug == "crmcom-web-lead-2"
    first.name = "Renamed"
    first.save()
    first.refresh_from_db()
    assert first.slug == "crmcom-web-lead"


def test_the_migration_gives_existing_destinations_unique_slugs() -> None:
    migration = importlib.import_module("vendors.migrations.0012_destination_slug")
    a = DestinationFactory(name="Same · name")
    b = DestinationFactory(name="Same: name")
    for destination in (a, b):  # as before the migration: no meaningful slug yet
        Destination.objects.filter(pk=destination.pk).update(slug=f"old-{destination.pk}")
    migration.slugs_fill(apps, None)
    assert {d.slug for d in Destination.objects.filter(pk__in=[a.pk, b.pk])} == {
        "same-name",
        "same-name-2",
    }
