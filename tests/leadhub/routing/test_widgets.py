"""The filter form's script is given every field and operator the server accepts, each
operator saying whether it takes no value, one, or a list."""

from __future__ import annotations

import json

from leadhub.routing.filters import FIELDS, OPERATORS
from leadhub.routing.widgets import FilterEditor, editor_fields, editor_operators


def test_the_form_offers_every_field_and_extra_values() -> None:
    names = [f["name"] for f in editor_fields()]
    assert names == [*FIELDS, "extra."]


def test_each_operator_says_what_value_it_takes() -> None:
    kinds = {o["name"]: o["value"] for o in editor_operators()}
    assert set(kinds) == set(OPERATORS)
    assert (kinds["empty"], kinds["in"], kinds["regex"]) == ("none", "list", "one")


def test_the_textarea_carries_them_for_the_script() -> None:
    html = FilterEditor().render("steps-0-filters", '[{"field": "email", "op": "empty"}]')
    assert 'class="filter-json"' in html and "data-operators=" in html
    assert json.dumps(editor_fields()).replace('"', "&quot;") in html
