from django.contrib.auth.management import create_permissions
from django.db import migrations

# Integration admins register endpoints and look after their deliveries (replay is a change
# of a delivery). Kept here, not imported: a migration keeps meaning what it meant.
ROLE = "Integration admins"
CODES = [
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookendpoint",
    "change_webhookdelivery",
    "view_webhookdelivery",
    "view_webhookattempt",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("leadhub_webhooks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="leadhub_webhooks", codename__in=CODES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ROLE):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="leadhub_webhooks")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("leadhub", "0004_roles_and_lead_permissions"),
        ("leadhub_webhooks", "0001_webhook_endpoints_and_deliveries"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
