from __future__ import annotations

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "leadhub.routing"
    label = "leadhub_routing"
    verbose_name = "Routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from leadhub.routing import receivers  # noqa: F401  (connects the event listener)
