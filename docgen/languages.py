"""The languages docgen has: codes, their Babel locales, and which catalogs are unfinished.

The lowest floor of the translation code: ``docgen.i18n`` (loading and formatting) and
``docgen.messages`` (the Babel tooling) both build on it. Cheap: nothing here parses a catalog.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from docgen.errors import DocgenError
from docgen.resources import Resources

SOURCE_LANGUAGE = "en"
DOMAIN = "docgen"
# English packets follow British usage (dates "30 November 2026", 24-hour clock); every other
# language uses the Babel locale named like its folder (``es``, ``pt_BR``).
_SOURCE_LOCALE = "en_GB"


def babel_locale(language: str) -> Locale:
    """The Babel locale of a language code (a folder name under locales/)."""
    try:
        return Locale.parse(_SOURCE_LOCALE if language == SOURCE_LANGUAGE else language)
    except (UnknownLocaleError, ValueError, TypeError):
        raise DocgenError(
            f"{language!r} is not a language code Babel knows (e.g. es, pt_BR)", field="language"
        ) from None


def language_codes(resources: Resources) -> tuple[str, ...]:
    """``en`` and every folder of ``locales/`` that holds a catalog, sorted: cheap, no parsing."""
    catalogs = resources.locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    folders = sorted(path.parent.parent.name for path in catalogs)
    return (SOURCE_LANGUAGE, *(code for code in folders if code != SOURCE_LANGUAGE))


def is_work_in_progress(resources: Resources, language: str) -> bool:
    """A catalog marked as still being translated (a ``locales/<lang>/WIP`` file).

    Such a catalog may be committed half done: ``docgen i18n check`` without a language
    then reports only its broken entries, not its gaps. It still cannot print until complete.
    """
    return (resources.locales / language / "WIP").is_file()
