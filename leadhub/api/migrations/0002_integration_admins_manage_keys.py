from django.contrib.auth.management import create_permissions
from django.db import migrations

# Only integration admins make, change and revoke API keys (never delete: revoked keys keep
# their history). Kept here, not imported: a migration keeps meaning what it meant.
ROLE = "Integration admins"
CODES = ("add_apikey", "change_apikey", "view_apikey")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="leadhub_api", codename__in=CODES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ROLE):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="leadhub_api", codename__in=CODES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub_api", "0001_api_keys"),
        ("leadhub", "0004_roles_and_lead_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
