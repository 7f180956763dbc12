"""The ``docgen`` command: parses options, calls the API, turns errors into one line.

Nothing here renders or validates by itself; see docgen.packet and docgen.request.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from docgen import __version__
from docgen.errors import EXIT_REJECTED, EXIT_USAGE, DocgenError
from docgen.options import DOCUMENT_KINDS, RenderOptions, parse_copies, parse_documents

F = TypeVar("F", bound=Callable[..., Any])

site_option = click.option(
    "--site",
    "site_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Site configuration (SITE.toml). Default: the embedded demo site.",
)


def reports_errors(command: F) -> F:
    """Turn any failure into one line on stderr and the contract's exit code.

    Tracebacks are never shown: they could carry patient data from the input.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DocgenError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            click.echo(
                f"error: internal error ({type(error).__name__}); please report it", err=True
            )
            sys.exit(EXIT_REJECTED)

    return wrapper  # type: ignore[return-value]


def render_options(command: F) -> F:
    """--docs, --large-print and --copies, parsed into one RenderOptions (``options``)."""

    @functools.wraps(command)
    def wrapper(*args: Any, docs: str, large_print: bool, copies: str | None, **kw: Any) -> Any:
        options = RenderOptions(
            documents=parse_documents(docs),
            large_print=large_print,
            consent_copies=parse_copies(copies),
        )
        return command(*args, options=options, **kw)

    decorators = [
        click.option("--docs", default=",".join(DOCUMENT_KINDS), show_default=True,
                     help="Which documents, comma-separated."),
        click.option("--large-print", is_flag=True, help="Patient-facing text at 16 pt or more."),
        click.option("--copies", metavar="patient,record",
                     help="Print the consent in marked copies, e.g. patient,record."),
    ]  # fmt: skip
    decorated: Any = wrapper
    for decorator in reversed(decorators):
        decorated = decorator(decorated)
    return cast(F, decorated)


def _load_site(site_path: Path | None) -> Any:
    from docgen.site import load_site

    return load_site(site_path)


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
    from docgen.request import FIELDS

    for field in reversed(FIELDS):
        command = click.option(
            f"--{field.replace('_', '-')}", field, default=None, help=f"Patient field {field}."
        )(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="docgen")
def cli() -> None:
    """Consent forms, pre-operative checklists and discharge sheets for spine procedures."""


@cli.command()
@reports_errors  # outermost: also catches option parsing errors
@click.argument("patient", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write.",
)
@render_options
@_record_options
@site_option
def packet(
    patient: Path | None,
    output: Path,
    options: RenderOptions,
    site_path: Path | None,
    **fields: str | None,
) -> None:
    """Render one patient's packet from PATIENT.json (or '-') and/or field options."""
    from docgen.catalog import load_catalog
    from docgen.packet import render_packet, write_atomic
    from docgen.request import validate_record

    site = _load_site(site_path)
    record = _read_record(patient)
    record.update({key: value for key, value in fields.items() if value is not None})
    request = validate_record(record, load_catalog(site.resources.procedures), site)
    result = render_packet(request, site, options)
    write_atomic(output, result.pdf)
    parts = ", ".join(
        f"{d.kind}{f' ({d.copy} copy)' if d.copy else ''} p.{d.first_page}-"
        f"{d.first_page + d.pages - 1}"
        for d in result.documents
    )
    click.echo(f"wrote {output} ({result.pages} pages: {parts})")


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
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the packets.",
)
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
    help="Also write print-file.pdf: every packet in row order, for one print job.",
)
@site_option
def batch(schedule: Path, out_dir: Path, jobs: int | None, options: RenderOptions,
          print_file: bool, site_path: Path | None) -> None:  # fmt: skip
    """Render one packet per row of SCHEDULE.csv into OUT_DIR, with manifest.json."""
    from docgen.batch import run_batch

    result = run_batch(schedule, out_dir, site_path, jobs, options, print_file, _Progress())
    for line in result.error_lines:
        click.echo(line, err=True)
    summary = f"{result.written} packets written, {result.rejected} rows rejected"
    if result.skipped:
        summary += f", {result.skipped} unchanged"
    click.echo(summary)
    sys.exit(result.exit_code)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
@site_option
@reports_errors
def procedures(as_json: bool, site_path: Path | None) -> None:
    """List the procedure catalog: ids, names, regions and level limits."""
    from docgen.catalog import load_catalog

    site = _load_site(site_path)
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "regions": [r.value for r in p.regions],
            "max_levels": p.max_levels,
            "side": "required" if p.side_required else "optional",
            "anaesthesia": p.anaesthesia.value,
            "revision": p.revision,
        }
        for p in load_catalog(site.resources.procedures)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['id']:<25} {', '.join(row['regions']):<27} max levels {row['max_levels']}"
            f"  side {row['side']:<8}  {row['name']}"
        )


@cli.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDFs.",
)
@site_option
@reports_errors
def demo(out_dir: Path, site_path: Path | None) -> None:
    """Render sample packets for fictional patients, to see the product at once."""
    from docgen.catalog import load_catalog
    from docgen.demo import DEMO_RECORDS, demo_file_name
    from docgen.packet import render_packet, write_atomic
    from docgen.request import validate_record

    site = _load_site(site_path)
    catalog = load_catalog(site.resources.procedures)
    for index, record in enumerate(DEMO_RECORDS, start=1):
        request = validate_record(record, catalog, site)
        result = render_packet(request, site)
        path = out_dir / demo_file_name(index, request)
        write_atomic(path, result.pdf)
        click.echo(f"wrote {path} ({result.pages} pages)")


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
            function(_load_site(site_path).resources)

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


def main() -> None:
    """Entry point: Click's own usage errors also become one line (exit 2)."""
    try:
        code = cli.main(prog_name="docgen", standalone_mode=False)
    except click.UsageError as error:
        click.echo(f"error: {error.format_message()} (see 'docgen --help')", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        click.echo(f"error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except (KeyboardInterrupt, click.Abort):
        click.echo("interrupted", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else 0)
