"""``docgen cache stats|clear``: the render cache's folder (SPEC §11)."""

from __future__ import annotations

from pathlib import Path

import click

from docgen.cli import cache_dir_option, cli, reports_errors

MEGABYTE = 1024 * 1024


@cli.group()
def cache() -> None:
    """The render cache: laid-out pages that hold no patient data, reused across packets."""


@cache.command()
@cache_dir_option
@reports_errors
def stats(cache_dir: Path | None) -> None:
    """Show the cache folder, its entries, their size and the size bound."""
    from docgen.cache import open_cache

    store = open_cache(cache_dir)
    assert store is not None
    found = store.stats()
    click.echo(f"folder   {found.folder}")
    click.echo(f"entries  {found.entries}")
    click.echo(f"size     {found.bytes / MEGABYTE:.1f} MB of {found.max_bytes / MEGABYTE:.0f} MB "
               "(least recently used entries go first)")  # fmt: skip


@cache.command()
@cache_dir_option
@reports_errors
def clear(cache_dir: Path | None) -> None:
    """Remove every entry; the next packets are laid out anew."""
    from docgen.cache import open_cache

    store = open_cache(cache_dir)
    assert store is not None
    removed = store.clear()
    click.echo(f"removed {removed} entries from {store.folder}")
