"""Changelist rows rendered from a plan made once per page.

For every cell of every row Django's ``items_for_result`` works out again what the column is
(``lookup_field``), how to show it, its CSS classes and, for a link, its URL (a ``reverse``
and a ``resolve`` per link). At 50 rows of ten columns that is most of a list page's time.
The plan does that work once per column; a cell then only reads and shows its value. The
markup is Django's, cell for cell: ``tests/leadhub/test_result_rows.py`` compares the two on
every admin list, so a Django upgrade that changes its rows fails there first. Popups,
editable lists and columns of a kind the plan does not know keep Django's renderer.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.admin.templatetags.admin_list import (  # type: ignore[attr-defined]
    # Django's private helper, shared on purpose so headers and cells name columns alike;
    # django-stubs leaves private names out.
    ResultList,
    _coerce_field_name,
    items_for_result,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Stands for the primary key while the change URL is built once; admin's quote() leaves
# letters and digits alone, so it comes out of reverse() unchanged.
PK_MARK = "0LHPK0"

# A row → what Django shows in the cell, and whether the value was a date or time (Django
# then adds the "nowrap" class to a column computed by a function).
Show = Callable[[Any], tuple[Any, bool]]


@dataclass(frozen=True)
class Column:
    show: Show
    classes: str  # "field-status nowrap"
    link: bool


def cells(cl: ChangeList) -> Iterator[ResultList]:
    """Django's ``results(cl)`` from a plan made once: each row's markup, cells joined."""
    plan = row_plan(cl)
    if plan is None:
        for result in cl.result_list:
            yield ResultList(None, [SafeString("".join(items_for_result(cl, result, None)))])
        return
    columns, link, empty = plan
    for result in cl.result_list:
        # One item per row, its cells joined: the template's loop over cells then runs once
        # a row instead of once a cell, for the same markup.
        row = SafeString("".join(_row_cells(columns, link, empty, result)))
        yield ResultList(None, [row])


def _row_cells(
    columns: list[Column], link: Callable[[Any], str], empty: str, result: Any
) -> Iterator[SafeString]:
    first = True
    for column in columns:
        classes = column.classes
        try:
            shown, dated = column.show(result)
        except ObjectDoesNotExist:
            shown, dated = empty, False
        if dated:
            classes = f"{classes} nowrap"
        # conditional_escape's result without its lazy-text wrapper: a call a cell.
        text = html.escape(shown) if type(shown) is str else conditional_escape(shown)
        if column.link:
            tag = "th" if first else "td"
            first = False
            yield SafeString(f'<{tag} class="{classes}">{link(result)}{text}</a></{tag}>')
        else:
            yield SafeString(f'<td class="{classes}">{text}</td>')


def row_plan(cl: ChangeList) -> tuple[list[Column], Callable[[Any], str], str] | None:
    """The columns of ``cl`` and its link opener, or None where Django must render."""
    if cl.formset is not None or cl.is_popup or cl.to_field:
        return None
    model_admin = cl.model_admin
    default_empty = model_admin.get_empty_value_display()
    link = _link_opener(cl)
    if link is None:
        return None
    columns = []
    first = True
    for index, field_name in enumerate(cl.list_display):
        is_link = _link_in_column(cl, first, field_name)
        if is_link:
            first = False
        planned = _shower(cl, field_name, default_empty, is_link)
        if planned is None:
            return None
        show, nowrap = planned
        if field_name == "action_checkbox":
            classes = "action-checkbox"
        else:
            classes = f"field-{_coerce_field_name(field_name, index)}"
        if nowrap:
            classes += " nowrap"
        columns.append(Column(show, classes, is_link))
    return columns, link, default_empty


def _link_in_column(cl: ChangeList, is_first: bool, field_name: Any) -> bool:
    if cl.list_display_links is None:
        return False
    if is_first and not cl.list_display_links:
        return True
    return field_name in cl.list_display_links


def _link_opener(cl: ChangeList) -> Callable[[Any], str] | None:
    """``<a href="…">`` for a row, the change URL built once around a stand-in key."""
    opts = cl.opts
    try:
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=(PK_MARK,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None  # no change view: Django shows plain text, rare enough to leave to it
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": opts}, url)
    path, mark, rest = escape(url).partition(PK_MARK)
    if not mark or PK_MARK in rest:
        return None
    before, after = f'<a href="{path}', f'{rest}">'
    pk_attname = cl.pk_attname

    def opener(result: Any) -> str:
        pk = getattr(result, pk_attname)
        # A whole-number key is its digits once quoted and escaped.
        shown = str(pk) if type(pk) is int else escape(quote(pk))
        return f"{before}{shown}{after}"

    return opener


def _shower(
    cl: ChangeList, field_name: Any, default_empty: str, is_link: bool
) -> tuple[Show, bool] | None:
    """How to show one column and whether it is always "nowrap"; None: Django's path."""
    model = cl.model
    model_admin = cl.model_admin
    try:
        field = None if callable(field_name) else model._meta.get_field(field_name)
    except FieldDoesNotExist:
        field = None
    if field is not None:
        if isinstance(field, models.ForeignKey):
            return _foreign_key_shower(field, default_empty), True
        if isinstance(field, models.ForeignObjectRel) or field.is_relation:
            return None  # reverse relations, many-to-many
        if field.auto_created:  # the implicit primary key: shown as a plain value
            name = field.name
            return _value_shower(lambda result: getattr(result, name), None, default_empty), False
        return _field_shower(field, default_empty, is_link)
    if callable(field_name):
        return None
    if hasattr(model_admin, field_name) and field_name != "__str__":
        method = getattr(model_admin, field_name)
        return (_value_shower(method, method, default_empty), False) if callable(method) else None
    attr = getattr(model, field_name, None)
    if not callable(attr) or isinstance(attr, property):
        return None  # properties and plain attributes
    return _value_shower(lambda result: getattr(result, field_name)(), attr, default_empty), False


def _value_shower(value_of: Callable[[Any], Any], attr: Any, default_empty: str) -> Show:
    """A value computed by a function, shown as Django's ``display_for_value`` does."""
    empty = getattr(attr, "empty_value_display", default_empty)
    boolean = getattr(attr, "boolean", False)
    moment = datetime_shower()

    def show(result: Any) -> tuple[Any, bool]:
        value = value_of(result)
        if (type(value) is SafeString or type(value) is str) and value.strip():
            return value, False  # text or markup a method drew: display_for_value's str()
        if value is None and not boolean:
            return empty, False
        value = _blank_to_empty(value)
        if type(value) is int and not boolean and not settings.USE_THOUSAND_SEPARATOR:
            return str(value), False
        if type(value) is datetime.datetime and not boolean:
            return moment(value), True
        shown = display_for_value(value, empty, boolean)
        return shown, isinstance(value, datetime.date | datetime.time)

    return show


def _foreign_key_shower(field: models.ForeignKey, empty: str) -> Show:
    """The related row's text, worked out once per related row: a page's fifty submissions
    go to a handful of destinations."""
    name, attname = field.name, field.attname
    seen: dict[Any, str] = {}

    def show(result: Any) -> tuple[Any, bool]:
        key = getattr(result, attname)
        if key not in seen:
            related = getattr(result, name)
            # Django escapes the related object's text even when it is marked safe.
            seen[key] = empty if related is None else escape(str(related))
        return seen[key], False

    return show


def _field_shower(field: models.Field, empty: str, is_link: bool) -> tuple[Show, bool]:
    """A model field, shown as Django's ``display_for_field`` does, its choices read once."""
    attname = field.attname
    nowrap = isinstance(field, models.DateField | models.TimeField)
    labels = None
    if field.flatchoices:
        try:
            labels = dict(field.flatchoices)
        except TypeError:
            labels = None  # unhashable choices: Django's own lookup below
    if labels is not None:

        def show_choice(result: Any) -> tuple[Any, bool]:
            return labels.get(_blank_to_empty(getattr(result, attname)), empty), False

        return show_choice, nowrap
    # Text and whole numbers need none of display_for_field's work; the rest gets it.
    plain = isinstance(field, models.CharField | models.TextField) and not isinstance(
        field, models.URLField
    )
    plain_int = isinstance(field, models.IntegerField) and not settings.USE_THOUSAND_SEPARATOR
    moment = datetime_shower() if isinstance(field, models.DateTimeField) else None

    def show(result: Any) -> tuple[Any, bool]:
        value = _blank_to_empty(getattr(result, attname))
        if (plain and isinstance(value, str) and value) or (plain_int and type(value) is int):
            return str(value), False
        if moment is not None and type(value) is datetime.datetime:
            return moment(value), False
        return display_for_field(value, field, empty, avoid_link=is_link), False

    return show, nowrap


# Format characters finer than a minute: a format with any of them is never shared.
SUB_MINUTE = frozenset("suvUcr")


def shown_datetime(value: datetime.datetime) -> str:
    """A date and time as Django's admin shows it (``formats.localize`` of the local time),
    drawn once per minute, zone and language: a list's rows share a handful of minutes,
    and each drawing costs tens of microseconds."""
    # Django's own helper for the admin's dates; django-stubs leaves it out.
    local = timezone.template_localtime(value)  # type: ignore[attr-defined]
    if local.tzinfo is None or SUB_MINUTE & set(str(formats.get_format("DATETIME_FORMAT"))):
        return str(formats.localize(local))
    minute = local.replace(second=0, microsecond=0)
    return _minute_shown(minute, timezone.get_current_timezone_name(), get_language())


def datetime_shower() -> Callable[[datetime.datetime], str]:
    """``shown_datetime`` with the request's zone, language and format read once: a plan is
    made per page, and reading them is most of a cached date's cost."""
    if not settings.USE_TZ or SUB_MINUTE & set(str(formats.get_format("DATETIME_FORMAT"))):
        return shown_datetime
    zone = timezone.get_current_timezone()
    zone_name = timezone.get_current_timezone_name()
    language = get_language()

    def show(value: datetime.datetime) -> str:
        if value.tzinfo is None or not getattr(value, "convert_to_local_time", True):
            return shown_datetime(value)
        # template_localtime's conversion, to the zone read above.
        minute = value.astimezone(zone).replace(second=0, microsecond=0)
        return _minute_shown(minute, zone_name, language)

    return show


@lru_cache(maxsize=4096)
def _minute_shown(minute: datetime.datetime, zone: str, language: str | None) -> str:
    return str(formats.localize(minute))


def _blank_to_empty(value: Any) -> Any:
    return "" if isinstance(value, str) and value.strip() == "" else value
