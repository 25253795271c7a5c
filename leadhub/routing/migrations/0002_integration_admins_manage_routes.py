from django.contrib.auth.management import create_permissions
from django.db import migrations

# Integration admins define routes and route held leads by hand. Kept here, not imported: a
# migration keeps meaning what it meant.
ROLE = "Integration admins"
CODES = (
    *(f"{verb}_{model}" for verb in ("add", "change", "delete", "view") for model in ("route", "routestep", "cap")),
    "view_routingdecision",
    "change_routingdecision",
)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="leadhub_routing", codename__in=CODES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ROLE):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="leadhub_routing", codename__in=CODES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub_routing", "0001_routes_caps_decisions"),
        ("leadhub", "0004_roles_and_lead_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
