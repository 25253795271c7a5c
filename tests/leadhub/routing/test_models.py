"""A route step checks its filters and hours when it is cleaned (the admin's forms do)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import RouteStepFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("clause", "named"),
    [
        ({"field": "consent_date", "op": "gt", "value": "2026-02-30"}, "Clause 1"),
        ({"field": "created_at", "op": "lt", "value": "2026-13-01"}, "Clause 1"),
    ],
)
def test_a_day_that_does_not_exist_is_refused_by_clause_not_a_crash(
    clause: dict[str, str], named: str
) -> None:
    step = RouteStepFactory.build(filters=[clause], schedule={})
    with pytest.raises(ValidationError) as refused:
        step.clean()
    message = refused.value.message_dict["filters"][0]
    assert message.startswith(named)
    assert repr(clause["value"]) in message
