"""“Try on recent leads” on a route's change page: the form as edited, checked as Save
would check it, tried with nothing saved; a bad clause answered by name, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from leadhub.routing.models import Route, RouteStep
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

ACME = {"field": "email", "op": "contains", "value": "@acme.example"}


def posted(route: Route, **filters_by_position: Any) -> dict[str, Any]:
    """The change form's data as the page posts it, a step's filters replaced."""
    steps = list(RouteStep.objects.filter(route=route).order_by("position"))
    data: dict[str, Any] = {
        "name": route.name,
        "method": route.method,
        "max_destinations": "",
        "time_zone": route.time_zone,
        "is_active": "on",
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": len(steps),
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for n, step in enumerate(steps):
        filters = filters_by_position.get(f"step{n}", step.filters)
        data.update(
            {
                f"steps-{n}-id": step.pk,
                f"steps-{n}-route": route.pk,
                f"steps-{n}-position": step.position,
                f"steps-{n}-destination": step.destination_id,
                f"steps-{n}-weight": step.weight,
                f"steps-{n}-step_seconds": "",
                f"steps-{n}-filters": json.dumps(filters),
                f"steps-{n}-schedule": "{}",
            }
        )
    return data


def try_url(route: Route) -> str:
    return reverse("admin:leadhub_routing_route_try", args=[route.pk])


def test_the_change_page_offers_the_filter_form_and_the_trial(admin_client, make_route) -> None:
    route = make_route({"filters": [ACME]}, name="R")
    page = admin_client.get(reverse("admin:leadhub_routing_route_change", args=[route.pk]))
    content = page.content.decode()
    assert 'class="filter-json"' in content and "leadhub/filter_editor.js" in content
    assert 'id="route-trial-run"' in content and try_url(route) in content
    assert "last 1000 leads" in content


def test_the_edited_route_is_tried_and_nothing_saved(admin_client, make_route) -> None:
    route = make_route({"filters": [ACME]}, {}, name="R")
    lead = LeadFactory(email="big@example.com", extra={"loan": 50000})
    edited = {"any": [ACME, {"field": "extra.loan", "op": "gt", "value": "20000"}]}
    answer = admin_client.post(
        try_url(route), posted(route, step0=edited), HTTP_X_REQUESTED_WITH="fetch"
    )
    content = answer.content.decode()
    assert answer.status_code == 200
    assert "Tried on the last 1 lead: 1 would go elsewhere." in content
    assert (
        f"Lead #{lead.pk}" in content and '>R 1</td><td data-label="As edited">R 0</td>' in content
    )
    assert "<html" not in content  # a part of the page, shown under the button
    assert RouteStep.objects.get(route=route, position=0).filters == [ACME]


def test_without_the_script_the_answer_is_a_page_of_its_own(admin_client, make_route) -> None:
    route = make_route({}, name="R")
    answer = admin_client.post(try_url(route), posted(route))
    assert answer.status_code == 200
    assert b"<html" in answer.content and b"No lead would go elsewhere." in answer.content


def test_a_bad_clause_is_named_and_nothing_tried(admin_client, make_route) -> None:
    route = make_route({}, name="R")
    bad = [
        {"field": "email", "op": "not_empty"},
        {"any": [{"field": "shoe", "op": "eq", "value": "9"}]},
    ]
    answer = admin_client.post(
        try_url(route), posted(route, step0=bad), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert answer.status_code == 200
    assert "cannot be tried" in answer.content.decode()
    assert (
        "Destination 1 filters: Clause 2 (shoe equals &#x27;9&#x27;): there is no lead field"
        in (answer.content.decode())
    )


def test_a_get_goes_back_to_the_route_and_others_may_not_try(
    client, admin_client, make_route
) -> None:
    route = make_route({}, name="R")
    back = admin_client.get(try_url(route))
    assert back.status_code == 302 and back.url.endswith(f"/route/{route.pk}/change/")
    assert client.post(try_url(route), posted(route)).status_code == 302  # to the login


def test_someone_who_may_only_view_the_route_may_not_try_it(client, make_route) -> None:
    route = make_route({}, name="R")
    viewer = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_route"))
    client.force_login(viewer)
    assert client.post(try_url(route), posted(route)).status_code == 403


def test_a_route_editor_who_sees_only_their_own_leads_is_shown_none_of_others(
    client, make_route
) -> None:
    route = make_route({"filters": [ACME]}, {}, name="R")
    other = LeadFactory(email="secret@example.com", first_name="Confidential")
    editor = get_user_model().objects.create_user("editor", password="x", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["change_route"]))
    client.force_login(editor)
    answer = client.post(try_url(route), posted(route, step0=[]), HTTP_X_REQUESTED_WITH="fetch")
    content = answer.content.decode()
    assert answer.status_code == 200
    assert "Tried on the last 0 leads of yours" in content
    assert f"Lead #{other.pk}" not in content and "secret@example.com" not in content
