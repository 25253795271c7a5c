"""Integration admins manage notification channels and see what was sent; the retry of
failed notifications runs every minute and the rejections digest daily."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "Integration admins"
PERMISSIONS = [
    ("leadhub_notifications", "add_channel"),
    ("leadhub_notifications", "change_channel"),
    ("leadhub_notifications", "delete_channel"),
    ("leadhub_notifications", "view_channel"),
    ("leadhub_notifications", "view_notification"),
]
SCHEDULES = {
    "notifications: send due retries": {
        "func": "leadhub.notifications.tasks.send_due_notifications",
        "schedule_type": "I",  # every `minutes`
        "minutes": 1,
        "repeats": -1,
    },
    "notifications: daily digest of rejections": {
        "func": "leadhub.notifications.tasks.send_rejections_digest",
        "schedule_type": "D",  # daily, from next_run
        "repeats": -1,
    },
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("leadhub_notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    Schedule = apps.get_model("django_q", "Schedule")
    for name, fields in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=fields)


def revoke(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name=ROLE).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="leadhub_notifications")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub_notifications", "0001_notification_channels"),
        ("leadhub", "0004_roles_and_lead_permissions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
