"""Access commands: ``docgen users`` (the web app's accounts) and ``docgen audit``.

Both take ``--site`` and ``--instance`` as ``docgen serve`` does, so they find the same users
file (``[web] users_file``, else ``<instance>/users.toml``) and the same audit database
(``<instance>/audit.db``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from docgen.cli import cli, instance_option, load_site_option, reports_errors, site_option
from docgen.errors import EXIT_REJECTED, DocgenError

F = TypeVar("F", bound=Callable[..., Any])

def _instance(instance: Path | None) -> Path:
    if instance is not None:
        return instance.resolve()
    from docgen.web.state import default_instance_dir

    folder: Path = default_instance_dir()
    return folder.resolve()


def _store(site_path: Path | None, instance: Path | None) -> Any:
    from docgen.users import UserStore, users_file

    return UserStore(users_file(load_site_option(site_path), _instance(instance)))


def _audit(instance: Path | None) -> Any:
    from docgen.audit import AuditLog

    return AuditLog.in_instance(_instance(instance))


def _where(command: F) -> F:
    return site_option(instance_option(command))


@cli.group()
def users() -> None:
    """The web app's users: nurses and administrators."""


@users.command("add")
@reports_errors
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["nurse", "admin"]))
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@_where
def users_add(name: str, role: str, password_stdin: bool, site_path: Path | None,
              instance: Path | None) -> None:  # fmt: skip
    """Add user NAME (or give NAME a new role and password)."""
    from docgen.users import check_name

    check_name(name)
    store = _store(site_path, instance)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)  # fmt: skip
    new = store.add(name, role, password)
    click.echo(f"{'added' if new else 'updated'} {name} ({role}) in {store.path}")


@users.command("list")
@reports_errors
@_where
def users_list(site_path: Path | None, instance: Path | None) -> None:
    """List the users: name, role, whether they have a password and an API token."""
    store = _store(site_path, instance)
    found = store.load()
    if not found:
        click.echo(f"no users in {store.path}", err=True)
    for user in sorted(found.values(), key=lambda u: u.name):
        token = "token" if user.token_hashes else "-"
        password = "password" if user.password_hash else "-"
        click.echo(f"{user.name}\t{user.role}\t{password}\t{token}")


@users.command("remove")
@reports_errors
@click.argument("name")
@_where
def users_remove(name: str, site_path: Path | None, instance: Path | None) -> None:
    """Remove user NAME (and its API token); its session ends at its next request."""
    store = _store(site_path, instance)
    store.remove(name)
    click.echo(f"removed {name}")


@users.command("token")
@reports_errors
@click.argument("name")
@_where
def users_token(name: str, site_path: Path | None, instance: Path | None) -> None:
    """Make a new API token for NAME, replacing its old one. It is shown once only."""
    token = _store(site_path, instance).new_token(name)
    click.echo(token)
    click.echo("keep it now: only its hash is stored (send it as 'Authorization: Bearer "
               "TOKEN')", err=True)  # fmt: skip


@cli.group()
def audit() -> None:
    """The web app's audit trail: check it, export it."""


@audit.command("verify")
@reports_errors
@_where
def audit_verify(site_path: Path | None, instance: Path | None) -> None:
    """Check the hash chain; name the first edited, removed or inserted row."""
    result = _audit(instance).verify()
    if not result.ok:
        click.echo(f"error: audit: {result.problem}", err=True)
        sys.exit(EXIT_REJECTED)
    click.echo(f"ok: {result.rows} rows, last hash {result.last_hash}")


@audit.command("export")
@reports_errors
@click.option("--since", metavar="DATE", help="Only events from this day on (YYYY-MM-DD, UTC).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@_where
def audit_export(since: str | None, fmt: str, output: Path | None, site_path: Path | None,
                 instance: Path | None) -> None:  # fmt: skip
    """Write the events as CSV or JSON lines."""
    from docgen.audit import parse_since

    log = _audit(instance)
    if not log.path.is_file():
        raise DocgenError(f"no audit database at {log.path}", field="audit")
    moment = parse_since(since) if since else None
    if output is None:
        log.export(sys.stdout, moment, fmt)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        count = log.export(out, moment, fmt)
    click.echo(f"{count} events written to {output}", err=True)
