"""The ``docgen`` command: parses options, calls the API, turns errors into one line.

Nothing here renders or validates by itself; see docgen.packet and docgen.request. The
commands live by area: :mod:`docgen.cli.render` (packet, batch, demo, procedures),
:mod:`docgen.cli.translate` (i18n), :mod:`docgen.cli.cache` (the render cache) and others.
This module holds the group, the shared options and the error handling every command uses.
"""

from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from docgen import __version__
from docgen.errors import EXIT_REJECTED, EXIT_USAGE, DocgenError, InvalidRecord
from docgen.options import DOCUMENT_KINDS, RenderOptions, parse_copies, parse_documents

F = TypeVar("F", bound=Callable[..., Any])

site_option = click.option(
    "--site",
    "site_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Site configuration (SITE.toml). Default: the embedded demo site.",
)
# serve, users and audit share it, so they find the same users file and audit database.
instance_option = click.option(
    "--instance",
    "instance",
    type=click.Path(file_okay=False, path_type=Path),
    help="The web app's instance folder: jobs, secret key, users file, audit database "
    "(default: docgen in the user's data directory).",
)


# `docgen cache stats|clear` take the folder only; rendering commands take cache_options.
cache_dir_option = click.option(
    "--cache-dir",
    "cache_dir",
    # Not checked here: a folder that cannot be used must not stop a render (docgen.cache).
    type=click.Path(readable=False, path_type=Path),
    metavar="DIR",
    help="Render cache folder (default: $DOCGEN_CACHE_DIR, else docgen in the user's cache "
    "directory).",
)


def cache_options(command: F) -> F:
    """--cache-dir and --no-cache, resolved into one RenderCache or None (``cache``), which
    also keeps the process's start-up work (checked catalogs, compiled templates, parsed
    stylesheets)."""

    @functools.wraps(command)
    def wrapper(*args: Any, cache_dir: Path | None, no_cache: bool, **kw: Any) -> Any:
        from docgen.cache import open_cache, use_for_startup

        store = open_cache(cache_dir, enabled=not no_cache)
        use_for_startup(store)
        return command(*args, cache=store, **kw)

    no_cache_option = click.option(
        "--no-cache", is_flag=True, help="Lay out every page anew; read and store no cache entry."
    )
    return cast(F, cache_dir_option(no_cache_option(wrapper)))


def reports_errors(command: F) -> F:
    """Turn any failure into one line on stderr and the contract's exit code.

    Tracebacks are never shown: they could carry patient data from the input.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InvalidRecord as errors:
            for problem in errors.problems:  # every problem at once, one line each
                click.echo(f"error: {problem}", err=True)
            sys.exit(errors.exit_code)
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


def output_file_option(help: str) -> Callable[[F], F]:
    """``-o/--output FILE`` (required): the one file a command writes."""
    return click.option("-o", "--output", required=True,
                        type=click.Path(dir_okay=False, path_type=Path), help=help)  # fmt: skip


def output_folder_option(help: str) -> Callable[[F], F]:
    """``-o/--output DIR`` (required, as ``out_dir``): the folder a command writes into."""
    return click.option("-o", "--output", "out_dir", required=True,
                        type=click.Path(file_okay=False, path_type=Path), help=help)  # fmt: skip


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


def load_site_option(site_path: Path | None) -> Any:
    """The site of ``--site`` (or the embedded demo site); imported late to keep --help fast."""
    from docgen.site import load_site

    return load_site(site_path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="docgen")
def cli() -> None:
    """Consent forms, pre-operative checklists and discharge sheets for spine procedures."""


# The command modules register themselves on ``cli`` when imported.
from docgen.cli import access, batch, cache, clinical, render, serve, translate  # noqa: E402,F401


def main() -> None:
    """Entry point: Click's own usage errors also become one line (exit 2)."""
    # Starting a command makes some million objects that live until it ends (modules,
    # parsed stylesheets, fonts): collecting cycles among them again and again cost a
    # one-packet command about a tenth of its time, and freed nothing. Collection is back
    # on once the process has rendered a packet or warmed up its renderers (docgen.packet).
    gc.disable()
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
