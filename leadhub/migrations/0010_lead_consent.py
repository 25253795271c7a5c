"""Consent evidence on a lead; the email as the duplicate guard compares it, filled for
every lead already there; when a lead's personal data was erased."""

from django.db import migrations, models
from django.db.models.functions import Lower, Trim


def fill_email_normalised(apps, schema_editor):
    # One UPDATE, as models.email_normalise does it (trimmed, lower case).
    Lead = apps.get_model("leadhub", "Lead")
    Lead.objects.exclude(email="").update(email_normalised=Lower(Trim("email")))


class Migration(migrations.Migration):

    dependencies = [
        ('leadhub', '0009_plain_labels'),
    ]

    operations = [
        migrations.AddField(
            model_name='lead',
            name='consent_date',
            field=models.DateField(blank=True, null=True, verbose_name='opted in on'),
        ),
        migrations.AddField(
            model_name='lead',
            name='consent_url',
            field=models.URLField(blank=True, max_length=500, verbose_name='opt-in page'),
        ),
        migrations.AddField(
            model_name='lead',
            name='consent_wording',
            field=models.TextField(blank=True, verbose_name='opt-in wording'),
        ),
        migrations.AddField(
            model_name='lead',
            name='email_normalised',
            field=models.CharField(blank=True, editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name='lead',
            name='erased_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('email_normalised__gt', '')), fields=['email_normalised'], name='lead_email_normalised_idx'),
        ),
        migrations.RunPython(fill_email_normalised, migrations.RunPython.noop),
    ]
