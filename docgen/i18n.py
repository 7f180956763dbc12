"""Translations and locale-aware formatting.

English is the source language: its messages are the msgids themselves. Every other
language needs a complete catalog in locales/<lang>/LC_MESSAGES/docgen.po; docgen never fills
a gap with English.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list

from docgen.errors import DocgenError

SOURCE_LANGUAGE = "en"
DOMAIN = "docgen"
# The Babel locale used for dates, times and lists in each packet language.
BABEL_LOCALES = {"en": "en_GB", "es": "es", "tr": "tr", "de": "de", "fr": "fr", "ar": "ar"}


@cache
def load_translations(locales_dir: Path, language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    mo_file = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo_file.is_file():
        raise DocgenError(
            f"no translation catalog for {language!r} is installed; "
            "a packet is printed in one language only, never filled in with English",
            field="language",
        )
    with mo_file.open("rb") as handle:
        return gettext.GNUTranslations(handle)


@dataclass(frozen=True)
class Formatter:
    """Dates, times and lists as a reader of ``language`` expects them."""

    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(BABEL_LOCALES[self.language])

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
