"""Webhooks in the admin: endpoints (integration admins), deliveries read-only with their
attempts, replay and "send a test event" as actions, the signing secret masked on every
page and shown only on the page its admin asks for with a POST."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from leadhub.events import Event
from leadhub.webhooks.endpoints import (
    webhook_endpoint_enable,
    webhook_endpoint_save,
    webhook_secret_rotate,
)
from leadhub.webhooks.forms import WebhookEndpointForm
from leadhub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from leadhub.webhooks.outbox import webhook_delivery_replay, webhook_test_send
from leadhub.webhooks.signing import MASK

EVENT_LABELS = dict(Event.choices)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "state", "last_success_at", "failing_since"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = [
        "signing_secret",
        "disabled_at",
        "disabled_reason",
        "failing_since",
        "last_success_at",
        "last_failure_at",
        "last_failure_message",
    ]
    actions = ["send_test_event", "turn_on"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        main = (None, {"fields": ["name", "url", "events", "is_active"]})
        if obj is None:
            return [main]
        health = (
            "Health",
            {"fields": [f for f in self.readonly_fields if f != "signing_secret"]},
        )
        return [main, ("Signing", {"fields": ["signing_secret"]}), health]

    @admin.display(description="events")
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events) or "none"

    @admin.display(description="state")
    def state(self, obj: WebhookEndpoint) -> str:
        if obj.is_active:
            return "Failing" if obj.failing_since else "Active"
        return "Turned off after failures" if obj.disabled_at else "Off"

    @admin.display(description="signing secret")
    def signing_secret(self, obj: WebhookEndpoint) -> str:
        if not obj.pk:
            return "Made when the endpoint is saved."
        # Buttons of the change form posting elsewhere: a form inside it is not allowed.
        return format_html(
            '<code>{}</code> <button type="submit" class="button" formmethod="post" '
            'formaction="{}" formnovalidate>Show signing secret</button> '
            '<button type="submit" class="button" formmethod="post" formaction="{}" '
            "formnovalidate>Rotate secret</button>"
            '<div class="help">Receivers verify each webhook with it (docs/webhooks.md). '
            "Rotating takes effect at once: update the receiver straight after.</div>",
            MASK,
            reverse("admin:leadhub_webhooks_webhookendpoint_secret", args=[obj.pk]),
            reverse("admin:leadhub_webhooks_webhookendpoint_rotate", args=[obj.pk]),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        webhook_endpoint_save(endpoint=obj)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/secret/",
                view(self.secret_view),
                name="leadhub_webhooks_webhookendpoint_secret",
            ),
            path(
                "<int:pk>/rotate-secret/",
                view(self.rotate_view),
                name="leadhub_webhooks_webhookendpoint_rotate",
            ),
            *super().get_urls(),
        ]

    def _secret_page(self, request: HttpRequest, pk: int, *, rotated: bool) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"], "The secret is shown only on request.")
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        if not self.has_change_permission(request, endpoint):
            raise PermissionDenied
        secret = webhook_secret_rotate(endpoint=endpoint) if rotated else endpoint.secret
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Signing secret: {endpoint}",
            "endpoint": endpoint,
            "secret": secret,
            "rotated": rotated,
        }
        response = render(request, "admin/leadhub_webhooks/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def secret_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._secret_page(request, pk, rotated=False)

    def rotate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._secret_page(request, pk, rotated=True)

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhook_test_send(endpoint=endpoint)
        note = (
            ""
            if all(e.is_active for e in queryset)
            else " (an endpoint that is off gets it once on)"
        )
        messages.success(
            request,
            f"A webhook.test event is on its way to {queryset.count()} "
            f"endpoint{pluralize(queryset.count())}{note}.",
        )

    @admin.action(description="Turn on again", permissions=["change"])
    def turn_on(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhook_endpoint_enable(endpoint=endpoint)
        messages.success(
            request,
            f"{queryset.count()} endpoint{pluralize(queryset.count())} on; "
            "waiting deliveries go next.",
        )


ATTEMPT_FIELDS: tuple[str, ...] = (
    "number",
    "started_at",
    "duration_ms",
    "status_code",
    "delivered",
    "message",
    "answer",
)
DELIVERY_FIELDS: tuple[str, ...] = (
    "endpoint",
    "event",
    "object_id",
    "message_id",
    "status",
    "attempt_count",
    "next_attempt_at",
    "completed_at",
    "last_status_code",
    "last_message",
    "replay_of",
    "replays_made",
    "payload_shown",
)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS
    verbose_name_plural = "Attempts (timeline)"

    @admin.display(description="answer")
    def answer(self, obj: WebhookAttempt) -> str:
        return format_html("<pre>{}</pre>", obj.response_body[:500]) if obj.response_body else "-"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "endpoint",
        "status",
        "attempt_count",
        "last_status_code",
        "created_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    search_fields = ["message_id"]
    list_select_related = ["endpoint"]
    inlines = [AttemptInline]
    actions = ["replay"]
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS

    @admin.display(description="replays")
    def replays_made(self, obj: WebhookDelivery) -> str:
        rows = obj.replays.order_by("pk")
        return (
            format_html_join(
                ", ",
                '<a href="{}">#{}</a>',
                (
                    (reverse("admin:leadhub_webhooks_webhookdelivery_change", args=[r.pk]), r.pk)
                    for r in rows
                ),
            )
            or "-"
        )

    @admin.display(description="payload (sent as compact JSON)")
    def payload_shown(self, obj: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"], "A delivery is a record: nothing to edit.")
        context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        delivery = self.get_object(request, object_id)
        if delivery is not None:
            context.update(title=f"Webhook delivery: {delivery}", subtitle=None)
        return super().change_view(request, object_id, form_url, context)

    @admin.action(description="Replay: send again (same webhook-id)", permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        made = [webhook_delivery_replay(delivery=d) for d in queryset.select_related("endpoint")]
        messages.success(request, f"{len(made)} delivery(ies) queued again as new deliveries.")
