"""Each kind of campaign field change, in the words admins and staff read."""

from __future__ import annotations

import pytest

from vendors.field_changes import ChangeKind, describe


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            {"kind": ChangeKind.FIELD_ADDED, "required": True},
            "New required field “Roof age” (data30): every lead must now carry it.",
        ),
        (
            {"kind": ChangeKind.FIELD_ADDED, "required": False},
            "New optional field “Roof age” (data30).",
        ),
        (
            {"kind": ChangeKind.FIELD_REMOVED},
            "Field “Roof age” (data30) was removed: it is no longer asked for or sent.",
        ),
        ({"kind": ChangeKind.BECAME_REQUIRED}, "Field “Roof age” (data30) is now required."),
        ({"kind": ChangeKind.BECAME_OPTIONAL}, "Field “Roof age” (data30) is no longer required."),
        (
            {"kind": ChangeKind.CHOICES_ADDED, "values": ["A", "B"]},
            "Field “Roof age” (data30) has new choices: A, B.",
        ),
        (
            {"kind": ChangeKind.CHOICES_REMOVED, "values": ["C"]},
            "Field “Roof age” (data30) no longer accepts: C.",
        ),
        (
            {"kind": ChangeKind.TYPE_CHANGED, "old_type": "Text", "new_type": "Date"},
            "Field “Roof age” (data30) changed type from Text to Date.",
        ),
        ({"kind": "renamed"}, "Field “Roof age” (data30) changed."),
    ],
)
def test_every_kind_reads_plainly(entry: dict, words: str) -> None:
    assert describe({"field": "data30", "label": "Roof age", **entry}) == words


def test_a_field_without_a_label_is_named_by_its_name() -> None:
    assert describe({"kind": ChangeKind.BECAME_REQUIRED, "field": "data30", "label": ""}) == (
        "Field “data30” (data30) is now required."
    )
