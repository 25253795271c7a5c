"""An index for finding a submission by the start of its vendor reference, on PostgreSQL.

The search compares UPPER(vendor_reference) with LIKE 'ABC%'; a btree on that expression
with text_pattern_ops answers it under any collation. SQLite has no such operator class and
reads its (small) table instead, so the index is made on PostgreSQL only, and is not one of
the model's declared indexes.
"""

from django.db import migrations

INDEX = "submission_reference_prefix_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON leadhub_submission "
            "(UPPER(vendor_reference) text_pattern_ops)"
        )
        # The planner knows an expression's values only once the table is analysed: until
        # then it guesses a prefix matches thousands of rows and walks the list's order.
        schema_editor.execute("ANALYZE leadhub_submission")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub", "0007_remask_stored_credentials"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
