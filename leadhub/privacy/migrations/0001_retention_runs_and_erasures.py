"""What the retention prune did, and the erasures done on request."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RetentionRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('policy', models.JSONField(default=dict)),
                ('attempt_bodies', models.PositiveIntegerField(default=0, verbose_name='attempt bodies emptied')),
                ('payloads', models.PositiveIntegerField(default=0, verbose_name='accepted payloads emptied')),
                ('leads', models.PositiveIntegerField(default=0, verbose_name='leads anonymised')),
                ('more_to_do', models.BooleanField(default=False)),
            ],
            options={
                'verbose_name': 'retention run',
                'ordering': ['-started_at', '-id'],
                'get_latest_by': 'started_at',
            },
        ),
        migrations.CreateModel(
            name='Erasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('erased_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('leads', models.PositiveIntegerField(default=0)),
                ('submissions', models.PositiveIntegerField(default=0)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('import_rows', models.PositiveIntegerField(default=0)),
                ('erased_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-erased_at', '-id'],
                'permissions': [('manage_personal_data', "Can find, export and erase a person's data")],
            },
        ),
    ]
