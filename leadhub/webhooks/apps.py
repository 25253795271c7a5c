from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "leadhub.webhooks"
    label = "leadhub_webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The receiver of leadhub.events' event_happened: one delivery per subscribed endpoint.
        from leadhub.webhooks import outbox  # noqa: F401
