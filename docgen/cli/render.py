"""Rendering commands: ``packet``, ``demo`` and ``procedures`` (``batch``: docgen.cli.batch)."""

from __future__ import annotations

import json
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
    from docgen.request import example_record, read_record_file, validate_record
    from docgen.timing import site_today

    site = load_site_option(site_path)
    if template:
        example = example_record(site_today(site.timezone))
        click.echo(json.dumps(example, indent=2, ensure_ascii=False))
        return
    from docgen.catalog import load_catalog
    from docgen.packet import render_packet, write_atomic

    for warning in site.warnings:
        click.echo(f"warning: {warning}", err=True)
    record = read_record_file(patient)
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
