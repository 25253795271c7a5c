"""The daily connection check, created once here rather than at start-up."""

from __future__ import annotations

from django.db import migrations

NAME = "vendors: check every active connection daily"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "vendors.tasks.check_connections",
            "schedule_type": "D",  # daily, from next_run
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0004_campaign_changes_and_connection_checks"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
