"""Whether an import sends rows whose person went to its destinations lately."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leadhub_imports', '0001_import_jobs'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='send_duplicates',
            field=models.BooleanField(default=False),
        ),
    ]
