"""Languages, translations and locale-aware formatting.

English is the source language: its messages are the msgids themselves. Every other
language is a folder ``locales/<lang>/LC_MESSAGES/docgen.po``: adding one needs no code edit.
Its Babel locale (dates, times, lists, direction) comes from the folder name and its display
name from Babel. A packet needs a complete catalog; docgen never fills a gap with English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list

from docgen.cache import startup_store
from docgen.errors import DocgenError
from docgen.files import FileVersions, file_versions
from docgen.languages import SOURCE_LANGUAGE, babel_locale, is_work_in_progress, language_codes
from docgen.resources import Resources

if TYPE_CHECKING:
    from docgen.site import Site

# Texts of the site file that a packet prints; each must exist in the packet's language.
SITE_STRINGS = ("name", "department")


class _NoFallback(gettext.NullTranslations):
    """Last line of defence: a message the catalog lacks stops the packet, not English."""

    def _missing(self, message: str) -> str:
        raise DocgenError(
            f"a message has no translation ({message[:40]!r}); run `docgen i18n check`",
            field="language",
        )

    def gettext(self, message: str) -> str:
        return self._missing(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._missing(msgid1)

    def pgettext(self, context: str, message: str) -> str:
        return self._missing(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self._missing(msgid1)


@dataclass(frozen=True)
class LanguageInfo:
    code: str  # folder name, as written in the patient record's ``language``
    babel_locale: str  # e.g. "en_GB", "es", "pt_BR"
    native_name: str  # the language's name in itself: "Español", "العربية"
    direction: str  # "ltr" or "rtl"
    printable: bool  # complete and passes every check: packets may be printed
    reason: str | None  # why not printable, as one line
    work_in_progress: bool


def _native_name(locale: Locale) -> str:
    name = locale.get_display_name(locale) or str(locale)
    return name[:1].upper() + name[1:]  # "español" -> "Español"; scripts without case unchanged


def language_info(resources: Resources, language: str) -> LanguageInfo:
    work_in_progress = is_work_in_progress(resources, language)
    try:
        locale = babel_locale(language)
    except DocgenError as error:
        return LanguageInfo(language, "", language, "ltr", False, error.message, work_in_progress)
    reason: str | None = None
    try:
        load_translations(resources, language)
    except DocgenError as error:
        reason = error.message
    return LanguageInfo(
        code=language,
        babel_locale=str(locale),
        native_name=_native_name(locale),
        direction="rtl" if locale.character_order == "right-to-left" else "ltr",
        printable=reason is None,
        reason=reason,
        work_in_progress=work_in_progress,
    )


def available_languages(resources: Resources) -> dict[str, LanguageInfo]:
    """Every language docgen knows here, with whether it can print (for /languages, stats)."""
    return {code: language_info(resources, code) for code in language_codes(resources)}


def site_string_gaps(site: Site, language: str) -> tuple[str, ...]:
    """The site texts (name, department, notes) that have no text in ``language``."""
    gaps = [key for key in SITE_STRINGS if site.string(key, language) is None]
    gaps += [f"notes.{kind}" for kind, text in site.notes if text.get(language) is None]
    return tuple(gaps)


def site_text(site: Site, key: str, language: str) -> str:
    """A site string in the packet's language; never another language's text."""
    text = site.string(key, language)
    if text is None:
        raise DocgenError(
            f"the site file has no {key} in {language!r}; add it, e.g. "
            f'{key} = {{ {SOURCE_LANGUAGE} = "...", {language} = "..." }}',
            field="language",
        )
    return text


def check_packet_language(site: Site, language: str) -> str:
    """A packet language also needs the site's name and department in that language."""
    for key in SITE_STRINGS:
        site_text(site, key, language)
    return language


_SOURCE_TEXT = gettext.NullTranslations()  # English: the messages as written


def load_translations(resources: Resources, language: str) -> gettext.NullTranslations:
    """The catalog for ``language``, refused unless it is complete and passes every check.

    Catalogs are compiled in memory from the .po files, so a fresh clone, an edited .po and
    an installed wheel all print exactly what the translators wrote. A catalog that passed
    the check is kept compiled in the start-up store (:func:`docgen.cache.startup_store`),
    keyed by the content of everything the check read, so a new process skips the check;
    a refusal is never stored and is reached again each time. A process keeps the catalog
    while the .po and the files its messages come from are unchanged, and reads it again
    after an edit (a running ``docgen serve`` prints the new words on the next packet).
    """
    if language == SOURCE_LANGUAGE:
        return _SOURCE_TEXT
    from docgen import messages  # the Babel tooling is only needed for other languages

    path = messages.po_path(resources, language)
    read = file_versions([path, *messages.source_paths(resources, code=False)])
    return _checked_translations(resources, language, read)


@lru_cache(maxsize=64)
def _checked_translations(resources: Resources, language: str,
                          _read: FileVersions) -> gettext.NullTranslations:  # fmt: skip
    from docgen import messages

    path = messages.po_path(resources, language)
    if not path.is_file():
        raise DocgenError(
            f"no translation catalog for {language!r} is installed; "
            "a packet is printed in one language only, never filled in with English",
            field="language",
        )
    store = startup_store()
    key = messages.checked_catalog_key(resources, language) if store else None
    compiled = store.get(key) if store and key else None
    if compiled is None:
        compiled = _checked_and_compiled(resources, language, path)
        # Stored only if no file changed while it was checked: the key must name what passed.
        if store and key and messages.checked_catalog_key(resources, language) == key:
            store.put(key, compiled)
    translations = gettext.GNUTranslations(io.BytesIO(compiled))
    translations.add_fallback(_NoFallback())
    return translations


def _checked_and_compiled(resources: Resources, language: str, path: Path) -> bytes:
    """The .mo bytes of the catalog at ``path``; DocgenError unless it passes every check."""
    from docgen import messages

    expected = messages.expected_keys(resources)
    problems = messages.check_catalog(path, expected)
    if problems:
        incomplete = sum(p.reason in ("missing", "untranslated", "fuzzy") for p in problems)
        raise DocgenError(
            f"the {language!r} translation is not ready to print: {incomplete} messages "
            f"missing or fuzzy, {len(problems) - incomplete} broken; "
            f"`docgen i18n check {language}` lists them",
            field="language",
        )
    return messages.compile_catalog(messages.read_catalog(path))


@dataclass(frozen=True)
class Formatter:
    """Dates, times and lists as a reader of ``language`` expects them."""

    language: str
    locale_override: str | None = None  # the site's `locale` (e.g. en_US), staff language only

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.locale_override) if self.locale_override else babel_locale(
            self.language
        )

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def long_date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def full_date(self, value: date) -> str:
        """With the weekday: a patient plans by weekday."""
        return format_date(value, format="full", locale=self.locale)

    def time(self, value: time | datetime) -> str:
        """A clock time that never wraps away from its "am"/"ص" marker (no-break spaces)."""
        return format_time(value, format="short", locale=self.locale).replace(" ", "\u00a0")

    def list(self, items: Iterable[str]) -> str:
        return format_list(list(items), locale=self.locale)
