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
from docgen.catalog import Catalog, load_catalog
from docgen.errors import DocgenError
from docgen.i18n import load_translations
from docgen.site import Site

if TYPE_CHECKING:
    from docgen.web.jobs import JobStore


@dataclass
class WebState:
    site: Site
    site_path: Path | None  # handed to the batch engine, which loads the site in its workers
    ui: gettext.NullTranslations  # page text in the staff language (domain "web")
    jobs: JobStore
    instance: Path
    cache: RenderCache | None  # the render cache (SPEC §11); None: --no-cache

    @property
    def catalog(self) -> Catalog:
        """The procedure files as they are now: an edited one is read again (kept while
        unchanged), so the running app prints signed-off text without a restart."""
        return load_catalog(self.site.resources.procedures)

    @property
    def procedure_names(self) -> dict[str, str]:
        """Procedure id -> name in the staff language; English if that catalog cannot print."""
        catalog = self.catalog
        try:
            translate = load_translations(self.site.resources, self.site.staff_language).gettext
        except DocgenError:
            return {p.id: p.name for p in catalog}
        return {p.id: translate(p.name) for p in catalog}


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
