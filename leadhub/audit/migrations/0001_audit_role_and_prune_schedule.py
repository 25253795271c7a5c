"""Integration admins read the audit log (django-auditlog's table); entries older than
AUDIT_RETENTION_DAYS are pruned daily."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "Integration admins"
SCHEDULE = "audit: prune entries past their retention"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("auditlog")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="auditlog", codename="view_logentry")
    )
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "leadhub.audit.tasks.prune_audit_log",
            "schedule_type": "D",  # daily, from next_run
            "repeats": -1,
        },
    )


def revoke(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()
    group = apps.get_model("auth", "Group").objects.filter(name=ROLE).first()
    if group is not None:
        Permission = apps.get_model("auth", "Permission")
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="auditlog")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("leadhub", "0004_roles_and_lead_permissions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
