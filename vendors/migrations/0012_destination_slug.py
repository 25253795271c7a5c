from django.db import migrations, models
from django.utils.text import slugify


def slugs_fill(apps, schema_editor):
    """Each existing destination gets a slug made from its name, unique among them."""
    Destination = apps.get_model("vendors", "Destination")
    taken: set[str] = set()
    for destination in Destination.objects.order_by("pk"):
        base = slugify(destination.name)[:70] or "destination"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        destination.slug = slug
        destination.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0011_connection_slow_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="destination",
            name="slug",
            # Plain first: a slug field's own index would be made twice on PostgreSQL.
            field=models.CharField(blank=True, default="", max_length=80),
            preserve_default=False,
        ),
        migrations.RunPython(slugs_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="destination",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="How the API and web forms name this destination (letters, digits, "
                "hyphens). Made from the name when left blank; changing it breaks the forms and "
                "integrations that use the old one.",
                max_length=80,
                unique=True,
            ),
        ),
    ]
