"""Translator commands: ``docgen i18n extract|update|compile|init|check|stats|preview|review``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from docgen.cli import (
    cli,
    load_site_option,
    output_file_option,
    render_options,
    reports_errors,
    site_option,
)
from docgen.errors import EXIT_REJECTED


@cli.group()
def i18n() -> None:
    """Translator workflow: extract, update, compile, init, check, stats, preview, review."""


def i18n_command(name: str) -> Callable[[Callable[[Any], None]], Any]:
    """A translator subcommand: takes --site and receives the site's Resources."""

    def decorate(function: Callable[[Any], None]) -> Any:
        @i18n.command(name=name, help=function.__doc__)
        @site_option
        @reports_errors
        def command(site_path: Path | None) -> None:
            function(load_site_option(site_path).resources)

        return command

    return decorate


@i18n_command("extract")
def extract(resources: Any) -> None:
    """Refresh locales/docgen.pot from the templates, the code and the procedure catalog."""
    from docgen.messages import pot_path, write_pot

    changed = write_pot(resources)
    click.echo(f"{pot_path(resources)}: {'updated' if changed else 'up to date'}")


@i18n_command("update")
def update(resources: Any) -> None:
    """Merge the .pot into every language's .po (changed messages become fuzzy)."""
    from docgen.messages import update_catalogs

    for language in update_catalogs(resources):
        click.echo(f"updated {language}")


@i18n_command("compile")
def compile_(resources: Any) -> None:
    """Write docgen.mo next to every .po (for other gettext tools; docgen reads the .po)."""
    from docgen.messages import compile_all

    for path in compile_all(resources):
        click.echo(f"wrote {path}")


language_argument = click.argument("language", required=False)


@i18n.command()
@click.argument("language")
@site_option
@reports_errors
def init(language: str, site_path: Path | None) -> None:
    """Start a new language: locales/LANGUAGE/LC_MESSAGES/docgen.po, marked work in progress."""
    from docgen.messages import init_catalog

    resources = load_site_option(site_path).resources
    path = init_catalog(resources, language)
    click.echo(f"created {path} (and {path.parent.parent / 'WIP'}); translate it in Poedit or "
               f"Weblate, then `docgen i18n check {language}`")  # fmt: skip


@i18n.command()
@language_argument
@site_option
@reports_errors
def check(language: str | None, site_path: Path | None) -> None:
    """Fail, naming file, line and message, on anything that would spoil a printed packet.

    With LANGUAGE, every problem of that catalog, gaps included. Without, every catalog; the
    gaps of one marked work in progress (locales/LANG/WIP) are counted, not failed.
    """
    from docgen.messages import check_report, languages

    resources = load_site_option(site_path).resources
    report = check_report(resources, language)
    for problem in report.problems:
        click.echo(str(problem))
    for code, gaps in report.work_in_progress.items():
        click.echo(f"{code}: work in progress, {gaps} messages to translate "
                   f"(`docgen i18n check {code}` lists them)", err=True)  # fmt: skip
    if report.problems:
        click.echo(f"{len(report.problems)} problems", err=True)
        sys.exit(EXIT_REJECTED)
    done = [code for code in ([language] if language else languages(resources))
            if code not in report.work_in_progress]  # fmt: skip
    click.echo(f"ok: docgen.pot is current; {', '.join(done) or 'no catalog'} complete")


@i18n.command()
@language_argument
@site_option
@reports_errors
def stats(language: str | None, site_path: Path | None) -> None:
    """Per language: translated, fuzzy, untranslated, obsolete, percent done, site-string gaps."""
    from docgen.i18n import site_string_gaps
    from docgen.messages import languages, require_catalog
    from docgen.messages import stats as catalog_stats

    site = load_site_option(site_path)
    codes = [require_catalog(site.resources, language)] if language else languages(site.resources)
    click.echo(f"{'lang':<6}{'translated':>11}{'fuzzy':>7}{'untranslated':>14}{'obsolete':>10}"
               f"{'done':>8}  site strings missing")  # fmt: skip
    for code in codes:
        row = catalog_stats(site.resources, code)
        gaps = ", ".join(site_string_gaps(site, code)) or "-"
        click.echo(f"{code:<6}{row.translated:>11}{row.fuzzy:>7}{row.untranslated:>14}"
                   f"{row.obsolete:>10}{row.percent:>7.1f}%  {gaps}")  # fmt: skip


@i18n.command()
@click.argument("language")
@output_file_option("The draft PDF to write.")
@click.option("--procedure", default=None, help="Procedure id (default: discectomy).")
@click.option("--levels", default=None, help="Spinal levels, e.g. C5-C6 (default: L4-L5).")
@click.option("--side", default=None, help="left, right, bilateral or central.")
@render_options
@site_option
@reports_errors
def preview(language: str, output: Path, procedure: str | None, levels: str | None,
            side: str | None, options: Any, site_path: Path | None) -> None:  # fmt: skip
    """A draft packet in LANGUAGE even while incomplete: for translators, never for patients.

    Untranslated strings print in English as [EN: ...]; every page carries a "DRAFT
    TRANSLATION, NOT FOR PATIENT USE" band. The patient is fictional.
    """
    from docgen.packet import write_atomic
    from docgen.preview import render_preview

    changes = {key: value for key, value in
               (("procedure", procedure), ("levels", levels), ("side", side)) if value}  # fmt: skip
    if procedure and not side:
        changes["side"] = ""  # the sample's side only where the procedure takes one
    result = render_preview(load_site_option(site_path), language, changes, options)
    write_atomic(output, result.pdf)
    click.echo(f"wrote {output} ({result.pages} pages, DRAFT: not for patient use)")


@i18n.command()
@click.argument("language")
@output_file_option("review.pdf or review.html")
@site_option
@reports_errors
def review(language: str, output: Path, site_path: Path | None) -> None:
    """Every message side by side (English | translation | where it prints), with sign-off."""
    from docgen.errors import DocgenError
    from docgen.messages import require_catalog
    from docgen.packet import write_atomic
    from docgen.translation_review import review_html, review_pdf

    resources = load_site_option(site_path).resources
    require_catalog(resources, language)
    suffix = output.suffix.lower()
    if suffix == ".html":
        write_atomic(output, review_html(resources, language).encode("utf-8"), mode=0o644)
    elif suffix == ".pdf":
        write_atomic(output, review_pdf(resources, language), mode=0o644)
    else:
        raise DocgenError("write review.pdf or review.html", field="output")
    click.echo(f"wrote {output}")
