"""What the admin pages of both apps share: lists titled by what they hold, a say on the
change page before Django's, and the warning an action gives when it handled only the
first of the selected rows.

LeadHub's own admin imports these too; they import nothing of it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst


class ListTitleMixin(admin.ModelAdmin):
    """A list is titled by what it holds ("Submissions"), not Django's "Select submission
    to change"."""

    list_title: str = ""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        title = self.list_title or capfirst(str(self.model._meta.verbose_name_plural))
        return super().changelist_view(request, {"title": title, **(extra_context or {})})


class RecordListMixin(ListTitleMixin):
    """A list of records LeadHub writes itself: nobody adds, changes or deletes one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChangePageMixin(ListTitleMixin):
    """The change page with a hook: ``change_page`` adds to the page's context, or answers
    the request itself (a button on the page that is not a save)."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        answer = self.change_page(request, object_id)
        if isinstance(answer, HttpResponse):
            return answer
        context = {**(extra_context or {}), **answer}
        return super().change_view(request, object_id, form_url, context)

    def change_page(self, request: HttpRequest, object_id: str) -> dict[str, Any] | HttpResponse:
        return {}


def warn_capped(
    model_admin: admin.ModelAdmin, request: HttpRequest, *, selected: int, limit: int, done: str
) -> None:
    """Tell the user an action handled only the first ``limit`` of the ``selected`` rows;
    ``done`` says what was done to them and what to do about the rest."""
    if selected > limit:
        model_admin.message_user(request, f"Only the first {limit} were {done}.", messages.WARNING)
