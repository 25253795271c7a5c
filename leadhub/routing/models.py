"""Routes: which destinations a lead with no destinations named goes to, and why.

A route holds ordered steps (a destination each, with its filters, schedule, weight, step
time and caps). ``services.route_decide`` reads them; ``caps`` is the one writer of the cap
counters; ``services`` is the one writer of a lead's ``RoutingDecision``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from leadhub.attribution.models import SourceKind
from leadhub.models import Lead, Submission
from leadhub.routing.filters import ClauseError, clauses_compile
from leadhub.routing.windows import ScheduleError, schedule_compile, zone
from vendors.models import Destination


def default_time_zone() -> str:
    return getattr(settings, "ROUTING_TIME_ZONE", "") or settings.TIME_ZONE or "Europe/London"


class RouteMethod(models.TextChoices):
    ALL = "all", "Send to all (optionally at most N)"
    WATERFALL = "waterfall", "Priority waterfall (first to accept wins)"
    ROUND_ROBIN = "round_robin", "Round robin (the one that waited longest)"
    WEIGHTED = "weighted", "Weighted (by each destination's weight)"


class Route(models.Model):
    name = models.CharField(max_length=120, unique=True)
    method = models.CharField(
        max_length=20, choices=RouteMethod.choices, default=RouteMethod.WATERFALL
    )
    max_destinations = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Send to all: at most this many destinations (empty: every one that fits).",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        help_text="The zone caps' hours, days, weeks and months and the schedules are read in "
        "(for example Europe/London).",
    )
    # Which sources use it besides API and web-form keys (a key names its route itself).
    for_staff = models.BooleanField(
        "staff's “Route automatically”",
        default=False,
        help_text="Offered on the lead form as “Route automatically”, instead of ticking "
        "destinations.",
    )
    for_imports = models.BooleanField(
        "imports",
        default=False,
        help_text="Offered on the import form: an import with no destinations ticked routes "
        "each row by it.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Bumped by every change to the route or its steps: compiled plans are cached by it.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            zone(self.time_zone)
        except ScheduleError as error:
            raise ValidationError({"time_zone": str(error)}) from None


def route_touch(route: Any) -> None:
    """Bump a route's stamp: its compiled plan (cached by it) is made again. ``route``: an
    id, ids, or a subquery of ids."""
    ids = route if not isinstance(route, int) else [route]
    Route.objects.filter(pk__in=ids).update(updated_at=timezone.now())


class RouteStep(models.Model):
    """One destination in a route, at its position, with what it takes."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="steps")
    destination = models.ForeignKey(
        Destination, on_delete=models.PROTECT, related_name="route_steps"
    )
    position = models.PositiveIntegerField(default=0)
    weight = models.PositiveIntegerField(default=1, help_text="Weighted routes only.")
    step_seconds = models.PositiveIntegerField(
        "wait for an answer (seconds)",
        null=True,
        blank=True,
        help_text="Waterfall: a send still waiting after this long is cancelled and the next "
        "destination tried (empty: wait for the answer).",
    )
    # [{"field": "email", "op": "contains", "value": "@example.com"}, ...], all must hold.
    filters = models.JSONField(default=list, blank=True)
    # {"mon": ["09:00", "17:30"], ...}; a day left out is closed; empty: always open.
    schedule = models.JSONField(default=dict, blank=True)
    # Round robin: when this step last got a lead (the longest waiting goes next).
    last_chosen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["route", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "destination"], name="route_step_destination_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.route} #{self.position}: {self.destination}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        route_touch(self.route_id)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        route_id = self.route_id
        deleted = super().delete(*args, **kwargs)
        route_touch(route_id)
        return deleted

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            clauses_compile(self.filters)
        except ClauseError as error:
            errors["filters"] = str(error)
        try:
            schedule_compile(self.schedule)
        except ScheduleError as error:
            errors["schedule"] = str(error)
        if errors:
            raise ValidationError(errors)


class CapPeriod(models.TextChoices):
    HOUR = "hour", "Per hour"
    DAY = "day", "Per day"
    WEEK = "week", "Per week (from Monday)"
    MONTH = "month", "Per month"


class Cap(models.Model):
    step = models.ForeignKey(RouteStep, on_delete=models.CASCADE, related_name="caps")
    period = models.CharField(max_length=10, choices=CapPeriod.choices, default=CapPeriod.DAY)
    limit = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "period"], name="cap_period_uniq")]

    def __str__(self) -> str:
        return f"{self.limit} {self.get_period_display().lower()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        route_touch(RouteStep.objects.filter(pk=self.step_id).values("route_id"))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        route = RouteStep.objects.filter(pk=self.step_id).values_list("route_id", flat=True)
        route_ids = list(route)
        deleted = super().delete(*args, **kwargs)
        route_touch(route_ids)
        return deleted


class CapCounter(models.Model):
    """Leads counted against a cap in one window; only ``routing.caps`` writes it."""

    cap = models.ForeignKey(Cap, on_delete=models.CASCADE, related_name="counters")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cap", "window_start"], name="cap_counter_window_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.count} from {self.window_start:%Y-%m-%d %H:%M}"


class CapReservation(models.Model):
    """A place a submission holds in a cap window, given back when it finally fails."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="cap_reservations"
    )
    counter = models.ForeignKey(CapCounter, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"Submission {self.submission_id} in counter {self.counter_id}"


class DecisionState(models.TextChoices):
    ROUTED = "routed", "Routed"
    WAITING = "waiting", "Waiting for the destination's answer (waterfall)"
    ACCEPTED = "accepted", "Accepted"
    HELD = "held", "Held: no destination could take it"
    DONE = "done", "Every destination tried"


class RoutingDecision(models.Model):
    """Where a lead was routed and why; its timeline is what staff and the API read."""

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="routing_decision")
    # None: staff picked the destinations by hand (the timeline says who).
    route = models.ForeignKey(
        Route, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    source = models.CharField(max_length=20, choices=SourceKind.choices)
    state = models.CharField(max_length=20, choices=DecisionState.choices)
    held_reason = models.TextField(blank=True)
    # Held: when something may have changed (a cap window resets, a schedule opens).
    recheck_at = models.DateTimeField(null=True, blank=True)
    # Waterfall: the send now being waited for, and until when.
    current = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    step_deadline = models.DateTimeField(null=True, blank=True)
    tried = models.JSONField(default=list, blank=True)  # step ids already sent to
    timeline = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["recheck_at"],
                name="decision_recheck_idx",
                condition=models.Q(state="held"),
            ),
            models.Index(
                fields=["step_deadline"],
                name="decision_waiting_idx",
                condition=models.Q(state="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"Routing of lead {self.lead_id}: {self.get_state_display()}"

    def entries(self) -> list[dict[str, Any]]:
        return list(self.timeline or [])
