"""Translations and locale-aware formatting.

English is the source language: its messages are the msgids themselves. Every other
language needs a complete catalog in locales/<lang>/LC_MESSAGES/docgen.po; docgen never fills
a gap with English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list

from docgen.errors import DocgenError
from docgen.resources import Resources

SOURCE_LANGUAGE = "en"
DOMAIN = "docgen"
# The Babel locale used for dates, times and lists in each packet language.
BABEL_LOCALES = {"en": "en_GB", "es": "es", "tr": "tr", "de": "de", "fr": "fr", "ar": "ar"}


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


@cache
def load_translations(resources: Resources, language: str) -> gettext.NullTranslations:
    """The catalog for ``language``, refused unless it is complete and passes every check.

    Catalogs are compiled in memory from the .po files, so a fresh clone, an edited .po and
    an installed wheel all print exactly what the translators wrote.
    """
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    from docgen import messages  # the Babel tooling is only needed for other languages

    path = messages.po_path(resources, language)
    if not path.is_file():
        raise DocgenError(
            f"no translation catalog for {language!r} is installed; "
            "a packet is printed in one language only, never filled in with English",
            field="language",
        )
    expected = messages.message_keys(messages.extract_messages(resources))
    problems = messages.check_catalog(path, expected)
    if problems:
        incomplete = sum(p.reason in ("missing", "untranslated", "fuzzy") for p in problems)
        raise DocgenError(
            f"the {language!r} translation is not ready to print: {incomplete} messages "
            f"missing or fuzzy, {len(problems) - incomplete} broken; "
            "run `docgen i18n check`",
            field="language",
        )
    compiled = messages.compile_catalog(messages.read_catalog(path))
    translations = gettext.GNUTranslations(io.BytesIO(compiled))
    translations.add_fallback(_NoFallback())
    return translations


@dataclass(frozen=True)
class Formatter:
    """Dates, times and lists as a reader of ``language`` expects them."""

    language: str
    locale_override: str | None = None  # the site's `locale` (e.g. en_US), staff language only

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.locale_override or BABEL_LOCALES[self.language])

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def long_date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def full_date(self, value: date) -> str:
        """With the weekday: a patient plans by weekday."""
        return format_date(value, format="full", locale=self.locale)

    def time(self, value: time | datetime) -> str:
        return format_time(value, format="short", locale=self.locale)

    def list(self, items: Iterable[str]) -> str:
        return format_list(list(items), locale=self.locale)
