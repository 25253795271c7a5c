from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "leadhub.imports"
    label = "leadhub_imports"
    verbose_name = "Lead imports"
    default_auto_field = "django.db.models.BigAutoField"
