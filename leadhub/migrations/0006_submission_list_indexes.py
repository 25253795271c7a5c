from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leadhub", "0005_delivery_tracking"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("vendor_outcome__gt", "")),
                fields=["vendor_outcome"],
                name="submission_outcome_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="submission",
            name="submission_status_idx",
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                fields=["status", "-created_at"],
                include=("connection",),
                name="submission_status_idx",
            ),
        ),
    ]
