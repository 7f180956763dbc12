"""The translator workflow: extract, update, compile, check and count the catalogs.

Layout as in Sphinx: ``locales/docgen.pot`` holds every English message; each language has
``locales/<lang>/LC_MESSAGES/docgen.po`` (edited in Poedit or Weblate) and a compiled
``docgen.mo`` that is built on demand, never committed.

Messages come from three places: the Jinja2 templates (``_()``, ``pgettext()``,
``{% trans %}``), the Python view model (``_()`` and ``N_()``), and the procedure catalog
(every text in templates/procedures/*.toml, via :func:`extract_catalog`, which is also
registered as the ``docgen_catalog`` Babel extractor for ``pybabel``).
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from docgen import __version__
from docgen.catalog import SECTIONS
from docgen.resources import Resources

PACKAGE_DIR = Path(__file__).resolve().parent
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "N_": None,
    "pgettext": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
_KEY_LINE = re.compile(r"^\s*(?:\[(\w+)\]|(\w+)\s*=)")


def extract_catalog(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for procedure files: every text, with its section as a comment."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    key_lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if match:
            key_lines.setdefault(match[1] or match[2], number)
    procedure = data.get("id", "?")
    for key in ("name", "anaesthesia_text"):
        yield key_lines.get(key, 1), "_", data[key], [f"procedure {procedure}: {key}"]
    for section in SECTIONS:
        value = data.get(section, [])
        by_region = value if isinstance(value, dict) else {"all": value}
        for region, texts in by_region.items():
            where = "" if region == "all" else f" ({region} spine)"
            for message in texts:
                yield (
                    key_lines.get(section, 1),
                    "_",
                    " ".join(message.split()),
                    [f"procedure {procedure}: {section}{where}"],
                )


def _sources(resources: Resources) -> list[tuple[Path, Any, dict[str, Any]]]:
    jinja_options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                     "trim_blocks": "true", "lstrip_blocks": "true", "silent": "false"}  # fmt: skip
    sources: list[tuple[Path, Any, dict[str, Any]]] = []
    sources += [(p, "python", {}) for p in sorted(PACKAGE_DIR.glob("*.py"))]
    sources += [(p, babel_extract, jinja_options)
                for p in sorted((resources.templates / "documents").glob("*.html"))]  # fmt: skip
    sources += [(p, extract_catalog, {}) for p in sorted(resources.procedures.glob("*.toml"))]
    return sources


def extract_messages(resources: Resources) -> Catalog:
    """Every printed English message, with locations and translator comments."""
    catalog = Catalog(project="docgen", version=__version__, charset="utf-8",
                      msgid_bugs_address="", copyright_holder="docgen")  # fmt: skip
    root = resources.templates.parent
    for path, method, options in _sources(resources):
        for lineno, message, comments, context in extract_from_file(
            method, path, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, options=options,
            strip_comment_tags=True,
        ):  # fmt: skip
            location = path.relative_to(root) if path.is_relative_to(root) else path.name
            flags = ("python-format",) if "%(" in str(message) else ()
            catalog.add(message, locations=[(str(location), lineno)], auto_comments=comments,
                        context=context, flags=flags)  # fmt: skip
    return catalog


def pot_path(resources: Resources) -> Path:
    return resources.locales / "docgen.pot"


def message_keys(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(str(m.id), m.context) for m in catalog if m.id}


def serialise(catalog: Catalog, **options: Any) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, **options)
    return buffer.getvalue()


def write_pot(resources: Resources) -> bool:
    """Refresh locales/docgen.pot; return whether its messages changed."""
    fresh = extract_messages(resources)
    path = pot_path(resources)
    if path.exists():
        with path.open("rb") as handle:
            current = read_po(handle)
        if message_keys(current) == message_keys(fresh):
            fresh.creation_date = current.creation_date  # no churn without a real change
    changed = not path.exists() or serialise(fresh, omit_header=True) != _body(path)
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(serialise(fresh))
    return changed


def _body(path: Path) -> bytes:
    with path.open("rb") as handle:
        return serialise(read_po(handle), omit_header=True)
