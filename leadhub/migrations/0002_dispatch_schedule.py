"""The periodic dispatcher, created once here rather than at start-up."""

from __future__ import annotations

from django.db import migrations


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="leadhub: dispatch due submissions",
        defaults={
            "func": "leadhub.tasks.dispatch_due_submissions",
            "schedule_type": "I",  # every `minutes`
            "minutes": 1,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name="leadhub: dispatch due submissions"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
