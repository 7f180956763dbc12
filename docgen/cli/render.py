"""Rendering commands: ``packet``, ``batch``, ``demo`` and ``procedures``."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from docgen.cli import (
    cache_options,
    cli,
    load_site_option,
    output_folder_option,
    render_options,
    reports_errors,
    site_option,
)
from docgen.errors import ConfigError, DocgenError, InvalidRecord
from docgen.options import RenderOptions
from docgen.timing import START_NOW_WARNING

if TYPE_CHECKING:
    from docgen.cache import RenderCache

F = TypeVar("F", bound=Any)


def _read_record(patient: Path | None) -> dict[str, object]:
    # The file's name is not repeated: people name files after patients.
    if patient is None:
        return {}
    try:
        text = sys.stdin.read() if str(patient) == "-" else patient.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except OSError:
        raise DocgenError("the file cannot be read", field="patient") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", "?")
        raise DocgenError(f"not valid UTF-8 JSON (line {line})", field="patient") from None
    if not isinstance(data, dict):
        raise DocgenError("expected one JSON object", field="patient")
    return data


def _record_options(command: F) -> F:
    """One option per patient field (``--family-name``...); they override the file."""
    from docgen.request import FIELD_HELP, FIELDS

    for field in reversed(FIELDS):
        command = click.option(
            option_name(field), field, default=None, help=FIELD_HELP[field]
        )(command)
    return command


def option_name(field: str) -> str:
    return f"--{field.replace('_', '-')}"


def _naming_options(errors: InvalidRecord) -> InvalidRecord:
    """``family_name (--family-name): is required``: the nurse sees which option to use."""
    from docgen.request import FIELDS

    return InvalidRecord([
        DocgenError(p.message, field=f"{p.field} ({option_name(p.field)})")
        if p.field in FIELDS else p
        for p in errors.problems
    ])  # fmt: skip


def _today() -> date:
    fixed = os.environ.get("DOCGEN_TODAY")
    try:
        return date.fromisoformat(fixed) if fixed else date.today()
    except ValueError:
        raise ConfigError("DOCGEN_TODAY: write it as YYYY-MM-DD") from None


@cli.command()
@reports_errors  # outermost: also catches option parsing errors
@click.argument("patient", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write. Default: MRN-PROCEDURE-LANGUAGE.pdf in the current folder.",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--template",
    is_flag=True,
    help="Print a filled-in example PATIENT.json and exit: docgen packet --template > p.json",
)
@render_options
@_record_options
@site_option
@cache_options
def packet(
    patient: Path | None,
    output: Path | None,
    force: bool,
    template: bool,
    options: RenderOptions,
    site_path: Path | None,
    cache: RenderCache | None,
    **fields: str | None,
) -> None:
    """Render one patient's packet from PATIENT.json (or '-') and/or field options.

    Every field option below may also be a key of PATIENT.json; options override the file.
    Every problem of a record is reported at once, one line each.
    """
    from docgen.request import example_record

    if template:
        click.echo(json.dumps(example_record(_today()), indent=2, ensure_ascii=False))
        return
    from docgen.catalog import load_catalog
    from docgen.packet import render_packet, write_atomic
    from docgen.request import validate_record

    site = load_site_option(site_path)
    for warning in site.warnings:
        click.echo(f"warning: {warning}", err=True)
    record = _read_record(patient)
    record.update({key: value for key, value in fields.items() if value is not None})
    try:
        request = validate_record(record, load_catalog(site.resources.procedures), site)
    except InvalidRecord as errors:
        raise _naming_options(errors) from None
    if output is None:  # MRN, procedure and language: never a name or a birth date
        output = Path(f"{request.mrn}-{request.procedure.id}-{request.language}.pdf")
    if output.exists() and not force:
        raise ConfigError("the file exists; add --force to replace it", field="output (-o)")
    result = render_packet(request, site, options, cache=cache)
    try:
        write_atomic(output, result.pdf, mode=site.file_mode)
    except OSError as error:
        raise ConfigError(f"cannot write ({error.strerror})", field="output (-o)") from None
    parts = ", ".join(
        f"{d.kind}{f' ({d.copy} copy)' if d.copy else ''} p.{d.first_page}-"
        f"{d.first_page + d.pages - 1}"
        for d in result.documents
    )
    click.echo(f"wrote {output} ({result.pages} pages: {parts})")
    if "preop" in options.documents and request.abstinence_started(site):
        click.echo(f"warning: {START_NOW_WARNING}", err=True)


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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
@site_option
@reports_errors
def procedures(as_json: bool, site_path: Path | None) -> None:
    """List the procedure catalog: ids, names, regions and level limits."""
    from docgen.catalog import load_catalog, procedure_rows

    site = load_site_option(site_path)
    rows = procedure_rows(load_catalog(site.resources.procedures), aliases=True)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['id']:<25} {', '.join(row['regions']):<27} max levels {row['max_levels']}"
            f"  side {row['side']:<8}  {row['name']}"
        )
        if row["aliases"]:
            click.echo(f"{'':<25} also written: {', '.join(row['aliases'])}")


@cli.command()
@output_folder_option("Folder for the PDFs.")
@site_option
@reports_errors
@cache_options
def demo(out_dir: Path, site_path: Path | None, cache: RenderCache | None) -> None:
    """Render sample packets for fictional patients, to see the product at once."""
    from docgen.catalog import load_catalog
    from docgen.demo import demo_file_name, demo_records
    from docgen.packet import render_packet, write_atomic
    from docgen.request import validate_record
    from docgen.timing import site_today

    site = load_site_option(site_path)
    catalog = load_catalog(site.resources.procedures)
    for index, record in enumerate(demo_records(site_today(site.timezone)), start=1):
        request = validate_record(record, catalog, site)
        result = render_packet(request, site, cache=cache)
        path = out_dir / demo_file_name(index, request)
        write_atomic(path, result.pdf)
        click.echo(f"wrote {path} ({result.pages} pages)")
