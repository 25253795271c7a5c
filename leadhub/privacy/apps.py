from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "leadhub.privacy"
    label = "leadhub_privacy"
    verbose_name = "Personal data"
    default_auto_field = "django.db.models.BigAutoField"
