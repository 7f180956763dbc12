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
import sys
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

import babel
import jinja2
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from docgen import __version__
from docgen.cache import startup_key
from docgen.catalog import SECTIONS
from docgen.errors import DocgenError
from docgen.files import FileVersions, file_versions
from docgen.languages import SOURCE_LANGUAGE, babel_locale, is_work_in_progress, language_codes
from docgen.resources import Resources

PACKAGE_DIR = Path(__file__).resolve().parent
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
_KEY_LINE = re.compile(r"^\s*(?:\[(\w+)\]|(\w+)\s*=)")
# Where each text of a procedure file prints, for its translator comment.
_PROCEDURE_PLACES = {
    "name": "every document, under the title and in the summary table",
    "anaesthesia_text": "consent form and checklist, the Anaesthesia row of the summary table",
    "description": "consent form, a paragraph under 'About the procedure'",
    "indications": "consent form, a list item under 'Why it is offered'",
    "contraindications": "consent form, a list item under 'When it may not be suitable'",
    "how": "consent form, a list item under 'How it is done'",
    "position": "consent form, a paragraph under 'Your position'",
    "duration": "consent form, a paragraph under 'How long it takes and how long you stay'",
    "stay": "consent form, a paragraph under 'How long it takes and how long you stay'",
    "benefits": "consent form, a list item under 'Expected benefits'",
    "success": "consent form, a paragraph under 'Likelihood of success'",
    "risks_common": "consent form, a list item under the risk heading 'Common'",
    "risks_rare": "consent form, a list item under the risk heading 'Rare'",
    "risks_serious": "consent form, a list item under the risk heading 'Rare but serious'",
    "alternatives": "consent form, a list item under 'Alternatives'",
    "additional_procedures": "consent form, under 'Extra procedures that may become necessary'",
    "preop": "pre-operative checklist, a statement with a tick box",
    "activity": "discharge sheet, a list item under 'Activity'",
    "wound_care": "discharge sheet, a list item under 'Caring for the wound'",
    "pain": "discharge sheet, a list item under 'Pain and what to expect'",
    "warning_signs": "discharge sheet, an item of the 'Warning signs' list",
    "emergency_signs": "discharge sheet, an item of the emergency list in the 'Warning signs' box",
    "follow_up": "discharge sheet, a list item under 'Follow-up and physiotherapy'",
    "return_work": "discharge sheet, a list item under 'Work'",
    "return_driving": "discharge sheet, a list item under 'Driving'",
    "return_travel": "discharge sheet, a list item under 'Travel'",
}
_NUMBERS_NOTE = "; keep every number exactly (a clinical limit)"


def _procedure_comment(procedure: str, key: str, where: str, message: str) -> str:
    """e.g. "procedure nucleoplasty: activity (lumbar spine); prints in: discharge sheet..."."""
    note = _NUMBERS_NOTE if re.search(r"\d", message) else ""
    return f"procedure {procedure}: {key}{where}; prints in: {_PROCEDURE_PLACES[key]}{note}"


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
        yield (
            key_lines.get(key, 1),
            "_",
            data[key],
            [_procedure_comment(procedure, key, "", data[key])],
        )
    for region, name in data.get("region_names", {}).items():
        comment = _procedure_comment(procedure, "name", f" ({region} spine)", name)
        yield key_lines.get("region_names", 1), "_", name, [comment]
    for section in SECTIONS:
        value = data.get(section, [])
        by_region = value if isinstance(value, dict) else {"all": value}
        for region, texts in by_region.items():
            where = "" if region == "all" else f" ({region} spine)"
            for message in texts:
                text = " ".join(message.split())
                comment = _procedure_comment(procedure, section, where, text)
                yield key_lines.get(section, 1), "_", text, [comment]


# Where a template message prints, for the entries without a TRANSLATORS comment of their
# own: the document (from the file) and the role of the text (from its template line).
_TEMPLATE_PLACES = {
    "base.html": "page header or footer of every document",
    "macros.html": "summary table or signature blocks of every document",
    "blank.html": "intentionally blank page between documents",
    "consent.html": "consent form",
    "preop.html": "pre-operative checklist",
    "discharge.html": "discharge sheet",
}
_TEMPLATE_ROLES = (
    ("{% trans", "text with placeholders: keep every %(name)s placeholder"),
    ("signature_block(", "signature block: its heading, the statement signed, or a label beside "
     "a line to write on; keep labels short"),
    ("m.summary(", "label of the date row in the summary table; keep it short"),
    ("m.tick(", "statement with a tick box"),
    ("m.line(", "label beside a line to write on; keep it short"),
    ("<h1", "main heading"),
    ("<h2", "section heading; keep it short"),
    ("<h3", "sub-heading; keep it short"),
    ("<th", "label in a table; keep it short"),
    ('class="label"', "label; keep it short"),
    ("<li", "list item; keep the punctuation that joins the list"),
    ("<p", "paragraph"),
)  # fmt: skip


def _template_comment(path: Path, lineno: int) -> str:
    """e.g. "consent form: section heading; keep it short" for an uncommented template text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    nearby = " ".join(lines[max(0, lineno - 6) : lineno])  # a call may span lines
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    role = next((r for key, r in _TEMPLATE_ROLES if key in line), None) or next(
        (r for key, r in _TEMPLATE_ROLES[1:3] if key in nearby), "text"
    )
    return f"{_TEMPLATE_PLACES.get(path.name, path.stem)}: {role}"


def _sources(resources: Resources, code: bool = True) -> list[tuple[Path, Any, dict[str, Any]]]:
    jinja_options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                     "trim_blocks": "true", "lstrip_blocks": "true", "silent": "false"}  # fmt: skip
    sources: list[tuple[Path, Any, dict[str, Any]]] = []
    if code:
        sources += [(p, "python", {}) for p in sorted(PACKAGE_DIR.glob("*.py"))]
    sources += [(p, babel_extract, jinja_options)
                for p in sorted((resources.templates / "documents").glob("*.html"))]  # fmt: skip
    sources += [(p, extract_catalog, {}) for p in sorted(resources.procedures.glob("*.toml"))]
    return sources


def expected_keys(resources: Resources) -> set[tuple[str, str | None]]:
    """The keys of :func:`extract_messages`, extracted once per version of the sources.

    Every language's catalog is checked against them before it prints; extracting them
    anew for each language cost about a second each time a worker met a language.
    """
    return set(_expected_keys(resources, file_versions(source_paths(resources))))


def source_paths(resources: Resources, *, code: bool = True) -> list[Path]:
    """Every file the printed English messages are extracted from; ``code=False``: only
    the templates and procedure files (docgen's own code does not change in a process)."""
    return [path for path, _method, _options in _sources(resources, code)]


@cache
def _expected_keys(resources: Resources, _files: FileVersions
                   ) -> frozenset[tuple[str, str | None]]:  # fmt: skip
    return frozenset(message_keys(extract_messages(resources)))


def checked_catalog_key(resources: Resources, language: str) -> str:
    """The render-cache key of a catalog that passed :func:`check_catalog`.

    It covers everything the check's outcome depends on, by content: the .po file, every
    source of :func:`expected_keys` (the python files include this module, i.e. the
    checks themselves), and the versions of docgen, Babel, Jinja2 (the template extractor)
    and Python (its Unicode tables read the digits of every script).
    """
    root = resources.templates.parent
    parts: list[bytes | str] = [
        "docgen-checked-catalog 1", __version__, babel.__version__, jinja2.__version__,
        sys.version, language, po_path(resources, language).read_bytes(),
    ]  # fmt: skip
    for path, _method, _options in _sources(resources):
        parts += [str(path.relative_to(root) if path.is_relative_to(root) else path.name),
                  path.read_bytes()]  # fmt: skip
    return startup_key(*parts)


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
            if not comments and method is babel_extract:
                comments = [_template_comment(path, lineno)]
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


PLACEHOLDER = _PLACEHOLDER  # for the review sheet, which keeps placeholders left-to-right
# A number in a message: "48", "1.5", "7,5". Clinical limits must survive translation.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# A thousands separator ("1,000", "1.000", "1 000"): the number is the same without it.
_THOUSANDS = re.compile(r"(?<=\d)[,.\u00a0\u202f ](?=\d{3}(?!\d))")
# Numbers a language writes in words, as a reader expects them: in Arabic "2 weeks" is the
# dual "أسبوعين" (a digit before a singular noun is wrong) and "1 week" is "أسبوع واحد".
_NUMBER_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ar": {
        "1": ("واحد", "واحدة"),
        "2": ("أسبوعين", "أسبوعان", "يومين", "يومان", "ساعتين", "ساعتان", "دقيقتين",
              "دقيقتان", "شهرين", "شهران", "مرتين", "مرتان", "اثنين", "اثنتين"),
    },
}  # fmt: skip
# French puts a no-break space (U+00A0, or the narrow U+202F) before : ; ? and !
_FRENCH_PUNCTUATION = re.compile(r"(?<![\u00a0\u202f\d])[:;?!]|(?<=\d)[;?!]")
# The incomplete-catalog reasons: allowed while a catalog is marked work in progress.
INCOMPLETE = ("missing", "untranslated", "fuzzy")


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


def _numbers(text: str) -> set[str]:
    """The numbers of a text, any script's digits read as 0-9, decimal comma as point."""
    text = _PLACEHOLDER.sub(" ", text)
    digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
    digits = _THOUSANDS.sub("", digits)
    return {number.replace(",", ".") for number in _NUMBER.findall(digits)}


def _number_words(text: str, language: str) -> set[str]:
    words = _NUMBER_WORDS.get(language.split("_")[0], {})
    return {number for number, spellings in words.items() if any(w in text for w in spellings)}


def language_problems(msgid: str, text: str, language: str) -> list[str]:
    """Rules that depend on the language: numbers kept, and each script's typography."""
    problems = []
    source, translated = _numbers(msgid), _numbers(text)
    missing = sorted(source - translated - _number_words(text, language))
    if missing:
        problems.append(f"numbers of the source missing from the translation: {', '.join(missing)}")
    elif translated - source:
        extra = ", ".join(sorted(translated - source))
        problems.append(f"numbers the source does not have: {extra}")
    if language.split("_")[0] == "fr":
        bare = _FRENCH_PUNCTUATION.findall(_PLACEHOLDER.sub("", text))
        if bare:
            problems.append(f"French typography: a no-break space (U+00A0) goes before "
                            f"{' '.join(sorted(set(bare)))}")  # fmt: skip
    return problems


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
    path: Path,
    expected: set[tuple[str, str | None]],
    name: str | None = None,
    language: str | None = None,
) -> list[Problem]:
    """Everything that would make a printed packet wrong or half-English."""
    name = name or str(path)
    language = language or path.parent.parent.name
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
            source = msgid if isinstance(message.id, str) else str(message.id[-1])  # plural
            for reason in language_problems(source, text, language):
                problems.append(Problem(name, line, _short(msgid), reason))
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
    """The translated languages: every catalog under locales/ (English is the source)."""
    return [code for code in language_codes(resources) if code != SOURCE_LANGUAGE]


@dataclass(frozen=True)
class CheckReport:
    problems: list[Problem]  # each one fails the check
    work_in_progress: dict[str, int]  # language -> gaps allowed because it is marked WIP


def check_report(resources: Resources, language: str | None = None) -> CheckReport:
    """The translator's `docgen i18n check [LANG]`: stale .pot plus every catalog (or one).

    Without a language, the gaps (missing, untranslated, fuzzy) of a catalog marked work in
    progress are counted, not failed; with one, every problem of that catalog is listed.
    """
    problems: list[Problem] = []
    fresh = message_keys(extract_messages(resources))
    pot = pot_path(resources)
    root = resources.locales.parent
    if not pot.exists() or message_keys(read_catalog(pot)) != fresh:
        problems.append(Problem(str(pot.relative_to(root)), 0, "",
                                "stale: run `docgen i18n extract`"))  # fmt: skip
    work_in_progress: dict[str, int] = {}
    for code in [require_catalog(resources, language)] if language else languages(resources):
        path = po_path(resources, code)
        found = check_catalog(path, fresh, str(path.relative_to(root)), code)
        if language is None and is_work_in_progress(resources, code):
            gaps = [problem for problem in found if problem.reason in INCOMPLETE]
            work_in_progress[code] = len(gaps)
            found = [problem for problem in found if problem.reason not in INCOMPLETE]
        problems += found
    return CheckReport(problems, work_in_progress)


def check_all(resources: Resources, language: str | None = None) -> list[Problem]:
    return check_report(resources, language).problems


def require_catalog(resources: Resources, language: str) -> str:
    if not po_path(resources, language).is_file():
        raise DocgenError(
            f"no catalog for {language!r}; `docgen i18n init {language}` creates one",
            field="language",
        )
    return language


# --- New languages ---------------------------------------------------------------------------

# Plural rules as gettext, Poedit and Weblate number the forms, where Babel's differ
# (Babel orders the Arabic forms 4 and 5 the other way round).
GETTEXT_PLURAL_FORMS = {
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 ? 4 : 5;",
}
WIP_NOTE = (
    "This catalog is still being translated. While this file exists, `docgen i18n check`\n"
    "(without a language) does not fail on its gaps. It still cannot print until complete:\n"
    "`docgen i18n check LANG` lists what is left. Delete this file when it is done.\n"
)


def _use_gettext_plural_rule(catalog: Catalog) -> None:
    """Set the gettext numbering of the plural forms where Babel's own rule differs."""
    locale = catalog.locale
    if locale is None:
        return
    rule = GETTEXT_PLURAL_FORMS.get(str(locale)) or GETTEXT_PLURAL_FORMS.get(locale.language)
    if rule:
        catalog.mime_headers = [("Plural-Forms", rule)]


def init_catalog(resources: Resources, language: str) -> Path:
    """Create locales/LANG/LC_MESSAGES/docgen.po from the .pot, marked work in progress."""
    locale = babel_locale(language)
    path = po_path(resources, language)
    if language == SOURCE_LANGUAGE:
        raise DocgenError("English is the source language: its texts are the .pot", "language")
    if path.exists():
        raise DocgenError(f"{path} exists already; `docgen i18n update` merges new messages",
                          field="language")  # fmt: skip
    if not pot_path(resources).exists():
        write_pot(resources)
    template = read_catalog(pot_path(resources))
    catalog = Catalog(
        locale=locale, project="docgen", version=__version__, charset="utf-8", fuzzy=False,
        copyright_holder="docgen", msgid_bugs_address="", revision_date=datetime.now(UTC),
        creation_date=template.creation_date, last_translator="",
        language_team=f"{locale.get_display_name(locale)}",
    )  # fmt: skip
    catalog.mime_headers = [("Language", language)]
    _use_gettext_plural_rule(catalog)
    for message in template:
        if message.id:
            empty: str | tuple[str, ...] = (
                ("",) * catalog.num_plurals if isinstance(message.id, list | tuple) else ""
            )
            catalog.add(message.id, empty, locations=message.locations,
                        flags=message.flags - {"fuzzy"}, auto_comments=message.auto_comments,
                        context=message.context)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(serialise(catalog))
    (path.parent.parent / "WIP").write_text(WIP_NOTE, encoding="utf-8")
    return path


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
        _use_gettext_plural_rule(catalog)  # a merge or a Babel tool may have put Babel's back
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
