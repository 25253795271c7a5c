"""`make bench`: run every benchmark module in this folder (bench_*.py), or the ones named.

Each module has ``main() -> str``: it measures, prints its figures beside a baseline measured
in the same run, and returns a Markdown section that is written to docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpus = len(os.sched_getaffinity(0))
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    python = platform.python_version()
    return f"{platform.system()} {platform.machine()}, {cpus} CPU{memory}, Python {python}"


def main(names: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    modules = names or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    sections = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name}")
        sections.append(module.main())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        "# Benchmarks\n\n"
        f"Produced by `make bench` on {stamp}; machine: {machine()}.\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    print(f"\nWritten to {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
