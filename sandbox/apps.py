from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    label = "sandbox"
    verbose_name = "Vendor sandbox"
    default_auto_field = "django.db.models.BigAutoField"
