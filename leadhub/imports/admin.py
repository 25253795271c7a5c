"""The import wizard in the admin: upload → map columns → preview → import → progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify

from leadhub.audit.services import AuditAction, audit_record
from leadhub.csvfiles import CsvFileError, csv_lines
from leadhub.imports.forms import MappingForm, UploadForm
from leadhub.imports.models import ImportJob, ImportRowError
from leadhub.imports.rows import targets
from leadhub.imports.samples import import_samples, import_template
from leadhub.imports.services import (
    import_job_create,
    import_job_start,
    import_mapping_save,
    import_preview,
    job_destinations,
    mapping_initial,
)
from leadhub.imports.verdicts import import_outcome_describe, preview_verdict
from vendors.admin.common import ListTitleMixin

S = ImportJob.Status


@admin.register(ImportJob)
class ImportJobAdmin(ListTitleMixin):
    list_display = (
        "file_name",
        "status",
        "created_by",
        "total_rows",
        "imported_rows",
        "failed_rows",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("created_by",)
    list_per_page = 50

    # --- Who may do what: importing is sending leads, so it follows the lead permission.
    def _may_import(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm("leadhub.add_lead")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_import(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_import(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_import(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        jobs = super().get_queryset(request).defer("source")
        if request.user.is_superuser:
            return jobs
        return jobs.filter(created_by=request.user)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/map/", view(self.map_view), name="leadhub_imports_importjob_map"),
            path(
                "<int:pk>/preview/",
                view(self.preview_view),
                name="leadhub_imports_importjob_preview",
            ),
            path(
                "template/<int:destination_pk>.csv",
                view(self.template_view),
                name="leadhub_imports_importjob_template",
            ),
            path(
                "<int:pk>/failed-rows.csv",
                view(self.failed_rows_view),
                name="leadhub_imports_importjob_failed_rows",
            ),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, pk: int | str) -> ImportJob:
        if not self._may_import(request):
            raise PermissionDenied
        job = self.get_queryset(request).filter(pk=pk).first()
        if job is None:
            raise Http404("No such import.")
        return job

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        return TemplateResponse(
            request,
            f"admin/leadhub_imports/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "has_view_permission": True,
                **context,
            },
        )

    # --- Step 1: the file and its destinations.
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_job_create(
                    upload=form.cleaned_data["file"],
                    destinations=list(form.cleaned_data["destinations"]),
                    user=request.user,
                    route=form.cleaned_data.get("route"),
                )
            except CsvFileError as err:
                form.add_error("file", str(err))
            else:
                return HttpResponseRedirect(
                    reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
                )
        offered = form.fields["destinations"].queryset  # type: ignore[attr-defined]
        templates = [
            (d, reverse("admin:leadhub_imports_importjob_template", args=[d.pk])) for d in offered
        ]
        return self._render(
            request,
            "upload.html",
            {"form": form, "templates": templates, "title": "Import leads from a CSV file"},
        )

    def template_view(self, request: HttpRequest, destination_pk: int) -> StreamingHttpResponse:
        """A CSV file this destination's import takes: its columns and one sample row."""
        if not self._may_import(request):
            raise PermissionDenied
        offered = UploadForm().fields["destinations"].queryset  # type: ignore[attr-defined]
        destination = offered.filter(pk=destination_pk).first()
        if destination is None:
            raise Http404("No such destination.")
        header, row = import_template(destination)
        response = StreamingHttpResponse(
            csv_lines(header, [row]), content_type="text/csv; charset=utf-8"
        )
        name = slugify(destination.name) or "destination"
        response["Content-Disposition"] = f'attachment; filename="leads-{name}.csv"'
        return response

    # --- Step 2: which column fills which field.
    def map_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        if job.status != S.MAPPING:
            return HttpResponseRedirect(self._progress_url(job))
        all_targets = targets(job_destinations(job))
        form = MappingForm(
            request.POST or None,
            targets=all_targets,
            headers=job.headers,
            samples=import_samples(job),
            initial=mapping_initial(job, all_targets),
        )
        if request.method == "POST" and form.is_valid():
            import_mapping_save(job=job, mapping=form.mapping(), user=request.user)
            return HttpResponseRedirect(
                reverse("admin:leadhub_imports_importjob_preview", args=[job.pk])
            )
        unmapped = [h for h in job.headers if h and h not in set(form.initial.values())]
        return self._render(
            request,
            "map.html",
            {"form": form, "job": job, "unmapped": unmapped, "title": "Match the columns"},
        )

    # --- Step 3: the first rows checked by the lead form's rules; then start.
    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        if job.status != S.MAPPING:
            return HttpResponseRedirect(self._progress_url(job))
        if not job.mapping:
            return HttpResponseRedirect(
                reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
            )
        shown, rows = import_preview(job)
        verdict = preview_verdict(job.total_rows, rows)
        if request.method == "POST" and verdict.importable:
            import_job_start(job=job, send_duplicates=bool(request.POST.get("send_duplicates")))
            audit_record(request.user, AuditAction.IMPORTED, job, rows=job.total_rows)
            self.message_user(request, f"Importing {job.total_rows} rows from {job.file_name}.")
            return HttpResponseRedirect(self._progress_url(job))
        return self._render(
            request,
            "preview.html",
            {
                "job": job,
                "columns": shown,
                "rows": rows,
                "verdict": verdict,
                "duplicate_window": settings.DUPLICATE_WINDOW_DAYS,
                "title": "Check before importing",
            },
        )

    # --- Step 4: progress, refreshed by the page itself while the import runs.
    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        job = self._job(request, object_id)
        if job.status == S.MAPPING:
            return HttpResponseRedirect(
                reverse("admin:leadhub_imports_importjob_map", args=[job.pk])
            )
        errors = job.row_errors.all()[:20] if job.failed_rows else []
        return self._render(
            request,
            "progress.html",
            {
                "job": job,
                "outcome": import_outcome_describe(job),
                "errors": errors,
                "title": f"Import of {job.file_name}",
            },
        )

    def failed_rows_view(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        job = self._job(request, pk)
        failed = ImportRowError.objects.filter(job=job).order_by("line")
        width = len(job.headers)
        rows = (
            [*(e.values + [""] * width)[:width], e.errors, e.line]
            for e in failed.iterator(chunk_size=2000)
        )
        response = StreamingHttpResponse(
            csv_lines([*job.headers, "Import error", "Line"], rows),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="failed-rows-import-{job.pk}.csv"'
        return response

    def _progress_url(self, job: ImportJob) -> str:
        return reverse("admin:leadhub_imports_importjob_change", args=[job.pk])

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        job = self._job(request, object_id)
        if job.is_active:
            messages.error(request, "An import that is running cannot be deleted.")
            return HttpResponseRedirect(self._progress_url(job))
        return super().delete_view(request, object_id, extra_context)
