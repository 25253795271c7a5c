"""What keeps a changelist useful at a million rows: an estimated count, phone-aware search,
and a streaming CSV export of exactly what the list shows (filters and search included)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.contrib.admin import RelatedFieldListFilter, helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from leadhub.attribution.selectors import SOURCE_EXPORT_COLUMNS
from leadhub.audit.services import AuditAction, audit_record
from leadhub.csvfiles import FORMULA_START, csv_chunks, escape_cell
from vendors.phones import parse_phone

if TYPE_CHECKING:
    # ModelAdmin's own type for its template attributes, which the mixins below share.
    from django.template.response import _TemplateForResponseT

# Below this many rows an exact count is cheap and an estimate would only look odd.
ESTIMATE_ABOVE = 10_000
# Set on an export's request: its changelist builds the queryset and reads no page of rows.
EXPORTING = "leadhub_exporting"
CHECKBOX_NAME = conditional_escape(helpers.ACTION_CHECKBOX_NAME)
PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


def table_row_estimate(model: type[Model], using: str) -> int | None:
    """PostgreSQL's own estimate of a table's rows (kept by ANALYZE and autovacuum).

    ``::regclass`` resolves the name through the search path, where matching on
    ``relname`` alone could hit another schema's table. A table never analysed says -1
    (PostgreSQL 14+) or 0: unknown, so None.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connections[using].ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else None


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to ESTIMATE_ABOVE rows; beyond that, on PostgreSQL, estimates.

    COUNT(*) reads every matching row on every page view: on a table of millions that is
    most of a second, filtered or not. On PostgreSQL an unfiltered list takes the table's
    row estimate (one catalogue lookup); a filtered or searched list is counted exactly up
    to the threshold (a LIMITed count, cheap) and past it takes the planner's estimate for
    the query. Elsewhere (SQLite) the count is always exact.
    """

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet) or connections[rows.db].vendor != "postgresql":
            return super().count
        if not rows.query.where:
            estimate = table_row_estimate(rows.model, rows.db)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                return estimate
            return super().count
        capped = rows.order_by()[: ESTIMATE_ABOVE + 1].count()
        if capped <= ESTIMATE_ABOVE:
            return capped
        return max(planner_estimate(rows), capped)


def planner_estimate(rows: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects the query to return."""
    plan = json.loads(rows.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def distinct_values(
    model: type[Model], field: str, using: str = "default", limit: int | None = None
) -> list[str]:
    """The distinct non-empty values of a column, one index probe per value (the first
    ``limit`` of them in order, when given: the probes stop there).

    The column needs an index; one limited to ``column > ''`` serves too, since both
    probes repeat that condition word for word (as the planner needs to use it).

    ``SELECT DISTINCT`` reads the whole table (a tenth of a second at a million rows); this
    loose index scan jumps from each value to the next through the column's index, so it
    costs as many probes as there are values. Plain SQL that PostgreSQL and SQLite share.
    """
    quote = connections[using].ops.quote_name
    concrete = model._meta.get_field(field)
    if not isinstance(concrete, Field) or concrete.column is None:
        raise ValueError(f"{model._meta.label}.{field} is not a column")
    table, column = quote(model._meta.db_table), quote(concrete.column)
    # Only quoted names go into the text; there are no values to pass as parameters.
    sql = f"""
        WITH RECURSIVE found(value) AS (
            SELECT MIN({column}) FROM {table} WHERE {column} > ''
            UNION ALL
            SELECT (
                SELECT MIN({column}) FROM {table}
                WHERE {column} > '' AND {column} > found.value
            )
            FROM found WHERE found.value IS NOT NULL
        )
        SELECT value FROM found WHERE value IS NOT NULL
    """  # noqa: S608
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def without_secrets(queryset: QuerySet) -> QuerySet:
    """The queryset with its encrypted columns left unread (and so never decrypted)."""
    encrypted = [
        f.name for f in queryset.model._meta.concrete_fields if getattr(f, "encrypted", False)
    ]
    return queryset.defer(*encrypted) if encrypted else queryset


class RelatedFilterWithoutSecrets(RelatedFieldListFilter):
    """Django's filter by a related row, drawn without reading the rows' encrypted columns:
    it shows names, and decrypting every connection's credentials to list them is work
    (and exposure) for nothing."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        rows = field.related_model._default_manager.complex_filter(field.get_limit_choices_to())
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rows = rows.order_by(*ordering)
        target = field.remote_field.get_related_field().attname
        return [(getattr(row, target), str(row)) for row in without_secrets(rows)]


class LeanChangeList(ChangeList):
    """A changelist that leaves the model admin's ``list_defer`` columns unread: what the
    list does not show (payloads, vendor answers, a connection's credentials)."""

    def apply_select_related(self, qs: QuerySet) -> QuerySet:
        qs = super().apply_select_related(qs)
        # Only a LeanListMixin admin picks this changelist (get_changelist below).
        model_admin = cast("LeanListMixin", self.model_admin)
        return qs.defer(*model_admin.list_defer)

    def get_results(self, request: HttpRequest) -> None:
        """The page's rows read with the model admin's ``list_only`` columns alone: each row
        and its related rows then cost a fraction of the columns to read and convert. Only
        the shown page: counts, actions and the export keep their own querysets.

        The export wants the filtered queryset only: no page, no counts (a fifth of it)."""
        if getattr(request, EXPORTING, False):
            self.result_count = self.full_result_count = 0
            self.result_list, self.can_show_all, self.multi_page = [], False, False
            return
        only = cast("LeanListMixin", self.model_admin).list_only
        if not only:
            super().get_results(request)
            return
        queryset = self.queryset
        self.queryset = queryset.only(*only)
        try:
            super().get_results(request)
        finally:
            self.queryset = queryset


def phone_query(term: str) -> str | None:
    """The E.164 form of a search that is a phone number in any format, else None."""
    term = term.strip()
    if not PHONE_LIKE.match(term) or sum(ch.isdigit() for ch in term) < 6:
        return None
    phone = parse_phone(term)
    return phone.e164 if phone else None


class PhoneSearchMixin:
    """A search typed as a phone number (07911 123456, +44 7911 123456, 0044...) matches the
    stored E.164 number through its index instead of splitting into words."""

    phone_search_field = "phone_e164"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        e164 = phone_query(search_term)
        if e164:
            return queryset.filter(**{self.phone_search_field: e164}), False
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]


Column = tuple[str, str]  # (header, value path for values_list)


class CsvExportMixin:
    """A CSV export of the changelist as filtered and searched, streamed row by row.

    The "Export CSV" button (template ``admin/leadhub/change_list_export.html``) links to
    ``export/`` with the list's own query string; the action exports a selection.
    """

    export_columns: Sequence[Column] = ()
    export_name = "export"
    change_list_template: ClassVar[_TemplateForResponseT | None] = (
        "admin/leadhub/change_list_export.html"
    )

    def get_urls(self) -> list:
        opts = self.model._meta  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.export_view)  # type: ignore[attr-defined]
        return [
            path("export/", view, name=f"{opts.app_label}_{opts.model_name}_export"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if self.has_view_permission(request):  # type: ignore[attr-defined]
            actions["export_csv"] = (
                type(self).export_csv,
                "export_csv",
                "Export the selected rows as CSV",
            )
        return actions

    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        audit_record(request.user, AuditAction.EXPORTED, queryset.model, rows="selected")
        return self.csv_response(queryset)

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse | HttpResponseBadRequest:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        setattr(request, EXPORTING, True)  # a flag of our own on the request
        try:
            changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("These filters do not apply to this list.")
        filtered = "filtered" if request.GET else "all"
        audit_record(request.user, AuditAction.EXPORTED, changelist.queryset.model, rows=filtered)
        return self.csv_response(changelist.queryset)

    def csv_response(self, queryset: QuerySet) -> StreamingHttpResponse:
        paths = [value for _, value in self.export_columns]
        rows = queryset.values_list(*paths).iterator(chunk_size=2000)
        response = StreamingHttpResponse(
            csv_chunks([header for header, _ in self.export_columns], _formatted(rows)),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{stamp}.csv"'
        return response


def _formatted(rows: Iterator[tuple]) -> Iterator[list[object]]:
    # Most cells are empty, a count or text that starts with no formula character: kept
    # inline, without two calls a cell (a large export has tens of thousands of cells).
    for row in rows:
        yield [
            ""
            if value is None
            else value
            if (type(value) is str and not value.startswith(FORMULA_START))
            or (type(value) is int and value >= 0)
            else escape_cell(_text(value))
            for value in row
        ]


def _text(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


class FastRowsMixin:
    """Render each row's action checkbox directly: Django renders it through the form
    widget templates, a fifth of a 50-row page's time. Same markup, same behaviour."""

    def action_checkbox(self, obj: Any) -> SafeString:
        # format_html's markup, its arguments escaped directly (a call each row, not five).
        pk = obj.pk
        value = str(pk) if type(pk) is int else conditional_escape(pk)
        return SafeString(
            f'<input type="checkbox" name="{CHECKBOX_NAME}" value="{value}" '
            f'class="action-select" aria-label="Select this object for an action - '
            f'{html.escape(str(obj))}">'
        )


class LeanListMixin:
    list_defer: Sequence[str] = ()
    # What the list's page shows, and nothing else (a column left out costs a query a row,
    # which tests/leadhub/test_staff_page_queries.py catches).
    list_only: Sequence[str] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return LeanChangeList


class LeadListMixin(LeanListMixin, FastRowsMixin, PhoneSearchMixin, CsvExportMixin):
    """The lead changelist at scale: estimated count, phone search, CSV export."""

    paginator: ClassVar[type[Paginator]] = EstimatedCountPaginator
    list_defer = ("notes", "extra")
    export_name = "leads"
    export_columns = (
        ("ID", "id"),
        ("First name", "first_name"),
        ("Last name", "last_name"),
        ("Email", "email"),
        ("Phone as entered", "phone"),
        ("Phone (international)", "phone_e164"),
        ("Company", "company"),
        ("Notes", "notes"),
        ("Owner", "owner__username"),
        ("Created", "created_at"),
        *SOURCE_EXPORT_COLUMNS,
    )


class SubmissionListMixin(LeanListMixin, FastRowsMixin, PhoneSearchMixin, CsvExportMixin):
    """The submission changelist at scale: estimated count, phone search, CSV export.

    The export carries what was sent (payloads hold no credentials: they are added at send
    time) and what the vendor answered, never the stored HTTP exchanges.
    """

    paginator: ClassVar[type[Paginator]] = EstimatedCountPaginator
    list_defer = (
        "payload",
        "response_data",
        "field_errors",
        "links",
        "lead__notes",
        "lead__extra",
        "destination__fixed_values",
        "connection__credentials",
        "connection__token_cache",
        "connection__settings",
    )
    phone_search_field = "lead__phone_e164"
    export_name = "submissions"
    export_columns = (
        ("ID", "id"),
        ("Lead ID", "lead_id"),
        ("First name", "lead__first_name"),
        ("Last name", "lead__last_name"),
        ("Email", "lead__email"),
        ("Phone (international)", "lead__phone_e164"),
        ("Destination", "destination__name"),
        ("Vendor", "connection__kind"),
        ("Connection", "connection__name"),
        ("Operation", "operation"),
        ("Campaign", "campaign__reference"),
        ("Status", "status"),
        ("Vendor reference", "vendor_reference"),
        ("Vendor code", "vendor_code"),
        ("Vendor message", "vendor_message"),
        ("Attempts", "attempt_count"),
        ("Created", "created_at"),
        ("Sent", "sent_at"),
        ("Completed", "completed_at"),
        ("Payload", "payload"),
    )
