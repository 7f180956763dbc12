"""The web app's own page text: a separate gettext domain, ``web``, beside ``docgen``.

Page text (labels, headings, hints) lives in ``locales/<lang>/LC_MESSAGES/web.po``, extracted
from docgen/web/ into ``locales/web.pot``. An incomplete page catalog only leaves some
labels in English; it never blocks a packet, whose own catalog (``docgen.po``) is checked
separately and never filled in with English.

    python -m docgen.web extract   # refresh locales/web.pot
    python -m docgen.web update    # merge it into every locales/<lang>/.../web.po
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from docgen import __version__
from docgen.messages import KEYWORDS, compile_catalog, read_catalog, serialise
from docgen.resources import Resources

DOMAIN = "web"
WEB_DIR = Path(__file__).resolve().parent
_JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                  "trim_blocks": "true", "lstrip_blocks": "true", "silent": "false"}  # fmt: skip


def po_path(locales: Path, language: str) -> Path:
    return locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def ui_translations(locales: Path, language: str) -> gettext.NullTranslations:
    """Page text in ``language``; a missing catalog or message falls back to English."""
    for folder in dict.fromkeys((locales, Resources.bundled().locales)):
        path = po_path(folder, language)
        if path.is_file():
            try:
                compiled = compile_catalog(read_catalog(path))  # fuzzy entries are left out
            except Exception:  # a broken page catalog must not stop the ward: English pages
                return gettext.NullTranslations()
            return gettext.GNUTranslations(io.BytesIO(compiled))
    return gettext.NullTranslations()


def extract() -> Catalog:
    """Every page message of docgen/web/ (Python and templates)."""
    catalog = Catalog(project="docgen-web", version=__version__, charset="utf-8",
                      msgid_bugs_address="", copyright_holder="docgen")  # fmt: skip
    sources: list[tuple[Path, Any, dict[str, Any]]] = [
        (path, "python", {}) for path in sorted(WEB_DIR.glob("*.py"))
    ]
    sources += [(path, babel_extract, _JINJA_OPTIONS)
                for path in sorted((WEB_DIR / "templates").rglob("*.html"))]  # fmt: skip
    for path, method, options in sources:
        for lineno, message, comments, context in extract_from_file(
            method, path, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), options=options,
            strip_comment_tags=True,
        ):  # fmt: skip
            flags = ("python-format",) if "%(" in str(message) else ()
            catalog.add(message, locations=[(str(path.relative_to(WEB_DIR.parent.parent)),
                                             lineno)],
                        auto_comments=comments, context=context, flags=flags)  # fmt: skip
    return catalog


def write_pot(locales: Path) -> Path:
    path = locales / f"{DOMAIN}.pot"
    path.write_bytes(serialise(extract()))
    return path


def update(locales: Path) -> list[Path]:
    """Merge web.pot into each language that has a docgen.po (new messages: untranslated)."""
    with (locales / f"{DOMAIN}.pot").open("rb") as handle:
        template = read_po(handle)
    written = []
    for language_dir in sorted(p for p in locales.iterdir() if (p / "LC_MESSAGES").is_dir()):
        path = po_path(locales, language_dir.name)
        if path.is_file():
            catalog = read_catalog(path)
        else:
            catalog = Catalog(locale=language_dir.name, project="docgen-web",
                              version=__version__, charset="utf-8")  # fmt: skip
        catalog.update(template, update_header_comment=False)
        path.write_bytes(serialise(catalog))
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    locales = Resources.bundled().locales
    if argv == ["extract"]:
        print(f"wrote {write_pot(locales)}")
    elif argv == ["update"]:
        for path in update(locales):
            print(f"updated {path}")
    else:
        print("usage: python -m docgen.web extract|update", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
