"""`make bench`: run every benchmark module in this folder (bench_*.py), or the ones named.

Each module has ``main() -> str``: it measures, prints its figures beside a baseline measured
in the same run, and returns a Markdown section that is written to docs/benchmarks.md as soon
as the module finishes, so a failing module keeps the sections measured before it. Sections
whose name does not start with ``bench_`` (a summary written by hand) are kept, first.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import sys
import time
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


# A benchmark after a heavy one (the staff load) would otherwise start in its tail: each
# waits, up to SETTLE_SECONDS, for the one-minute load average to fall below SETTLE_LOAD.
SETTLE_LOAD = float(os.environ.get("BENCH_SETTLE_LOAD", "1.5"))
SETTLE_SECONDS = float(os.environ.get("BENCH_SETTLE_SECONDS", "120"))


def settle() -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while os.getloadavg()[0] > SETTLE_LOAD and time.monotonic() < deadline:
        time.sleep(5)


SECTION = re.compile(r"<!-- (\w+) -->\n(.*?)\n<!-- /\1 -->", re.S)


def write(sections: dict[str, str]) -> None:
    # Hand-written sections (a summary) first, then the benchmarks in name order.
    order = sorted(sections, key=lambda name: (name.startswith("bench_"), name))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        "# Benchmarks\n\nProduced by `make bench` (`make bench BENCH=<module>` runs one); "
        "each section says when and where it was measured.\n\n"
        + "\n\n".join(f"<!-- {n} -->\n{sections[n]}\n<!-- /{n} -->" for n in order)
        + "\n"
    )


def main(names: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    modules = names or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    # Running some benchmarks replaces their sections and keeps the others' last figures.
    sections = dict(SECTION.findall(REPORT.read_text())) if REPORT.exists() else {}
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        settle()
        print(f"\n=== {name} (load average {os.getloadavg()[0]:.1f})")
        body = module.main()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        sections[name] = f"{body.rstrip()}\n\n_Measured {stamp} on {machine()}._"
        write(sections)
    print(f"\nWritten to {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
