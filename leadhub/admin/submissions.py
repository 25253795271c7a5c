from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from leadhub.admin.changelists import SubmissionListMixin
from leadhub.admin.display import link_buttons, status_badge
from leadhub.admin.scoping import OwnedByUserAdminMixin
from leadhub.models import Attempt, Submission
from leadhub.services.quotes import quote_status_text, submissions_quote_refresh
from leadhub.services.submissions import submission_resend
from leadhub.statuses import TRANSITIONS, SubmissionStatus

# Quotes are read from SalesByte while the page waits: keep one action's reads few.
REFRESH_LIMIT = 20


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "outcome",
        "message",
        "request",
        "response_body",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(OwnedByUserAdminMixin, SubmissionListMixin, admin.ModelAdmin):
    owner_path = "lead__owner"
    list_display = (
        "id",
        "lead",
        "destination",
        "status_display",
        "vendor_reference",
        "attempt_count",
        "created_at",
    )
    list_display_links = ("id", "lead")
    list_filter = ("status", "connection__kind", "connection", "destination", "created_at")
    list_select_related = ("lead", "destination", "connection")
    search_fields = ("=vendor_reference", "lead__email", "lead__last_name")
    date_hierarchy = None
    show_full_result_count = False
    list_per_page = 50
    inlines = [AttemptInline]
    actions = ["resend", "refresh_from_salesbyte"]
    readonly_fields = (
        "lead",
        "destination",
        "connection",
        "operation",
        "campaign",
        "status_display",
        "vendor_reference",
        "vendor_code",
        "vendor_message",
        "link_buttons",
        "quote_status",
        "field_errors",
        "payload",
        "response_data",
        "attempt_count",
        "next_attempt_at",
        "created_by",
        "created_at",
        "sent_at",
        "completed_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "lead",
                    "destination",
                    "status_display",
                    "vendor_reference",
                    "vendor_message",
                    "link_buttons",
                    "quote_status",
                )
            },
        ),
        (
            "Delivery",
            {
                "fields": (
                    "connection",
                    "operation",
                    "campaign",
                    "vendor_code",
                    "field_errors",
                    "attempt_count",
                    "next_attempt_at",
                    "created_by",
                    "created_at",
                    "sent_at",
                    "completed_at",
                )
            },
        ),
        ("What was sent and answered", {"fields": ("payload", "response_data")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return super().get_queryset(request).defer("payload", "response_data")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Submission) -> str:
        return status_badge(obj.status)

    @admin.display(description="Links")
    def link_buttons(self, obj: Submission) -> str:
        return link_buttons(obj.links)

    @admin.display(description="Quote")
    def quote_status(self, obj: Submission) -> str:
        state = (obj.response_data or {}).get("quote")
        if not isinstance(state, dict):
            return "—"
        return f"{quote_status_text(state).capitalize()} · read {state.get('refreshed_at', '')}"

    @admin.action(description="Refresh from SalesByte", permissions=["change"])
    def refresh_from_salesbyte(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: REFRESH_LIMIT + 1])
        for refresh in submissions_quote_refresh(submission_ids=ids[:REFRESH_LIMIT]):
            level = messages.SUCCESS if refresh.refreshed else messages.WARNING
            self.message_user(request, refresh.message, level)
        if len(ids) > REFRESH_LIMIT:
            self.message_user(
                request,
                f"Only the first {REFRESH_LIMIT} were read; select fewer to read the rest.",
                messages.WARNING,
            )

    @admin.action(description="Send again", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        resendable = [
            s for s in queryset if SubmissionStatus.QUEUED in TRANSITIONS.get(s.status, frozenset())
        ]
        for submission in resendable:
            submission_resend(submission=submission)
        skipped = queryset.count() - len(resendable)
        self.message_user(request, f"{len(resendable)} submission(s) queued again.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only rejected, exhausted or unanswered submissions can be "
                "sent again.",
                level=messages.WARNING,
            )
