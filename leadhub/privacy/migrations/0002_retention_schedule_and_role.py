"""The nightly retention prune, and the integration admins' right to a person's data."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SCHEDULE = "leadhub: prune personal data past its retention"
# Kept here, not imported: a migration must keep meaning what it meant when it was written.
INTEGRATION_ADMINS = "Integration admins"
PERMISSIONS = ("manage_personal_data", "view_retentionrun", "view_erasure")


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "leadhub.privacy.tasks.prune_past_retention",
            "schedule_type": "D",  # daily, from when it was created
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


def grant_integration_admins(apps, schema_editor):
    # Permissions are normally made after the last migration; the role needs them now.
    app_config = apps.get_app_config("leadhub_privacy")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=INTEGRATION_ADMINS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="leadhub_privacy", codename__in=PERMISSIONS
        )
    )


def revoke_integration_admins(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=INTEGRATION_ADMINS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="leadhub_privacy")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub_privacy", "0001_retention_runs_and_erasures"),
        ("leadhub", "0004_roles_and_lead_permissions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(grant_integration_admins, revoke_integration_admins),
    ]
