"""Benchmark: the parent's peak memory on a long schedule (issue 14.9: a 50 MB schedule).

    .venv/bin/python bench/bench_schedule_memory.py [--megabytes 50]

Every row is valid except for a level typed as ``L45``, so each row is read, validated,
checked for MRN conflicts, listed in the manifest, the report and rejects.csv, but nothing
is rendered: this measures what the batch holds per row, not WeasyPrint. Measured here,
never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from docgen.batch import run_batch


def write_schedule(path: Path, megabytes: float) -> int:
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("MRN,Family Name,Given Name,DOB,Procedure,Levels,Side,Surgery At,"
                     "Language,Ward\n")  # fmt: skip
        while handle.tell() < megabytes * 1_000_000:
            handle.write(f"{rows:07d},Bench{rows},Patient,1960-01-{1 + rows % 28:02d},"
                         f"nucleoplasty,L45,,2026-12-03 08:30,en,Ward {rows % 9}\n")  # fmt: skip
            rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        schedule = Path(folder) / "schedule.csv"
        rows = write_schedule(schedule, args.megabytes)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        result = run_batch(schedule, Path(folder) / "out", jobs=1)
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"schedule: {args.megabytes:g} MB, {rows} rows, {result.rejected} rejected")
    print(f"time: {elapsed:.0f} s  peak memory: {peak / 1024:.0f} MiB "
          f"(before the run: {before / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
