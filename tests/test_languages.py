"""Packets in every shipped language: no English left, locale dates, right-to-left Arabic."""

from __future__ import annotations

import io
import re
from typing import Any

import pikepdf
import pytest

from docgen.catalog import load_catalog
from docgen.html import render_html
from docgen.request import validate_record
from docgen.viewmodel import build_views
from tests.conftest import record

PROCEDURES = [(p.id, None if p.id == "nucleoplasty" else "right") for p in load_catalog()]
# Words that occur in almost any English sentence and in none of the other languages' text.
ENGLISH = {"the", "and", "you", "your", "with", "this", "that", "have", "are", "not", "from",
           "after", "before", "of", "to", "or", "if", "it", "is", "be", "at"}  # fmt: skip
# Text that is the same in every language: site data, patient data, identifiers.
SHARED = re.compile(
    r"Riverside Demo Hospital|Spine Day-Surgery Unit|1 Example Way|Demotown DT1 0AA|"
    r"Testperson|Robin|DEMO-\w+-\w+"
)
ABSTINENCE_DATE = {
    "es": "30 de noviembre de 2026",
    "tr": "30 Kasım 2026",
    "de": "30. November 2026",
    "fr": "30 novembre 2026",
}


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]+", SHARED.sub(" ", text)) if w.lower() in ENGLISH]


@pytest.mark.parametrize("language", ["es", "tr", "de", "fr", "ar"])
@pytest.mark.parametrize(("procedure", "side"), PROCEDURES)
def test_packet_is_entirely_in_its_language(
    render: Any, language: str, procedure: str, side: str | None
) -> None:
    packet = render(language=language, procedure=procedure, side=side)
    text = " ".join(packet.pages)
    for info in packet.packet.documents:  # hex digits such as "be" are not English
        text = text.replace(info.fingerprint, " ")
    assert english_words(text) == []
    if language in ABSTINENCE_DATE:
        assert ABSTINENCE_DATE[language] in packet.document_text("preop")
    else:
        assert "نوفمبر" in packet.document_text("preop") and "30" in text
    with pikepdf.open(io.BytesIO(packet.packet.pdf)) as pdf:
        assert str(pdf.Root.Lang) == language


def test_english_packet_is_the_baseline(render: Any) -> None:
    """The stop-word count does detect English: an English packet is full of it."""
    assert len(english_words(" ".join(render().pages))) > 200


def test_arabic_documents_are_right_to_left(site: Any, catalog: Any) -> None:
    request = validate_record(record(language="ar", family_name="الحسن"), catalog, site)
    for view in build_views(request, site):
        html = render_html(view, site.resources)
        assert '<html lang="ar" dir="rtl">' in html
        assert "\u2066" + view.patient.mrn + "\u2069" in html  # MRN kept left-to-right


def test_turkish_document_language_is_set(site: Any, catalog: Any) -> None:
    request = validate_record(record(language="tr"), catalog, site)
    html = render_html(build_views(request, site)[0], site.resources)
    assert '<html lang="tr" dir="ltr">' in html


def test_arabic_page_code_sits_at_the_reading_start(render: Any) -> None:
    from tests.test_print import decode_codes

    packet = render(language="ar", kinds=("discharge",))
    import pypdfium2
    import zxingcpp

    page = pypdfium2.PdfDocument(packet.packet.pdf)[0]
    image = page.render(scale=200 / 72).to_pil()
    (found,) = zxingcpp.read_barcodes(image)
    assert found.position.top_left.x > image.width / 2  # on the right, as Arabic reads
    assert decode_codes(packet.packet.pdf)[0] == [packet.packet.codes[0].text]
