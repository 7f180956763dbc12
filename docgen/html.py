"""HTML stage: a document view rendered through its Jinja2 template, autoescaped."""

from __future__ import annotations

import gettext
import hashlib
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from docgen import __version__
from docgen.cache import code_store, startup_key
from docgen.errors import ConfigError, RenderError
from docgen.fonts import unprintable
from docgen.i18n import load_translations
from docgen.resources import Resources
from docgen.viewmodel import DocumentView, PatientView

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
# A space next to a digit: "2 December 2026", "9:00 PM", "9:00 ص".
_NEXT_TO_DIGIT = re.compile(r"(?<=\d) (?=\S)|(?<=\S) (?=\d)")


def left_to_right(value: object) -> Markup:
    """Keep an identifier (MRN, L4–L5, a phone number) in reading order inside RTL text.

    WeasyPrint does not support CSS ``unicode-bidi``; the Unicode isolate characters
    LRI ... PDI do the same job in the text itself and are invisible in LTR documents.
    """
    return Markup(LRI) + escape(str(value)) + Markup(PDI)


def isolate(value: object) -> Markup:
    """Isolate an inserted text (a name, a date, a site string) in its own direction.

    FSI takes the direction of the value's first letter: an Arabic name stays right to
    left in an English page and a Latin name left to right in an Arabic page, and the
    surrounding sentence cannot reorder its parts.
    """
    return Markup(FSI) + escape(str(value)) + Markup(PDI)


def full_name(patient: PatientView) -> Markup:
    """ "FAMILY, Given" as one isolate, so the comma stays between the two names.

    One isolate around both parts (not one each) keeps the family name first in the
    name's own reading direction; two separate isolates would be ordered by the page's
    direction and an Arabic page would show a Latin name as "Given ,FAMILY".
    """
    return isolate(f"{patient.family_name}, {patient.given_name}")


def date_text(value: object) -> Markup:
    """A date or time that never breaks between a number and its word ("9:00 ص")."""
    return isolate(_NEXT_TO_DIGIT.sub("\u00a0", str(value)))


def name_size(patient: PatientView) -> str:
    """A CSS class that sets a smaller type for a long name, so it fits the header cell."""
    length = len(patient.family_name) + len(patient.given_name)
    return "name-long" if length > 90 else "name-medium" if length > 40 else ""


# The values slot() takes out of the document being rendered; None: print them in place.
_TAKEN: ContextVar[dict[str, Markup] | None] = ContextVar("docgen_slot_values", default=None)
_SLOT_NAME = re.compile(r"[a-z][a-z_]{0,30}")


def slot(name: str, value: object, anchor: str = "top") -> Markup:
    """A patient value's own place in a document (docgen.layer).

    While a document body is rendered (:func:`render_body`) the value is taken out and the
    page keeps an empty placeholder the size of one line (``anchor="bottom"``: of no height,
    for a value bottom-aligned in its cell); after layout the value is set in that place.
    The body's HTML, and so its layout, is then the same for every patient.
    """
    taken = _TAKEN.get()
    text = escape(value)
    if taken is None:
        return text
    if not _SLOT_NAME.fullmatch(name) or anchor not in ("top", "bottom"):
        raise ConfigError(f"templates: slot({name!r}, anchor={anchor!r}) is not a valid slot")
    if taken.setdefault(name, text) != text:
        raise ConfigError(f"templates: slot {name} is given two different values")
    # <article>: a structure element of its own kind (Art), so docgen.body can find the
    # placeholder's marked content in the tagged PDF and set the value inside it.
    filler = "" if anchor == "bottom" else "\u00a0"
    return Markup('<article class="slot" data-slot="{}" data-anchor="{}">{}</article>').format(
        name, anchor, filler
    )


@dataclass(frozen=True)
class BodyHTML:
    """A document's HTML without its patient values, and those values by slot name."""

    html: str
    values: dict[str, Markup]


class ConfinedLoader(jinja2.BaseLoader):
    """Reads templates only from real files inside one folder.

    The same rule as the renderer's fetcher (docgen.pdf): the resolved path, after every
    symlink, must lie inside the folder, so neither ``../`` nor a link pointing outside
    can make a site's template read another file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = (self.folder / template).resolve()
        if not path.is_relative_to(self.folder):
            raise ConfigError(f"templates: {template} lies outside {self.folder}")
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ConfigError(f"templates: {template} cannot be read as UTF-8 text") from None
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.is_file() and path.stat().st_mtime == mtime


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates shared by the environments of all languages (one per language).

    Jinja checks each entry against its template's source, so an edited template is
    compiled again; the environments differ only in the translations they are given.
    Entries are also kept in the start-up store (:func:`docgen.cache.code_store`) for the
    next process, only in a folder nobody else can write to: loading bytecode runs it.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is None:
            store = code_store()
            compiled = store.get(_stored_key(bucket)) if store else None
        if compiled is not None:
            bucket.bytecode_from_string(compiled)  # Jinja resets it on a stale checksum

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = bucket.bytecode_to_string()
        self._compiled[bucket.key] = compiled
        store = code_store(create=True)
        if store:
            store.put(_stored_key(bucket), compiled)


# The environment's settings (in this file) shape the compiled code as much as the template.
_ENVIRONMENT_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _stored_key(bucket: jinja2.bccache.Bucket) -> str:
    """The store key of a template's bytecode: its name and file (``bucket.key``), its
    source (``bucket.checksum``), and the versions that make the code."""
    return startup_key("docgen-template-bytecode 1", __version__, jinja2.__version__,
                       sys.version, _ENVIRONMENT_DIGEST, bucket.key, bucket.checksum)  # fmt: skip


_COMPILED = _SharedBytecode()


def environment(
    resources: Resources, language: str, translations: gettext.NullTranslations | None = None
) -> jinja2.Environment:
    """``translations`` is set only by the translator's draft preview (docgen.preview);
    otherwise the checked catalog, and a new environment when that catalog was edited."""
    if translations is None:
        translations = load_translations(resources, language)
    return _environment(resources, language, translations)


@lru_cache(maxsize=64)
def _environment(
    resources: Resources, language: str, translations: gettext.NullTranslations
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=ConfinedLoader(resources.templates / "documents"),
        autoescape=True,  # every template, every value: patient data is never markup
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_COMPILED,
    )
    env.filters.update(ltr=left_to_right, isolate=isolate, full_name=full_name,
                       date_text=date_text)  # fmt: skip
    env.globals.update(name_size=name_size, slot=slot)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return env


def render_body(
    view: DocumentView,
    resources: Resources,
    template: str | None = None,
    translations: gettext.NullTranslations | None = None,
) -> BodyHTML:
    """The document's HTML with every ``slot()`` value taken out (see :func:`slot`)."""
    token = _TAKEN.set({})
    try:
        html = render_html(view, resources, template, translations, check_glyphs=False)
        values = _TAKEN.get() or {}
    finally:
        _TAKEN.reset(token)
    _check_glyphs(view.kind, html + "".join(values.values()), resources)
    return BodyHTML(html, values)


def render_html(
    view: DocumentView,
    resources: Resources,
    template: str | None = None,
    translations: gettext.NullTranslations | None = None,
    check_glyphs: bool = True,
) -> str:
    env = environment(resources, view.language, translations)
    name = template or f"{view.kind}.html"
    folder = resources.templates / "documents"
    try:
        html = env.get_template(name).render(doc=view)
    except jinja2.TemplateNotFound as not_found:
        raise ConfigError(f"templates: {not_found.name} is missing from {folder}") from None
    except jinja2.TemplateSyntaxError as broken:
        where = Path(broken.filename or broken.name or name).name
        raise ConfigError(
            f"templates: {where} line {broken.lineno}: {broken.message}"
        ) from None
    except jinja2.TemplateError as broken:  # e.g. an undefined name in a site's template
        raise ConfigError(f"templates: {name} cannot be rendered ({broken.message})") from None
    # The draft preview marks every page (its "DRAFT TRANSLATION" band); packets never do.
    mark_page = getattr(translations, "mark_page", None)
    if mark_page is not None:
        html = mark_page(html)
    if check_glyphs:
        _check_glyphs(view.kind, html, resources)
    return html


def _check_glyphs(kind: str, text: str, resources: Resources) -> None:
    """A character no bundled font has would print as a box or in a stray system font."""
    missing = unprintable(text, resources.fonts)
    if missing:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
        raise RenderError(f"{kind}: no bundled font has a glyph for {codes}")
