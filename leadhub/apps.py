from __future__ import annotations

from django.apps import AppConfig


class LeadHubConfig(AppConfig):
    name = "leadhub"
    verbose_name = "LeadHub"
    default_auto_field = "django.db.models.BigAutoField"
