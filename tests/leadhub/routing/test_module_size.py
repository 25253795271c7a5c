"""The routing package keeps to the house limit of 400 lines a module."""

from __future__ import annotations

from pathlib import Path

import leadhub.routing

ROUTING = Path(leadhub.routing.__file__).parent


def test_every_routing_module_is_at_most_400_lines() -> None:
    long = {
        path.name: n
        for path in ROUTING.rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
