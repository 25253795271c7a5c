from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "leadhub.notifications"
    label = "leadhub_notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receiver of leadhub.events.event_happened.
        from leadhub.notifications import receivers  # noqa: F401
