"""Mask again what was stored before every encoded form of a credential was masked.

Runs the service ``credentials_remask`` runs, on this migration's historical models: the
service reads only columns that exist here and builds each connection's redactor from its
row, so it needs nothing of the live models. Nothing to undo: a masked value stays masked.
"""

from django.db import migrations

from leadhub.services.remask import stored_texts_remask


def remask(apps, schema_editor):
    stored_texts_remask(
        attempt_model=apps.get_model("leadhub", "Attempt"),
        submission_model=apps.get_model("leadhub", "Submission"),
        connection_model=apps.get_model("vendors", "Connection"),
    )


class Migration(migrations.Migration):
    # Each batch commits on its own: a million rows are not one transaction.
    atomic = False

    dependencies = [
        ("leadhub", "0006_submission_list_indexes"),
        ("vendors", "0006_connection_circuit_breaker"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
