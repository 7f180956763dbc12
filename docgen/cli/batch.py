"""The ``batch`` command: one packet per row of a schedule (docgen.batch does the work)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from docgen.cli import (
    cache_options,
    cli,
    output_folder_option,
    render_options,
    reports_errors,
    site_option,
)
from docgen.options import RenderOptions

if TYPE_CHECKING:
    from docgen.cache import RenderCache


class _Progress:
    """rows done / total, rejected, ETA: on a terminal only; scripts and logs stay quiet."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, rejected: int) -> None:
        if not self.enabled or not total:
            return
        elapsed = time.monotonic() - self.started
        eta = elapsed / done * (total - done) if done else 0
        width = 30
        bar = "#" * (width * done // total)
        click.echo(f"\r[{bar:<{width}}] {done}/{total} rows, {rejected} rejected, "
                   f"ETA {eta:4.0f} s", err=True, nl=done == total)  # fmt: skip


@cli.command()
@reports_errors  # outermost: also catches option parsing errors
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@output_folder_option("Folder for the packets.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: the number of cores).",
)
@render_options
@click.option(
    "--print-file",
    is_flag=True,
    help="Also write print-file.pdf: every packet in row order, for one print job; a cover "
    "sheet lists the rows that are missing from it.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="With --print-file: write no print file when any row is missing from it.",
)
@site_option
@cache_options
def batch(schedule: Path, out_dir: Path, jobs: int | None, options: RenderOptions,
          print_file: bool, strict: bool, site_path: Path | None,
          cache: RenderCache | None) -> None:  # fmt: skip
    """Render one packet per row of SCHEDULE.csv into OUT_DIR, with manifest.json,
    report.html (totals, rejected rows and what to fix, every row by surgery time) and
    rejects.csv (the rejected rows plus an error column, ready to fix and run again).

    Columns (header row; case, spaces and underscores do not matter; comma, semicolon or
    tab): the patient fields of 'docgen packet --help', plus optional per-row docs, copies
    and large_print. Other columns (e.g. ward) are ignored and shown in the report.
    """
    from docgen.batch import run_batch

    result = run_batch(
        schedule, out_dir, site_path, jobs, options, print_file, _Progress(), strict=strict,
        cache=cache,
    )
    for line in result.error_lines:
        click.echo(line, err=True)
    for line in result.notes:
        click.echo(line, err=True)
    summary = f"{result.written} packets written, {result.rejected} rows rejected"
    if result.skipped:
        summary += f", {result.skipped} unchanged"
    if result.superseded:
        summary += f", {len(result.superseded)} superseded"
    click.echo(summary)
    sys.exit(result.exit_code)
