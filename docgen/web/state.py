"""What every view needs: the site, the catalog, the page text, the job store and the
render cache."""

from __future__ import annotations

import gettext
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from docgen.cache import RenderCache
from docgen.catalog import Catalog
from docgen.site import Site

if TYPE_CHECKING:
    from docgen.web.jobs import JobStore


@dataclass
class WebState:
    site: Site
    site_path: Path | None  # handed to the batch engine, which loads the site in its workers
    catalog: Catalog
    ui: gettext.NullTranslations  # page text in the staff language (domain "web")
    jobs: JobStore
    instance: Path
    procedure_names: dict[str, str]  # id -> name in the staff language
    cache: RenderCache | None  # the render cache (SPEC §11); None: --no-cache


def default_instance_dir() -> Path:
    """A folder in the user's data directory (XDG on Linux, LOCALAPPDATA on Windows)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "docgen"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "docgen"


def state() -> WebState:
    found: WebState = current_app.extensions["docgen"]
    return found


def _(message: str) -> str:
    """Page text in the staff language (English where the page catalog lacks it)."""
    return state().ui.gettext(message)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message
