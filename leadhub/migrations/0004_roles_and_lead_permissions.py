from django.contrib.auth.management import create_permissions
from django.db import migrations

# The two roles, as (app label, codename) pairs. Kept here, not imported: a migration must
# keep meaning what it meant when it was written.
ROLES = {
    "Sales staff": [
        ("leadhub", "add_lead"),  # enter a lead and send it to destinations
        ("leadhub", "view_lead"),
        ("leadhub", "run_followups"),
        ("leadhub", "view_submission"),
        ("leadhub", "change_submission"),  # send again what failed
        ("leadhub", "view_attempt"),
    ],
    "Integration admins": [
        ("vendors", "add_connection"),
        ("vendors", "change_connection"),  # campaign sync is an action on connections
        ("vendors", "delete_connection"),
        ("vendors", "view_connection"),
        ("vendors", "add_destination"),
        ("vendors", "change_destination"),
        ("vendors", "delete_destination"),
        ("vendors", "view_destination"),
        ("vendors", "change_campaign"),
        ("vendors", "view_campaign"),
        ("vendors", "view_campaignfield"),
        ("leadhub", "view_lead"),
        ("leadhub", "view_all_leads"),
        ("leadhub", "view_submission"),
        ("leadhub", "change_submission"),
        ("leadhub", "view_attempt"),
        ("django_q", "view_task"),
        ("django_q", "view_success"),
        ("django_q", "view_failure"),
        ("django_q", "view_schedule"),
        ("django_q", "view_ormq"),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after the last migration; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("leadhub", "0003_submission_destination_optional"),
        ("vendors", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="lead",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("view_all_leads", "Can see every user's leads and submissions"),
                    ("run_followups", "Can run follow-ups on the leads they can see"),
                ],
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
