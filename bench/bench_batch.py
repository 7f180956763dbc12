"""Benchmark: render a 200-row mixed schedule and report throughput and worker memory.

    .venv/bin/python bench/bench_batch.py [--rows 200] [--jobs N]

Speed and memory are measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

from docgen.batch import run_batch

MIX = [
    ("nucleoplasty", "L4-L5", ""), ("nucleoplasty", "C5-C6", ""), ("nucleoplasty", "T7-T8", ""),
    ("discectomy", "L5-S1", "left"), ("discectomy", "C6-C7", "right"),
    ("endoscopic-discectomy", "L4-L5", "right"), ("percutaneous-discectomy", "L3-L4", "left"),
]  # fmt: skip
LANGUAGES = ["en", "es", "tr", "de", "fr", "ar"]


def write_schedule(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mrn", "family_name", "given_name", "dob", "procedure", "levels",
                         "side", "surgery_at", "language"])  # fmt: skip
        for index in range(rows):
            procedure, level, side = MIX[index % len(MIX)]
            hour = "08:30" if index % 2 else "13:15"
            writer.writerow([f"B{index:06d}", f"Bench{index}", "Patient", "1965-03-14", procedure,
                             level, side, f"2026-12-07T{hour}",
                             LANGUAGES[index % len(LANGUAGES)]])  # fmt: skip


def main() -> None:
    # The schedule's fixed date must lie ahead of "today" (past dates are refused).
    os.environ.setdefault("DOCGEN_TODAY", "2026-11-30")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        schedule = Path(folder) / "schedule.csv"
        write_schedule(schedule, args.rows)
        started = time.perf_counter()
        result = run_batch(schedule, Path(folder) / "out", jobs=args.jobs)
        elapsed = time.perf_counter() - started
    print(f"rows: {args.rows}  jobs: {args.jobs}  written: {result.written}  "
          f"rejected: {result.rejected}")  # fmt: skip
    print(f"time: {elapsed:.1f} s  throughput: {result.written / elapsed:.2f} packets/s  "
          f"({elapsed / max(result.written, 1) * args.jobs:.2f} s per packet per worker)")
    print(f"peak memory per worker: {result.peak_worker_rss_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
