"""Clinical review commands: ``review`` (every text of a procedure, for sign-off)."""

from __future__ import annotations

from pathlib import Path

import click

from docgen.cli import cli, load_site_option, output_file_option, reports_errors, site_option
from docgen.errors import DocgenError


@cli.command()
@reports_errors  # outermost: also catches option parsing errors
@click.argument("procedure_id", metavar="PROCEDURE")
@click.option("--language", default="en", show_default=True, help="Language of the texts.")
@output_file_option("The review PDF to write.")
@site_option
def review(procedure_id: str, language: str, output: Path, site_path: Path | None) -> None:
    """Every text of PROCEDURE, per region and side, with a sign-off page (clinical review)."""
    from docgen.catalog import load_catalog
    from docgen.languages import language_codes
    from docgen.packet import write_atomic
    from docgen.review import render_review

    site = load_site_option(site_path)
    known = language_codes(site.resources)
    if language not in known:
        raise DocgenError(f"choose one of: {', '.join(known)}", field="language")
    procedure = load_catalog(site.resources.procedures).get(procedure_id)
    write_atomic(output, render_review(procedure, language, site), mode=0o644)
    click.echo(f"wrote {output} (review of {procedure.id} revision {procedure.revision}, "
               f"{language})")  # fmt: skip
