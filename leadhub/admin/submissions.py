from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from leadhub.admin.changelists import (
    RelatedFilterWithoutSecrets,
    SubmissionListMixin,
)
from leadhub.admin.display import link_buttons, status_badge, truncated
from leadhub.admin.lead_page import submission_explanation
from leadhub.admin.record_page import RecordPageMixin
from leadhub.admin.scoping import OwnedByUserAdminMixin
from leadhub.admin.submission_filters import AttentionFilter, VendorFilter, VendorOutcomeFilter
from leadhub.admin.submission_search import SubmissionSearchMixin
from leadhub.audit.services import AuditAction, audit_record
from leadhub.delivery.outbox import submission_resend
from leadhub.forms.resend import SubmissionEditForm
from leadhub.models import Attempt, Submission
from leadhub.services.quotes import quote_status_text, submissions_quote_refresh
from leadhub.statuses import RESENDABLE, WAITING, InvalidTransition, SubmissionStatus
from vendors.admin.common import ChangePageMixin, warn_capped
from vendors.registry import operation_label as operation_name

S = SubmissionStatus
BULK = AuditAction.BULK_RESENT

# Quotes are read from SalesByte while the page waits: keep one action's reads few.
REFRESH_LIMIT = 20


def resendable(submission: Submission) -> bool:
    return submission.status in RESENDABLE


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    verbose_name_plural = "Exchanges in full (redacted)"
    fields = (
        "number",
        "kind",
        "started_at",
        "duration_ms",
        "status_code",
        "outcome",
        "condition",
        "message",
        "request",
        "response_body",
    )
    readonly_fields = fields
    classes = ("collapse",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(
    OwnedByUserAdminMixin,
    SubmissionListMixin,
    SubmissionSearchMixin,
    RecordPageMixin,
    ChangePageMixin,
):
    record_noun = "Submission"
    record_kept = (
        "It is the record of what was sent and what the vendor answered; it goes with its lead."
    )
    # Designed for 1366 px beside the filters: one line a row; the destination names its
    # vendor (the connection is a filter); a long reference is cut, whole in its title.
    list_display = (
        "lead",
        "destination_name",
        "status_display",
        "vendor_outcome",
        "reference",
        "attempts_made",
        "next_try",
        "created",
    )
    list_display_links = ("lead",)
    list_filter = (
        AttentionFilter,
        "status",
        VendorFilter,
        ("connection", RelatedFilterWithoutSecrets),
        ("destination", RelatedFilterWithoutSecrets),
        VendorOutcomeFilter,
        "created_at",
    )
    list_select_related = ("lead", "destination", "connection")
    # The columns the list shows: the lead by its name, the destination by its own, the
    # connection for "held: paused".
    list_only = (
        "status",
        "vendor_outcome",
        "vendor_reference",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "lead",
        "lead__first_name",
        "lead__last_name",
        "destination",
        "destination__name",
        "connection",
        "connection__name",
        "connection__kind",
        "connection__paused_at",
    )
    date_hierarchy = None
    show_full_result_count = False
    list_per_page = 50
    inlines = [AttemptInline]
    actions = ["resend", "refresh_from_salesbyte"]
    change_form_template = "admin/leadhub/submission/change_form.html"
    readonly_fields = (
        "lead",
        "destination",
        "connection",
        "operation_label",
        "campaign",
        "status_display",
        "explanation",
        "vendor_reference",
        "vendor_outcome",
        "vendor_outcome_at",
        "vendor_code",
        "vendor_message",
        "link_buttons",
        "quote_status",
        "field_errors",
        "payload",
        "response_data",
        "attempt_count",
        "next_attempt_at",
        "next_check_at",
        "created_by",
        "created_at",
        "enqueued_at",
        "sent_at",
        "completed_at",
        "timeline",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "lead",
                    "destination",
                    "status_display",
                    "explanation",
                    "vendor_reference",
                    "vendor_outcome",
                    "vendor_message",
                    "link_buttons",
                    "quote_status",
                )
            },
        ),
        ("Timeline", {"fields": ("timeline",)}),
        (
            "Delivery",
            {
                "fields": (
                    "connection",
                    "operation_label",
                    "campaign",
                    "vendor_code",
                    "field_errors",
                    "attempt_count",
                    "next_attempt_at",
                    "next_check_at",
                    "vendor_outcome_at",
                    "created_by",
                    "created_at",
                    "enqueued_at",
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

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/resend/",
                wrap(require_POST(self.resend_view)),
                name="leadhub_submission_resend",
            ),
            path(
                "<int:pk>/edit-resend/",
                wrap(self.edit_resend_view),
                name="leadhub_submission_edit_resend",
            ),
            *super().get_urls(),
        ]

    def change_page(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        submission = self.get_object(request, object_id)
        can_resend = can_edit_resend = False
        if submission is not None and self.has_change_permission(request, submission):
            can_resend = resendable(submission)
            can_edit_resend = submission.status == S.REJECTED
        return {"can_resend": can_resend, "can_edit_resend": can_edit_resend}

    def _change_url(self, submission: Submission) -> str:
        return reverse("admin:leadhub_submission_change", args=[submission.pk])

    def resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        # Only what is theirs (the admin's queryset); the service refuses a raced resend.
        submission = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, submission):
            raise PermissionDenied
        try:
            submission_resend(submission=submission)
        except InvalidTransition as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.log_change(request, submission, "Sent again")
            audit_record(request.user, AuditAction.RESENT, submission)
            self.message_user(request, "Queued to be sent again.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(submission))

    def edit_resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        submission = get_object_or_404(
            self.get_queryset(request).select_related("destination", "connection"), pk=pk
        )
        if not self.has_change_permission(request, submission):
            raise PermissionDenied
        if submission.status != S.REJECTED:
            self.message_user(
                request, "Only a rejected submission can be edited and sent again.", messages.ERROR
            )
            return HttpResponseRedirect(self._change_url(submission))
        form = SubmissionEditForm(submission, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                submission_resend(submission=submission, payload=form.payload())
            except InvalidTransition as refused:
                self.message_user(request, str(refused), messages.ERROR)
                return HttpResponseRedirect(self._change_url(submission))
            self.log_change(request, submission, "Edited and sent again")
            audit_record(request.user, AuditAction.RESENT, submission, edited=True)
            self.message_user(request, "Edited and queued to be sent again.", messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(submission))
        return TemplateResponse(
            request,
            "admin/leadhub/submission/edit_resend.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Edit and send again",
                "submission": submission,
                "form": form,
                "media": self.media + form.media,
            },
        )

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Submission) -> str:
        return status_badge(obj.status)

    @admin.display(description="Operation")
    def operation_label(self, obj: Submission) -> str:
        return operation_name(obj.connection.kind, obj.operation)

    @admin.display(description="Destination", ordering="destination__name")
    def destination_name(self, obj: Submission) -> str:
        return truncated(str(obj.destination or ""))

    @admin.display(description="Reference", ordering="vendor_reference")
    def reference(self, obj: Submission) -> str:
        return truncated(obj.vendor_reference)

    @admin.display(description="Attempts", ordering="attempt_count")
    def attempts_made(self, obj: Submission) -> int:
        return obj.attempt_count

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj: Submission) -> datetime:
        return obj.created_at

    @admin.display(description="Next try", ordering="next_attempt_at")
    def next_try(self, obj: Submission) -> datetime | str | None:
        if obj.status not in WAITING:
            return None
        if obj.connection.is_paused:
            return "held: paused"
        return obj.next_attempt_at if obj.status == S.RETRY_WAIT else None

    @admin.display(description="What happens next")
    def explanation(self, obj: Submission) -> str:
        return submission_explanation(obj)

    @admin.display(description="Links")
    def link_buttons(self, obj: Submission) -> str:
        return link_buttons(obj.links)

    @admin.display(description="Attempts")
    def timeline(self, obj: Submission) -> str:
        rows = []
        for attempt in obj.attempts.all():
            when = date_format(timezone.localtime(attempt.started_at), "DATETIME_FORMAT")
            answer = f"HTTP {attempt.status_code}" if attempt.status_code else "no answer"
            what = f"{attempt.get_kind_display()} #{attempt.number}"
            rows.append(
                (when, what, answer, attempt.duration_ms, attempt.outcome or "—", attempt.message)
            )
        # A paused connection holds the row whatever its booked time (the explanation says).
        if obj.next_attempt_at and obj.status == S.RETRY_WAIT and not obj.connection.is_paused:
            when = date_format(timezone.localtime(obj.next_attempt_at), "DATETIME_FORMAT")
            rows.append((when, "Next try", "", 0, "", "booked"))
        if not rows:
            return "Not sent yet."
        return format_html(
            '<ol class="lh-timeline">{}</ol>',
            format_html_join(
                "",
                '<li><span class="lh-when">{}</span><strong>{}</strong> {} '
                "({} ms) <em>{}</em> {}</li>",
                rows,
            ),
        )

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
        warn_capped(
            self,
            request,
            selected=len(ids),
            limit=REFRESH_LIMIT,
            done="read; select fewer to read the rest",
        )

    @admin.action(description="Send again", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        queued = skipped = 0
        for submission in queryset:
            try:
                submission_resend(submission=submission)
            except InvalidTransition:
                skipped += 1
            else:
                queued += 1
        audit_record(request.user, BULK, Submission, queued=queued, skipped=skipped)
        self.message_user(request, f"{queued} submission{pluralize(queued)} queued again.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only rejected, exhausted or unanswered submissions can be "
                "sent again.",
                level=messages.WARNING,
            )
