"""LeadHub's admin site: Django's, with its menu of apps worked out once per set of rights.

Every admin page draws the menu of every app and model its reader may open (the sidebar,
and the home page once more). Django builds it afresh each time, asking the permissions of
each of some forty models and reversing two URLs for each: a tenth or more of a page's
CPU. What it shows depends only on who asks (superuser or the exact permissions held), the
language and the URL prefix, so it is kept per process under exactly that, and a change of
permissions is a new key, seen at once.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.urls import get_script_prefix
from django.utils import translation

MENUS_KEPT = 512

_menus: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
_lock = threading.Lock()


def _menu_key(request: HttpRequest) -> tuple[Any, ...] | None:
    user: Any = request.user
    if not (user.is_active and user.is_staff):
        return None
    # A superuser holds every right without a query; anyone else's are the ones the page's
    # own permission checks have read already (cached on the user for the request).
    rights = frozenset() if user.is_superuser else frozenset(user.get_all_permissions())
    return (user.is_superuser, rights, translation.get_language(), get_script_prefix())


class LeadHubAdminSite(AdminSite):
    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        key = _menu_key(request) if app_label is None else None
        if key is None:
            return super().get_app_list(request, app_label)
        menu = _menus.get(key)
        if menu is None:
            menu = super().get_app_list(request)
            with _lock:
                if len(_menus) >= MENUS_KEPT:
                    _menus.clear()
                _menus[key] = menu
        # Copies: a page may add to what it is given without changing the next page's menu.
        return [{**app, "models": [dict(m) for m in app["models"]]} for app in menu]


class LeadHubAdminConfig(AdminConfig):
    default_site = "leadhub.admin_site.LeadHubAdminSite"
