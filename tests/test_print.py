"""Print and archive: duplex-safe packets, page codes, PDF/A, reproducible bytes."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pypdfium2
import pytest
import zxingcpp

from docgen.viewmodel import content_fingerprint


def decode_codes(pdf: bytes, dpi: int = 200) -> list[list[str]]:
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil()
        found.append([result.text for result in zxingcpp.read_barcodes(image)])
    return found


def test_every_page_carries_a_readable_code(render: Any) -> None:
    packet = render(procedure="discectomy", side="left")
    decoded = decode_codes(packet.packet.pdf)
    assert decoded == [[code.text] for code in packet.packet.codes]
    consent = next(d for d in packet.packet.documents if d.kind == "consent")
    assert decoded[0] == [f"0004567|{consent.form_id}|{consent.revision}|1/{consent.pages}"]
    for info in packet.packet.documents:
        for number in range(1, info.pages + 1):
            expected = f"0004567|{info.form_id}|{info.revision}|{number}/{info.pages}"
            assert decoded[info.first_page - 1 + number - 1] == [expected]


def test_documents_start_on_odd_pages_with_labelled_blank_pages(render: Any) -> None:
    for changes in ({}, {"levels": "C5-C6"}, {"procedure": "percutaneous-discectomy",
                                                "side": "left"}):  # fmt: skip
        packet = render(**changes)
        assert packet.packet.pages % 2 == 0
        for info in packet.packet.documents:
            assert info.first_page % 2 == 1
        for index, code in enumerate(packet.packet.codes):
            if code.page is None:
                page = packet.pages[index]
                assert "This page is intentionally left blank." in page
                assert "Testperson, Robin" in page and "0004567" in page
                assert f"Form {code.form_id}" in page
                assert "Page " not in page


def test_packets_are_tagged_pdf_a_with_metadata(render: Any) -> None:
    packet = render()
    with pikepdf.open(io.BytesIO(packet.packet.pdf)) as pdf:
        assert pdf.check_pdf_syntax() == []  # qpdf's structural check
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "3U"
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert "Consent form" in str(pdf.docinfo.Title)
        assert str(pdf.docinfo.Author) == "Riverside Demo Hospital"
        assert "DEMO-CONS-NUC rev. 2.2" in str(pdf.docinfo.Subject)
        fingerprint = packet.packet.documents[0].fingerprint
        assert f"fingerprint:{fingerprint}" in str(pdf.docinfo.Keywords)
    assert all(fingerprint in page for page in packet.pages)


def test_same_input_gives_identical_bytes(render: Any, site: Any, catalog: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from docgen.packet import render_packet
    from docgen.request import validate_record
    from tests.conftest import record

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    request = validate_record(record(), catalog, site)
    first = render_packet(request, site).pdf
    second = render_packet(request, site).pdf
    assert first == second
    with pikepdf.open(io.BytesIO(first)) as pdf:
        assert str(pdf.docinfo.CreationDate).startswith("D:20260921")


def test_fingerprint_follows_the_text_in_force(tmp_path: Any, site: Any) -> None:
    import shutil

    from docgen.resources import Resources

    locales = tmp_path / "locales"
    shutil.copytree(site.resources.locales, locales)
    resources = Resources(site.resources.templates, locales)
    before = content_fingerprint(resources, "entry", "tr")
    po = locales / "tr" / "LC_MESSAGES" / "docgen.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Tanık"', 'msgstr "Tanığı"', 1), encoding="utf-8")
    assert text != po.read_text(encoding="utf-8")
    assert content_fingerprint(resources, "entry", "tr") != before
    assert content_fingerprint(resources, "other entry", "tr") != before
