from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "leadhub.api"
    label = "leadhub_api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # deferred: receivers connect once the app registry is ready (Django's rule)
        from leadhub.api.key_cache import key_cache_connect

        key_cache_connect()
