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

import gettext
import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
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


# --- Checking --------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# Direction overrides, embeddings and isolates could reorder what a patient reads; control
# characters have no business in printed text.
_FORBIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str  # the msgid, shortened
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}: {self.message!r}"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


def _formatted(message: Message) -> bool:
    """Whether the printed text goes through %-formatting (procedure texts do not)."""
    return "python-format" in message.flags or any(
        str(file).endswith(".html") for file, _line in message.locations
    )


def _formatting_problems(message: Message, text: str) -> list[str]:
    """What in a translation would break the packet when it is formatted and printed.

    Template messages are always %-formatted (Jinja2's newstyle gettext), like every
    python-format message: a lone ``%`` ("100%", Turkish "%50") raises at print time.
    A line or paragraph separator would split a printed line where the source has none.
    """
    reasons = []
    if _formatted(message) and "%" in _PLACEHOLDER.sub("", text):
        reasons.append("a lone % breaks formatting; write %% for a percent sign")
    if "\u2028" in text or "\u2029" in text:
        reasons.append("line or paragraph separator (U+2028/U+2029)")
    return reasons


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=False)


def _plural_problem(catalog: Catalog) -> str | None:
    header = catalog.mime_headers
    forms = dict(header).get("Plural-Forms", "")
    match = re.fullmatch(r"\s*nplurals=(\d+);\s*plural=(.+?);?\s*", forms)
    if not match:
        return "the Plural-Forms header is missing or malformed"
    try:
        plural = gettext.c2py(match[2])
        values = {plural(n) for n in range(0, 200)}
    except (ValueError, SyntaxError, ZeroDivisionError):
        return "the Plural-Forms expression is invalid"
    if not values <= set(range(int(match[1]))):
        return "the Plural-Forms expression gives forms beyond nplurals"
    return None


def check_catalog(
    path: Path, expected: set[tuple[str, str | None]], name: str | None = None
) -> list[Problem]:
    """Everything that would make a printed packet wrong or half-English."""
    name = name or str(path)
    try:
        catalog = read_catalog(path)
    except Exception as exc:  # any parse failure is one problem
        return [Problem(name, 0, "", f"cannot be read as a .po file ({type(exc).__name__})")]
    problems: list[Problem] = []
    plural = _plural_problem(catalog)
    if plural:
        problems.append(Problem(name, 1, "", plural))
    present = set()
    for message in catalog:
        if not message.id:
            continue
        msgid = str(message.id)
        present.add((msgid, message.context))
        line = message.lineno or 0
        raw = message.string if isinstance(message.string, list | tuple) else [message.string]
        strings: list[str] = [str(text or "") for text in raw]
        if message.fuzzy:
            problems.append(Problem(name, line, _short(msgid), "fuzzy"))
            continue
        if not all(strings):
            problems.append(Problem(name, line, _short(msgid), "untranslated"))
            continue
        for text in strings:
            if _formatted(message) and _placeholders(text) != _placeholders(msgid):
                problems.append(Problem(name, line, _short(msgid),
                                        "placeholders differ from the source"))  # fmt: skip
            if sorted(_TAG.findall(text)) != sorted(_TAG.findall(msgid)) or (
                text.count("<") != msgid.count("<")
            ):
                problems.append(Problem(name, line, _short(msgid),
                                        "markup that the source does not have"))  # fmt: skip
            if _FORBIDDEN.search(text):
                problems.append(Problem(name, line, _short(msgid),
                                        "control or bidi-override character"))  # fmt: skip
            problems += [Problem(name, line, _short(msgid), reason)
                         for reason in _formatting_problems(message, text)]  # fmt: skip
    flagged = {problem.line for problem in problems}
    for message, errors in catalog.check():  # Babel's own checkers (python-format...)
        if message.lineno not in flagged and not message.fuzzy:
            for error in errors:
                problems.append(Problem(name, message.lineno or 0, _short(str(message.id)),
                                        f"invalid: {error}"))  # fmt: skip
    for msgid, _context in sorted(expected - present, key=lambda k: k[0]):
        problems.append(Problem(name, 0, _short(msgid), "missing"))
    return problems


def po_path(resources: Resources, language: str) -> Path:
    return resources.locales / language / "LC_MESSAGES" / "docgen.po"


def languages(resources: Resources) -> list[str]:
    return sorted(p.parent.parent.name for p in resources.locales.glob("*/LC_MESSAGES/docgen.po"))


def check_all(resources: Resources) -> list[Problem]:
    """The translator's `docgen i18n check`: stale .pot plus every catalog."""
    problems: list[Problem] = []
    fresh = message_keys(extract_messages(resources))
    pot = pot_path(resources)
    root = resources.locales.parent
    if not pot.exists() or message_keys(read_catalog(pot)) != fresh:
        problems.append(Problem(str(pot.relative_to(root)), 0, "",
                                "stale: run `docgen i18n extract`"))  # fmt: skip
    for language in languages(resources):
        path = po_path(resources, language)
        problems += check_catalog(path, fresh, str(path.relative_to(root)))
    return problems


# --- Update, compile, stats ------------------------------------------------------------------


def update_catalogs(resources: Resources) -> list[str]:
    """Merge the .pot into every .po; changed messages become fuzzy, comments are kept."""
    with pot_path(resources).open("rb") as handle:
        template = read_po(handle)
    updated = []
    for language in languages(resources):
        path = po_path(resources, language)
        catalog = read_catalog(path)
        catalog.update(template, update_header_comment=False)
        path.write_bytes(serialise(catalog))
        updated.append(language)
    return updated


def compile_catalog(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_all(resources: Resources) -> list[Path]:
    written = []
    for language in languages(resources):
        path = po_path(resources, language)
        mo = path.with_suffix(".mo")
        mo.write_bytes(compile_catalog(read_catalog(path)))
        written.append(mo)
    return written


@dataclass(frozen=True)
class Stats:
    language: str
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int

    @property
    def percent(self) -> float:
        total = self.translated + self.fuzzy + self.untranslated
        return 100.0 * self.translated / total if total else 100.0


def stats(resources: Resources, language: str) -> Stats:
    catalog = read_catalog(po_path(resources, language))
    messages = [m for m in catalog if m.id]
    fuzzy = sum(1 for m in messages if m.fuzzy)
    done = sum(
        1 for m in messages
        if not m.fuzzy and all(m.string if isinstance(m.string, list | tuple) else [m.string])
    )  # fmt: skip
    return Stats(language, done, fuzzy, len(messages) - done - fuzzy, len(catalog.obsolete))
