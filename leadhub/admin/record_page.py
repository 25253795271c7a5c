"""A page that shows a record nobody edits: a submission is what was sent where and what the
vendor answered. Its change permission stays (it allows "Send again"), but the page is titled
as the record, offers no Save, and refuses a POST.

Delete is offered to nobody on these pages or as a list action: a submission deleted on its
own leaves its lead with a hole in its history and can race the worker sending it. A record
goes with its lead, when someone allowed to deletes the lead.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse

READ_ONLY_BUTTONS = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_delete": False,
}


class RecordPageMixin(admin.ModelAdmin):
    """Goes before ``ChangePageMixin`` in an admin's bases; ``record_title`` names the page."""

    record_noun = "Record"
    record_kept = "It is kept as the record of what happened."

    def record_title(self, obj: Any) -> str:
        return f"{self.record_noun}: {obj}"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"], "Nothing on this page can be edited.")
        obj = self.get_object(request, object_id)
        context = {**(extra_context or {}), **READ_ONLY_BUTTONS}
        if obj is not None:
            context.update(title=self.record_title(obj), subtitle=None)
        return super().change_view(request, object_id, form_url, context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        noun = self.record_noun.lower()
        messages.error(request, f"A {noun} cannot be deleted. {self.record_kept}")
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
