from __future__ import annotations

from django.apps import AppConfig


class AttributionConfig(AppConfig):
    name = "leadhub.attribution"
    label = "leadhub_attribution"
    verbose_name = "Lead sources"
    default_auto_field = "django.db.models.BigAutoField"
