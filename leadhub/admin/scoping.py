"""Staff see their own leads and submissions; a manager with ``leadhub.view_all_leads``
(and every superuser) sees everyone's.

``OwnedByUserAdminMixin`` goes first in an admin's bases and names the path from the
model to the owning user in ``owner_path``. It narrows the queryset, so changelists,
search, change, delete and history pages and actions all see only what the user may, and
it answers ``has_*_permission`` for a single object the same way.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

VIEW_ALL = "leadhub.view_all_leads"


def sees_all_leads(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(VIEW_ALL)))


class OwnedByUserAdminMixin:
    owner_path: str = "owner"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if sees_all_leads(request.user):
            return queryset
        return queryset.filter(**{self.owner_path: request.user})

    def owns(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None or sees_all_leads(request.user):
            return True
        owner_id = obj
        for part in self.owner_path.split("__"):
            owner_id = getattr(owner_id, part, None)
            if owner_id is None:
                return False
        return owner_id == request.user

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self.owns(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self.owns(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self.owns(request, obj)  # type: ignore[misc]
