""" "Test connection" on the connection's own form, before saving: the credentials typed in
the form are tried with the vendor's cheapest authenticated call (vendors.connection_test)
and the verdict shown on the page by static/leadhub/connection_test.js, without a reload.

Nothing is saved and nothing typed is sent back: the answer carries a verdict and the
vendor's words, masked like every vendor answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, path, reverse

from vendors.admin.forms import connection_form_class
from vendors.connection_test import CheckResult, connection_test_unsaved
from vendors.models import Connection
from vendors.registry import implemented_kinds

# How each verdict is told: the state first, then the vendor's words.
VERDICTS: dict[bool | None, tuple[str, str]] = {
    True: ("success", "Works"),
    False: ("error", "Failed"),
    None: ("warning", "Cannot be tested"),
}
SAVES_NOTHING = "Nothing was saved."


def typed_test_answer(result: CheckResult) -> dict[str, Any]:
    level, state = VERDICTS[result.ok]
    said = result.message.strip()
    said = said if said.endswith((".", "!", "?")) else f"{said}."  # the vendor's own words
    return {"ok": result.ok, "level": level, "message": f"{state}: {said} {SAVES_NOTHING}"}


class ConnectionTestPages(admin.ModelAdmin):
    """The endpoint the connection form's "Test connection" button posts the form to."""

    def typed_test_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("test/<str:kind>/", view(self.typed_test), name="vendors_connection_test_new"),
            path(
                "<path:object_id>/test/",
                view(self.typed_test),
                name="vendors_connection_test_typed",
            ),
        ]

    def typed_test_url(self, kind: str, object_id: Any = None) -> str:
        if object_id is not None:
            return reverse("admin:vendors_connection_test_typed", args=[object_id])
        return reverse("admin:vendors_connection_test_new", args=[kind])

    def typed_test(
        self, request: HttpRequest, kind: str = "", object_id: str = ""
    ) -> JsonResponse | HttpResponseNotAllowed:
        """Test what the form holds: a new connection's typed values, or a stored one's with
        the changes typed over it (a blank credential keeps the stored one)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj: Connection | None = None
        if object_id:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                return _refusal("That connection no longer exists.", 404)
            kind = obj.kind
            allowed = self.has_change_permission(request, obj)
        else:
            allowed = self.has_add_permission(request)
        if not allowed:
            return _refusal("You may not test this connection.", 403)
        if kind not in implemented_kinds():
            return _refusal("Choose a vendor LeadHub can talk to.", 400)
        form = connection_form_class(kind)(request.POST, instance=obj or Connection(kind=kind))
        form.is_valid()
        problems = form.test_problems()
        if problems:
            return JsonResponse(
                {
                    "ok": False,
                    "level": "error",
                    "message": "Not tested: " + " ".join(problems) + f" {SAVES_NOTHING}",
                }
            )
        result = connection_test_unsaved(connection=form.typed_connection())
        return JsonResponse(typed_test_answer(result))


def _refusal(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "level": "error", "message": message}, status=status)
