"""Layout: large print, marked consent copies, unsplit signature blocks, A4 and Letter."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_raw
import pytest

from docgen.catalog import load_catalog
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.site import load_site
from tests.conftest import pages_text, record

MM = 72 / 25.4


def body_font_sizes(pdf: bytes) -> list[float]:
    """Font sizes in points of every character between the running header and footer."""
    sizes = []
    for page in pypdfium2.PdfDocument(pdf):
        height = page.get_height()
        text = page.get_textpage()
        for index in range(text.count_chars()):
            if text.get_text_range(index, 1).isspace():
                continue
            _, bottom, _, top = text.get_charbox(index)
            if top > height - 34 * MM or bottom < 18 * MM:
                continue  # running header / footer (staff and scanner information)
            # WeasyPrint draws in CSS pixels scaled by 0.75: pdfium reports pixel sizes.
            sizes.append(pdfium_raw.FPDFText_GetFontSize(text.raw, index) * 0.75)
    return sizes


@pytest.mark.parametrize("language", ["en", "ar"])
def test_large_print_is_16_points_or_more(render: Any, language: str) -> None:
    normal = body_font_sizes(render(language=language).packet.pdf)
    large = body_font_sizes(render(language=language,
                                   options=RenderOptions(large_print=True)).packet.pdf)  # fmt: skip
    assert min(normal) >= (12.9 if language == "ar" else 11.9)  # clear print (issue 14)
    assert min(large) >= 15.9
    assert len(render(options=RenderOptions(large_print=True)).pages) > len(render().pages)


def test_large_print_pages_stay_labelled_and_numbered(render: Any) -> None:
    packet = render(options=RenderOptions(large_print=True))
    for info in packet.packet.documents:
        for number, text in enumerate(packet.document_pages(info.kind), start=1):
            assert "Testperson, Robin" in text and f"Page {number} of {info.pages}" in text


def test_consent_in_marked_copies(render: Any) -> None:
    packet = render(options=RenderOptions(documents=("consent",),
                                          consent_copies=("patient", "record")))  # fmt: skip
    documents = packet.packet.documents
    assert [(d.kind, d.copy) for d in documents] == [("consent", "patient"), ("consent", "record")]
    first, second = documents
    assert second.first_page % 2 == 1
    for page in packet.pages[first.first_page - 1 : first.first_page - 1 + first.pages]:
        assert "Patient copy" in page and "medical record" not in page
    for page in packet.pages[second.first_page - 1 : second.first_page - 1 + second.pages]:
        assert "Copy for the medical record" in page


SIGNATURE_BLOCKS = [
    ("Patient or legal representative", ["Signature", "Name", "Relationship to the patient",
                                         "Date", "Time"]),
    ("Clinician taking consent", ["Signature", "Name", "Role", "Date", "Time"]),
    ("Witness", ["Signature", "Name", "Date", "Time"]),
    ("Consent checked again on the day", ["Signature", "Name", "Role", "Date", "Time"]),
]  # fmt: skip


def test_signature_blocks_never_split(tmp_path: Path) -> None:
    """Longer and longer procedure text pushes each block across a page boundary."""
    templates = tmp_path / "templates"
    shutil.copytree(load_site().resources.templates, templates)
    entry = templates / "procedures" / "nucleoplasty.toml"
    original = entry.read_text(encoding="utf-8")
    site_file = tmp_path / "site.toml"
    demo = (templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    site_file.write_text(demo + '\ntemplates_dir = "templates"\n', encoding="utf-8")
    site = load_site(site_file)
    options = RenderOptions(documents=("consent",))
    for extra in range(0, 26, 2):
        filler = "".join(f'  "Extra line {n} of filler text.",\n' for n in range(extra))
        entry.write_text(original.replace("indications = [\n", "indications = [\n" + filler, 1),
                         encoding="utf-8")  # fmt: skip
        catalog = load_catalog(site.resources.procedures)
        request = validate_record(record(), catalog, site)
        pages = pages_text(render_packet(request, site, options).pdf)
        for heading, labels in SIGNATURE_BLOCKS:
            (page,) = [p for p in pages if heading in p]
            position = page.index(heading)
            for label in labels:
                position = page.find(label, position + 1)
                assert position > 0, (extra, heading, label)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_paper_sizes_lay_out_within_the_page(tmp_path: Path, paper: str, language: str) -> None:
    demo = load_site().resources.templates / "sites" / "demo.toml"
    site_file = tmp_path / "site.toml"
    site_file.write_text(demo.read_text(encoding="utf-8").replace('paper = "A4"',
                                                                  f'paper = "{paper}"'),
                         encoding="utf-8")  # fmt: skip
    site = load_site(site_file)
    request = validate_record(record(language=language, procedure="discectomy", side="left"),
                              load_catalog(), site)  # fmt: skip
    pdf = render_packet(request, site).pdf
    expected = {"A4": (595, 842), "Letter": (612, 792)}[paper]
    for page in pypdfium2.PdfDocument(pdf):
        width, height = page.get_size()
        assert (round(width), round(height)) == expected
        text = page.get_textpage()
        for index in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(index)
            if right > left:  # drawn characters only
                assert left > 10 * MM and right < width - 10 * MM, (paper, index)
                assert bottom > 5 * MM and top < height - 5 * MM
