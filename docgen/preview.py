"""The translator's draft preview: a packet in a language whose catalog may be incomplete.

A translator sees each string in its place: translated ones as they will print, the others
in English between ``[EN: ...]`` marks, and a "DRAFT TRANSLATION, NOT FOR PATIENT USE" band
on every page. Only ``docgen i18n preview`` builds :class:`DraftTranslations` and passes it
down explicitly; ``packet``, ``batch`` and the web app always go through
:func:`docgen.i18n.load_translations`, which never returns one and refuses an incomplete
catalog.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from typing import Any

from babel.messages.catalog import Catalog

from docgen.catalog import load_catalog
from docgen.languages import SOURCE_LANGUAGE
from docgen.messages import po_path, read_catalog, require_catalog
from docgen.options import DEFAULT_OPTIONS, RenderOptions
from docgen.packet import Packet, render_packet
from docgen.request import validate_record
from docgen.site import Site
from docgen.viewmodel import css_string

DRAFT_BAND = "DRAFT TRANSLATION, NOT FOR PATIENT USE"
# A fictional patient: the preview is never about a real person.
SAMPLE_RECORD: Mapping[str, str] = {
    "mrn": "0000000", "family_name": "Sample", "given_name": "Alex", "dob": "1970-01-01",
    "procedure": "discectomy", "levels": "L4-L5", "side": "left",
    "surgery_at": "2026-12-02T08:30", "interpreter": "yes",
}  # fmt: skip


def untranslated(message: str) -> str:
    """How an untranslated message shows in the draft: visibly English."""
    return f"[EN: {message}]"


class DraftTranslations(gettext.NullTranslations):
    """The translated, non-fuzzy entries of a catalog; everything else marked as English."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self._plural = gettext.c2py(catalog.plural_expr)
        self._strings: dict[tuple[str | None, str], Any] = {}
        for message in catalog:
            raw = message.string
            strings = raw if isinstance(raw, list | tuple) else [raw]
            if message.id and not message.fuzzy and all(strings):
                key = message.id[0] if isinstance(message.id, list | tuple) else message.id
                self._strings[(message.context, str(key))] = message.string

    def _find(self, context: str | None, singular: str, plural: str | None, n: int) -> str:
        found = self._strings.get((context, singular))
        if found is None:
            return untranslated(singular if plural is None or n == 1 else plural)
        if isinstance(found, list | tuple):
            return str(found[min(self._plural(n), len(found) - 1)])
        return str(found)

    def gettext(self, message: str) -> str:
        return self._find(None, message, None, 1)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._find(None, msgid1, msgid2, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._find(context, message, None, 1)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self._find(context, msgid1, msgid2, n)

    def mark_page(self, html: str) -> str:
        """Add the draft band at the foot of every page (a page margin box)."""
        style = (
            "<style>@page { @bottom-center { content: " + css_string(DRAFT_BAND) + "; "
            "color: #b00000; font-weight: bold; font-size: 9pt; "
            'font-family: "Noto Sans"; border: 1.5pt solid #b00000; } }</style>'
        )
        return html.replace("</head>", style + "</head>", 1)


def draft_translations(site: Site, language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    require_catalog(site.resources, language)
    return DraftTranslations(read_catalog(po_path(site.resources, language)))


def render_preview(
    site: Site,
    language: str,
    changes: Mapping[str, str] | None = None,
    options: RenderOptions = DEFAULT_OPTIONS,
) -> Packet:
    """A draft packet for a fictional patient in ``language``, complete catalog or not."""
    translations = draft_translations(site, language)
    record = {**SAMPLE_RECORD, **(changes or {}), "language": language}
    request = validate_record(record, load_catalog(site.resources.procedures), site)
    return render_packet(request, site, options, translations=translations)
