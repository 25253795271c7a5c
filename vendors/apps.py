from __future__ import annotations

from django.apps import AppConfig
from django.core import checks

from vendors.limits import check_vendor_limits


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendor integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_vendor_limits)
