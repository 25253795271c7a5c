from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "leadhub.audit"
    label = "leadhub_audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from leadhub.audit import receivers  # noqa: F401 - connects the explicit events
        from leadhub.audit.registry import audit_register_models

        audit_register_models()
