"""Translator commands: ``docgen i18n extract|update|compile|check|stats``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from docgen.cli import cli, load_site_option, reports_errors, site_option
from docgen.errors import EXIT_REJECTED


@cli.group()
def i18n() -> None:
    """Translator workflow: extract, update, compile, check, stats."""


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


@i18n_command("check")
def check(resources: Any) -> None:
    """Fail, naming file, line and message, on anything that would spoil a printed packet."""
    from docgen.messages import check_all, languages

    problems = check_all(resources)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problems", err=True)
        sys.exit(EXIT_REJECTED)
    click.echo(f"ok: docgen.pot is current; {', '.join(languages(resources))} complete")


@i18n_command("stats")
def stats_(resources: Any) -> None:
    """Per language: translated, fuzzy, untranslated, obsolete and percent done."""
    from docgen.messages import languages, stats

    click.echo(f"{'lang':<6}{'translated':>11}{'fuzzy':>7}{'untranslated':>14}{'obsolete':>10}"
               f"{'done':>8}")  # fmt: skip
    for language in languages(resources):
        row = stats(resources, language)
        click.echo(f"{language:<6}{row.translated:>11}{row.fuzzy:>7}{row.untranslated:>14}"
                   f"{row.obsolete:>10}{row.percent:>7.1f}%")  # fmt: skip
