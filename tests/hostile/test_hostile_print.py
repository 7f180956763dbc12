"""Printed for the people who read it: type sizes, room to sign, no stranded boxes (issue 14)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_raw
import pytest

from docgen.catalog import Catalog
from docgen.i18n import load_translations
from docgen.options import RenderOptions
from docgen.packet import Packet, render_packet
from docgen.request import validate_record
from docgen.site import Site
from tests.conftest import record
from tests.hostile.pdfwords import HEADER, MM, read_pages

VARIANTS = [("en", "A4"), ("ar", "A4"), ("tr", "A4"), ("en", "letter"), ("fr", "A4"),
            ("de", "letter")]  # fmt: skip


def packet(site: Site, catalog: Catalog, language: str, paper: str, **options: Any) -> Packet:
    chosen = dataclasses.replace(site, paper=paper)
    request = validate_record(record(language=language, procedure="discectomy", side="left"),
                              catalog, chosen)  # fmt: skip
    return render_packet(request, chosen, RenderOptions(**options))


def counter_sizes(pdf: bytes) -> list[float]:
    """Font size of the digits in the bottom margin ("page X of Y")."""
    sizes = []
    for page in pypdfium2.PdfDocument(pdf):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            _, bottom, _, _ = text.get_charbox(index)
            if bottom < 16 * MM and text.get_text_range(index, 1).isdigit():
                sizes.append(pdfium_raw.FPDFText_GetFontSize(text.raw, index) * 0.75)
    return sizes


@pytest.mark.parametrize(("large", "smallest"), [(False, 9.9), (True, 13.9)])
def test_page_counter_is_readable(render: Any, large: bool, smallest: float) -> None:
    pdf = render(options=RenderOptions(large_print=large)).packet.pdf
    # The largest digits down there are the counter's (the footer's form ID is smaller).
    assert max(counter_sizes(pdf)) >= smallest


@pytest.mark.parametrize(("language", "paper"), VARIANTS)
def test_statement_and_signature_share_a_page_and_no_box_is_stranded(
    site: Site, catalog: Catalog, language: str, paper: str
) -> None:
    rendered = packet(site, catalog, language, paper)
    _ = load_translations(site.resources, language).gettext
    pages = read_pages(rendered.pdf)
    consent = next(d for d in rendered.documents if d.kind == "consent")
    consent_pages = pages[consent.first_page - 1 : consent.first_page - 1 + consent.pages]
    statement = [n for n, page in enumerate(consent_pages) if page.find(_("Patient's statement"))]
    signs = [n for n, page in enumerate(consent_pages)
             if page.find(_("Patient or legal representative"))]  # fmt: skip
    assert statement and statement == signs
    for document in rendered.documents:
        if document.pages % 2 == 0:
            continue  # no blank page follows
        last = pages[document.first_page + document.pages - 2]
        body_top = last.height - HEADER
        lowest = min(g.bottom for g in last.glyphs if 17 * MM < g.bottom < body_top)
        used = (body_top - lowest) / (body_top - 17 * MM)
        assert used > 0.3, f"{document.kind}: last page before a blank holds only {used:.0%}"


def test_room_to_sign_is_15_mm(render: Any) -> None:
    """Between the statement above a signature block and its Signature label: 15 mm or more."""
    pages = read_pages(render(kinds=("consent",)).packet.pdf)
    gaps = []
    for page in pages:
        for label in page.find("Signature"):
            after = page.glyphs.index(label[-1]) + 1
            if after < len(page.glyphs) and page.glyphs[after].char == "s":
                continue  # the heading "Signatures"
            label_bottom, label_top = min(g.bottom for g in label), max(g.top for g in label)
            above = [g.bottom for g in page.glyphs if g.bottom > label_top]
            if above:
                gaps.append(min(above) - label_bottom)
    assert gaps and min(gaps) >= 15 * MM - 1


def test_times_and_dates_keep_number_and_word_together(render: Any) -> None:
    """'9:00 ص' / '2 December 2026' never split across lines: printed with no-break spaces."""
    html_pages = render(language="ar", surgery_at="2026-12-02T14:30").pages
    assert html_pages  # rendered
    from docgen.html import date_text

    assert str(date_text("2:30 م")) == "\u20682:30\u00a0م\u2069"
    assert str(date_text("Wednesday, 2 December 2026")) == (
        "\u2068Wednesday,\u00a02\u00a0December\u00a02026\u2069"
    )
