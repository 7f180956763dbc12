"""The patient's identity stays on the page, inside the header, in reading order (issue 14).

Positions are read back from the rendered PDF: every character of the name, the date of
birth and the MRN must be inside the sheet (clear of the printer's edge), inside the
running header above the body, and nothing may be drawn over the page code.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from docgen.catalog import Catalog
from docgen.i18n import Formatter
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.site import Site
from docgen.stamp import CODE_SIDE, CODE_SIZE, CODE_TOP
from tests.conftest import record
from tests.hostile.pdfwords import HEADER, MM, Page, overlaps, read_pages, span

WIDE_LATIN = "W"
WIDE_ARABIC = "ضص"  # among the widest letters of Noto Naskh Arabic
DOB = date(1960, 5, 14)


def code_box(page: Page, right_to_left: bool) -> tuple[float, float, float, float]:
    left = page.width - CODE_SIDE - CODE_SIZE if right_to_left else CODE_SIDE
    bottom = page.height - CODE_TOP - CODE_SIZE
    return (left, bottom, left + CODE_SIZE, bottom + CODE_SIZE)


def render_pdf(site: Site, catalog: Catalog, paper: str = "A4", large: bool = False,
               kinds: tuple[str, ...] = ("preop",), **changes: Any) -> bytes:  # fmt: skip
    chosen = dataclasses.replace(site, paper=paper)
    request = validate_record(record(**changes), catalog, chosen)
    options = RenderOptions(documents=kinds, large_print=large)
    return render_packet(request, chosen, options).pdf


def assert_identity_on_every_page(pdf: bytes, family: str, given: str, mrn: str,
                                  language: str) -> None:  # fmt: skip
    dob = Formatter(language).long_date(DOB)
    right_to_left = language == "ar"
    for number, page in enumerate(read_pages(pdf), start=1):
        header_bottom = page.height - HEADER
        # pdfium may read an Arabic date's words in another order than they are drawn in
        # (a neutral ":" before the date is read after its first number): the date's words
        # are looked for one by one; where they sit is checked all the same.
        for value in (family, given, mrn, *(dob.split() if right_to_left else [dob])):
            found = page.find(value)
            assert found, f"page {number}: {value[:12]!r}... not printed"
            glyphs = found[0]
            left, bottom, right, top = span(glyphs)
            assert left >= 5 * MM and right <= page.width - 5 * MM, f"page {number}: off the side"
            assert top <= page.height - 4 * MM, f"page {number}: off the top edge"
            assert bottom >= header_bottom - 1, f"page {number}: below the header"
        code = code_box(page, right_to_left)
        drawn_over = [g.char for g in page.glyphs if overlaps(span((g,)), code)]
        assert not drawn_over, f"page {number}: text over the page code: {drawn_over[:10]}"


@pytest.mark.parametrize("length", [20, 40, 70, 100])
def test_long_unbroken_family_name_stays_in_the_header(site: Site, catalog: Catalog,
                                                       length: int) -> None:  # fmt: skip
    family = WIDE_LATIN * length
    pdf = render_pdf(site, catalog, family_name=family, given_name="Robin")
    assert_identity_on_every_page(pdf, family, "Robin", "0004567", "en")


@pytest.mark.parametrize(
    ("language", "paper", "large"),
    [("en", "letter", True), ("ar", "A4", False), ("ar", "letter", True), ("fr", "A4", True),
     ("tr", "letter", False), ("de", "A4", False), ("es", "letter", False)],
)  # fmt: skip
def test_longest_names_and_mrn_in_every_language(site: Site, catalog: Catalog, language: str,
                                                 paper: str, large: bool) -> None:  # fmt: skip
    letter = WIDE_ARABIC if language == "ar" else WIDE_LATIN
    family, given, mrn = (letter * 100)[:100], (letter * 100)[:100], "W" * 32
    pdf = render_pdf(site, catalog, paper, large, kinds=("consent", "preop", "discharge"),
                     family_name=family, given_name=given, mrn=mrn, language=language)
    assert_identity_on_every_page(pdf, family, given, mrn, language)


def name_order(page: Page, family: str, given: str) -> tuple[float, float, float]:
    """x centres of the family name, the comma between the names, and the given name."""
    family_glyphs = span(page.find(family)[0])
    given_glyphs = span(page.find(given)[0])
    header = page.height - HEADER
    commas = [g for g in page.glyphs if g.char in ",،" and g.bottom > header
              and min(family_glyphs[0], given_glyphs[0]) < g.centre_x
              < max(family_glyphs[2], given_glyphs[2])]  # fmt: skip
    assert len(commas) == 1
    return ((family_glyphs[0] + family_glyphs[2]) / 2, commas[0].centre_x,
            (given_glyphs[0] + given_glyphs[2]) / 2)  # fmt: skip


@pytest.mark.parametrize("language", ["ar", "en"])
def test_latin_name_reads_left_to_right_on_every_page(render: Any, language: str) -> None:
    pages = read_pages(render(language=language, family_name="EXAMPLE",
                              given_name="Alex").packet.pdf)  # fmt: skip
    for page in pages:
        family, comma, given = name_order(page, "EXAMPLE", "Alex")
        assert family < comma < given  # "EXAMPLE, Alex", never "Alex ,EXAMPLE"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_arabic_name_reads_right_to_left_on_every_page(render: Any, language: str) -> None:
    pages = read_pages(render(language=language, family_name="حداد",
                              given_name="سمير").packet.pdf)  # fmt: skip
    for page in pages:
        family, comma, given = name_order(page, "حداد", "سمير")
        assert family > comma > given  # family name first for a right-to-left reader


def test_ltr_values_keep_their_order_in_arabic(render: Any) -> None:
    """MRN, levels and phone numbers read left to right inside Arabic sentences."""
    packet = render(language="ar", mrn="AB-0042", levels="L4-L5;L5-S1")
    pages = [" ".join(page.visual_lines()) for page in read_pages(packet.packet.pdf)]
    assert all("AB-0042" in page for page in pages)
    text = " ".join(pages)
    assert "L4–L5" in text and "L5–S1" in text
    assert "01632960100" in text


def test_level_and_region_joined_with_the_languages_comma(render: Any) -> None:
    arabic = render(language="ar", kinds=("consent",)).document_text("consent")
    english = render(kinds=("consent",)).document_text("consent")
    assert "، " in arabic.split("L4–L5", 1)[1][:30] or "،" in arabic
    assert "L4–L5, lumbar spine (lower back)" in english
