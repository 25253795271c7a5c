import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("vendors", "0012_destination_slug"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120)),
                ("kind", models.CharField(choices=[("secret", "Secret (server to server)"), ("publishable", "Publishable (web forms)")], default="secret", max_length=20)),
                ("prefix", models.CharField(editable=False, max_length=32, unique=True)),
                ("secret_hash", models.CharField(editable=False, max_length=64)),
                ("public_token", models.CharField(blank=True, editable=False, max_length=80)),
                ("access", models.CharField(choices=[("read", "Read only"), ("write", "Read and write")], default="write", max_length=10)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("destinations", models.ManyToManyField(help_text="The destinations the key may send leads to and read.", related_name="api_keys", to="vendors.destination")),
                ("owner", models.ForeignKey(help_text="The user the key's leads belong to.", on_delete=django.db.models.deletion.PROTECT, related_name="api_keys", to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "API key", "ordering": ["-created_at", "-id"]},
        ),
        migrations.CreateModel(
            name="IdempotentAnswer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=255)),
                ("request_hash", models.CharField(max_length=64)),
                ("status_code", models.PositiveSmallIntegerField(default=0)),
                ("body", models.JSONField(default=dict)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("api_key", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="leadhub_api.apikey")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("api_key", "key"), name="idempotent_answer_key_uniq")],
            },
        ),
    ]
