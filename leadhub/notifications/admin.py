"""Notification channels (integration admins set where to tell and what) and the
notifications sent, read-only, with their failures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from leadhub.audit.services import AuditAction, audit_record
from leadhub.notifications.models import Channel, ChannelKind, Notification, NotificationEvent
from leadhub.notifications.sending import channel_test
from vendors.admin.common import ListTitleMixin, RecordListMixin
from vendors.hosts import UnsafeVendorHost, check_vendor_url

# Each test is a live send while the admin waits for the page.
MAX_TESTED_AT_ONCE = 5


class ChannelForm(forms.ModelForm):
    """The webhook URL is write-only, like a connection's credentials: a blank box keeps
    it, text replaces it."""

    events = forms.MultipleChoiceField(
        choices=NotificationEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What this channel is told.",
    )
    webhook_url = forms.CharField(
        label="Webhook URL",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Channel
        fields = ("name", "kind", "recipients", "events", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = bool(self.instance.pk and self.instance.webhook_url)
        self.fields["webhook_url"].help_text = (
            f"Stored encrypted ({self.instance.masked_target()}). Leave blank to keep it; "
            "type to replace it."
            if stored
            else "Webhook: an incoming-webhook URL (Slack, Teams, Mattermost; Discord's ending "
            "in /slack). Stored encrypted; never shown again."
        )

    def clean_recipients(self) -> str:
        value = self.cleaned_data["recipients"]
        addresses = [r.strip() for r in value.split(",") if r.strip()]
        for address in addresses:
            forms.EmailField().clean(address)
        return ", ".join(addresses)

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        if url:
            try:
                check_vendor_url(url)
            except UnsafeVendorHost as err:
                raise forms.ValidationError(
                    str(err).replace("vendor address", "webhook URL")
                ) from err
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == ChannelKind.EMAIL and not data.get("recipients"):
            self.add_error("recipients", "An email channel needs at least one address.")
        has_url = data.get("webhook_url") or (self.instance.pk and self.instance.webhook_url)
        if kind == ChannelKind.WEBHOOK and not has_url:
            self.add_error("webhook_url", "A webhook channel needs its URL.")
        return data

    def save(self, commit: bool = True) -> Channel:
        channel: Channel = super().save(commit=False)
        channel.events = list(self.cleaned_data.get("events") or [])
        url = self.cleaned_data.get("webhook_url")
        if url:
            channel.secret = {"url": url}
        if channel.kind == ChannelKind.EMAIL:
            channel.secret = {}
        if commit:
            channel.save()
        return channel


@admin.register(Channel)
class ChannelAdmin(ListTitleMixin):
    form = ChannelForm
    list_title = "Notification channels"
    list_display = ("name", "kind", "target", "told", "is_active", "last_result")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    readonly_fields = ("target", "last_result")
    actions = ["send_test"]

    def get_fieldsets(self, request: HttpRequest, obj: Channel | None = None) -> list:
        sets: list = [
            (None, {"fields": ["name", "kind", "is_active"]}),
            ("Where", {"fields": ["recipients", "webhook_url"]}),
            ("What", {"fields": ["events"]}),
        ]
        if obj:
            sets.append(("Health", {"fields": ["target", "last_result"]}))
        return sets

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kw)
        if obj is not None:
            form.base_fields["events"].initial = obj.events
        return form

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(require_POST(self.test_view))
        return [
            path("<int:pk>/test/", view, name="leadhub_notifications_channel_test"),
            *super().get_urls(),
        ]

    @admin.display(description="Sends to")
    def target(self, obj: Channel) -> str:
        return obj.masked_target()

    @admin.display(description="Told")
    def told(self, obj: Channel) -> str:
        labels = dict(NotificationEvent.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events) or "Nothing"

    @admin.display(description="Last result")
    def last_result(self, obj: Channel) -> str:
        failed_last = obj.last_error_at and (
            not obj.last_success_at or obj.last_error_at > obj.last_success_at
        )
        if failed_last and obj.last_error_at:
            return format_html(
                '<span class="lh-status lh-status-rejected">Failed</span> {} ago: {}',
                timesince(obj.last_error_at),
                obj.last_error,
            )
        if obj.last_success_at:
            return format_html(
                '<span class="lh-status lh-status-accepted">Sent</span> {} ago',
                timesince(obj.last_success_at),
            )
        return "Nothing sent yet"

    def _test(self, request: HttpRequest, channel: Channel) -> None:
        result = channel_test(channel=channel)
        audit_record(request.user, AuditAction.CHANNEL_TESTED, channel, ok=result.ok)
        state = "sent a test notification" if result.ok else "failed"
        level = messages.SUCCESS if result.ok else messages.ERROR
        self.message_user(request, f"{channel.name} {state}: {result.message}", level)

    def test_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = get_object_or_404(Channel, pk=pk)
        if not self.has_change_permission(request, channel):
            raise PermissionDenied
        self._test(request, channel)
        return HttpResponseRedirect(
            reverse("admin:leadhub_notifications_channel_change", args=[pk])
        )

    @admin.action(description="Send a test notification", permissions=["change"])
    def send_test(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset[:MAX_TESTED_AT_ONCE]:
            self._test(request, channel)


@admin.register(Notification)
class NotificationAdmin(RecordListMixin):
    """What was told, where, and whether it went: read-only."""

    list_title = "Notifications sent"
    list_display = (
        "created_at",
        "subject",
        "channel",
        "status",
        "occurrences",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("status", "event", "channel")
    list_select_related = ("channel",)
    date_hierarchy = "created_at"
    fields = (
        "subject",
        "body",
        "channel",
        "event",
        "status",
        "occurrences",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
