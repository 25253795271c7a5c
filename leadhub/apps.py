from __future__ import annotations

from django.apps import AppConfig


class LeadHubConfig(AppConfig):
    name = "leadhub"
    verbose_name = "LeadHub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # deferred: signal receivers and system checks register once the app registry is
        # ready (Django's rule)
        from leadhub import checks, events  # noqa: F401
        from leadhub.delivery import breaker  # noqa: F401
