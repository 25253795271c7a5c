"""Staff see their own leads and submissions; a manager with ``leadhub.view_all_leads``
(and every superuser) sees everyone's. The rule itself is ``leadhub.selectors``'.

``OwnedByUserAdminMixin`` goes first in an admin's bases. It narrows the queryset, so
changelists, CSV exports, search, change, delete and history pages and actions all see
only what the user may, and it answers ``has_*_permission`` for a single object the same
way.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from leadhub.selectors import row_visible, visible_rows

# Where a GET request keeps the rows its page has read (``get_object``).
OBJECTS_READ = "leadhub_objects_read"


class OwnedByUserAdminMixin:
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return visible_rows(request.user, super().get_queryset(request))  # type: ignore[misc]

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        """The row, read once per page view: a page's own hooks (its follow-up links, a
        record's title) and Django's view each ask for it. A POST reads it afresh."""
        if request.method != "GET":
            return super().get_object(request, object_id, from_field)  # type: ignore[misc]
        key = (type(self).__name__, object_id, from_field)
        read: dict[tuple, Any] = request.__dict__.setdefault(OBJECTS_READ, {})
        if key not in read:
            read[key] = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        return read[key]

    def owns(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or row_visible(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self.owns(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self.owns(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self.owns(request, obj)  # type: ignore[misc]
