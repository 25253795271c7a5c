"""A bulk import of leads from one CSV file, the rows it left out, and remembered mappings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vendors.models import Destination


class ImportJob(models.Model):
    """One uploaded CSV file on its way from mapping to imported leads."""

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for the column mapping"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    # The file as uploaded, kept in the database so any worker can read it without a shared
    # disk; emptied once the import finishes (the failed rows are kept on their own).
    source = models.BinaryField(editable=False, default=bytes)
    size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    destinations = models.ManyToManyField(Destination, related_name="+")
    # No destinations ticked: each row is routed by this route, as an API lead is.
    route = models.ForeignKey(
        "leadhub_routing.Route", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # {"contact": {lead field: header}, "destinations": {"<pk>": {vendor field: header}}}
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MAPPING)
    # Rows whose person went to one of the destinations within DUPLICATE_WINDOW_DAYS are
    # left out (with the reason) unless this was ticked when the import was started.
    send_duplicates = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    failed_rows = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportRowError(models.Model):
    """A row left out of an import, with its cells as read and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(help_text="Line number in the file (the header is 1).")
    values = models.JSONField(default=list)
    errors = models.TextField()

    class Meta:
        ordering = ["job", "line"]
        indexes = [models.Index(fields=["job", "line"], name="import_row_error_line_idx")]

    def __str__(self) -> str:
        return f"Line {self.line}: {self.errors}"


class ImportMapping(models.Model):
    """The last column mapping used for a destination, offered again next time."""

    destination = models.OneToOneField(
        Destination, on_delete=models.CASCADE, related_name="import_mapping"
    )
    contact = models.JSONField(default=dict)
    fields = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Import mapping for {self.destination}"
