"""Issue 11: the render cache (SPEC §11). A packet's bytes do not depend on the cache; the
cache key follows every file the body is made from; a damaged entry is never printed."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from docgen.body import Body
from docgen.cache import RenderCache
from docgen.catalog import load_catalog
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.resources import Resources
from docgen.site import Site
from tests.conftest import key_times, pages_text, record

CASES = [
    pytest.param({}, RenderOptions(), id="en"),
    pytest.param({"language": "ar", "family_name": "الحداد", "given_name": "محمد"},
                 RenderOptions(), id="ar"),
    pytest.param({"language": "de", "procedure": "discectomy", "levels": "C5-C6",
                  "side": "right", "surgeon": "Dr Jo Surgeon"},
                 RenderOptions(large_print=True), id="de-large-print"),
    pytest.param({"language": "es"}, RenderOptions(consent_copies=("patient", "record")),
                 id="es-copies"),
    pytest.param({"language": "fr", "procedure": "endoscopic-discectomy", "side": "left",
                  "surgery_at": "2026-12-02T14:30"}, RenderOptions(), id="fr-afternoon"),
    pytest.param({"language": "tr", "levels": "T7-T8"}, RenderOptions(large_print=True),
                 id="tr-thoracic-large-print"),
]


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def entries(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize(("changes", "options"), CASES)
def test_no_cache_cold_and_warm_give_identical_bytes(
    tmp_path: Path, site: Site, catalog: Any, changes: dict[str, str], options: RenderOptions
) -> None:
    request = validate_record(record(**changes), catalog, site)
    cache = RenderCache(tmp_path / "cache")
    without = render_packet(request, site, options).pdf
    cold = render_packet(request, site, options, cache=cache).pdf
    stored = entries(tmp_path / "cache")
    warm = render_packet(request, site, options, cache=cache).pdf
    assert len(stored) == 1 and entries(tmp_path / "cache") == stored
    assert without == cold == warm
    name = f"{request.family_name}, {request.given_name}"
    assert all(name in page for page in pages_text(warm))


def test_one_entry_serves_every_patient_with_the_same_body(
    tmp_path: Path, site: Site, catalog: Any
) -> None:
    cache = RenderCache(tmp_path / "cache")
    # Another patient, day and time, on the same list (morning): the same body.
    first = validate_record(record(surgeon="Dr Jo Surgeon"), catalog, site)
    second = validate_record(record(mrn="99887766", family_name="Okonkwo", given_name="Ada",
                                    dob="1948-02-29", surgery_at="2026-12-03T09:45",
                                    surgeon="Dr Lee"), catalog, site)  # fmt: skip
    one = render_packet(first, site, cache=cache)
    two = render_packet(second, site, cache=cache)
    assert len(entries(tmp_path / "cache")) == 1
    pages_one, pages_two = pages_text(one.pdf), pages_text(two.pdf)
    assert all("Testperson, Robin" in page and "Okonkwo" not in page for page in pages_one)
    assert all("Okonkwo, Ada" in page and "Testperson" not in page for page in pages_two)
    assert all("29 February 1948" in page and "99887766" in page for page in pages_two)
    # Values are read where they are printed: right after their label, in reading order.
    consent = " ".join(pages_two[:2])
    assert "Practitioner Dr Lee Planned for Thursday, 3 December 2026 at 09:45" in consent
    assert "Practitioner Dr Jo Surgeon Planned for Wednesday, 2 December 2026 at 08:30" in (
        pages_one[0]
    )
    assert key_times(two.pdf)["Last food"] == "midnight at the end of Wednesday, 2 December 2026"
    assert two.codes[0].text.startswith("99887766|DEMO-CONS-NUC|2.2|1/")


def test_a_packet_is_its_body_unchanged_then_the_patient_appended(
    tmp_path: Path, site: Site, catalog: Any
) -> None:
    """docgen.compose appends (docgen.append): the laid-out pages' bytes come first, as they
    are in the cache, and the patient's values only in the update after them."""
    cache = RenderCache(tmp_path / "cache")
    request = validate_record(record(language="ar", family_name="الحداد", given_name="محمد",
                                     mrn="55667788"), catalog, site)  # fmt: skip
    pdf = render_packet(request, site, cache=cache).pdf
    (entry,) = entries(tmp_path / "cache")
    stored = cache.get(entry.name)
    assert stored is not None
    body = Body.from_bytes(stored)
    base = body.pdf if body.pdf.endswith(b"\n") else body.pdf + b"\n"
    assert pdf.startswith(base) and b"55667788" not in base
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert document.check_pdf_syntax() == []
        assert len(document.pages) == len(body.reserved.codes)
        assert str(document.docinfo.CreationDate) == "D:20260921141320Z"  # SOURCE_DATE_EPOCH
    assert pdf.count(b"startxref") == 2  # the body's cross-references, then the update's
    first_page = pages_text(pdf)[0]
    assert "الحداد" in first_page and "55667788" in first_page


def test_a_damaged_entry_is_laid_out_again_never_printed(
    tmp_path: Path, site: Site, catalog: Any
) -> None:
    request = validate_record(record(), catalog, site)
    cache = RenderCache(tmp_path / "cache")
    good = render_packet(request, site, cache=cache).pdf
    (entry,) = entries(tmp_path / "cache")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert render_packet(request, site, cache=cache).pdf == good
    assert cache.get(entry.name) is not None  # stored again, whole
    # An entry that passes its hash but is not a body (another format) is laid out again.
    cache.put(entry.name, b"not a body")
    assert render_packet(request, site, cache=cache).pdf == good


def copy_resources(site: Site, folder: Path) -> Site:
    templates, locales = folder / "templates", folder / "locales"
    shutil.copytree(site.resources.templates, templates)
    shutil.copytree(site.resources.locales, locales)
    return dataclasses.replace(site, resources=Resources(templates, locales))


def test_every_source_of_the_body_is_in_the_key(tmp_path: Path, site: Site) -> None:
    """Edit a procedure file, a translation, the site or the stylesheet: the next packet
    shows the change, from a new entry, in the same process too (a running web app)."""
    own = copy_resources(site, tmp_path)
    templates = own.resources.templates
    cache = RenderCache(tmp_path / "cache")

    def packet(of_site: Site, language: str = "en") -> bytes:
        # One process throughout, as a running `docgen serve`: it reads edited files again.
        catalog = load_catalog(of_site.resources.procedures)
        request = validate_record(record(language=language), catalog, of_site)
        return render_packet(request, of_site, RenderOptions(documents=("consent",)),
                             cache=cache).pdf  # fmt: skip

    before = " ".join(pages_text(packet(own)))
    procedure = templates / "procedures" / "nucleoplasty.toml"
    text = procedure.read_text(encoding="utf-8")
    assert "Local anaesthetic with light sedation" in text and "light sedation" in before
    procedure.write_text(text.replace("with light sedation", "with gentle sedation", 1),
                         encoding="utf-8")
    assert "gentle sedation" in " ".join(pages_text(packet(own)))
    assert len(entries(tmp_path / "cache")) == 2
    procedure.write_text(text, encoding="utf-8")  # the translations know the old text

    po = own.resources.locales / "es" / "LC_MESSAGES" / "docgen.po"
    spanish = " ".join(pages_text(packet(own, "es")))
    assert "Consentimiento informado" in spanish
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgstr "Consentimiento informado"', 'msgstr "Hoja de consentimiento"', 1),
        encoding="utf-8")  # fmt: skip
    assert "Hoja de consentimiento" in " ".join(pages_text(packet(own, "es")))

    letter = dataclasses.replace(own, paper="letter")
    with pikepdf.open(io.BytesIO(packet(letter))) as document:
        assert [round(float(v)) for v in document.pages[0].mediabox] == [0, 0, 612, 792]

    count = len(entries(tmp_path / "cache"))
    stylesheet = templates / "styles" / "docgen.css"
    stylesheet.write_text(stylesheet.read_text(encoding="utf-8")
                          + "\nh1 { font-size: 30pt; }\n", encoding="utf-8")  # fmt: skip
    packet(own)
    assert len(entries(tmp_path / "cache")) == count + 1


def test_the_composed_packet_stays_archival_and_tagged(site: Site, catalog: Any) -> None:
    request = validate_record(record(language="fr", surgeon="Dr Jo Surgeon"), catalog, site)
    pdf = render_packet(request, site).pdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert document.Root.MarkInfo.Marked
        assert document.Root.Lang == "fr"
        assert "/StructTreeRoot" in document.Root
        with document.open_metadata() as meta:
            assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "U"
            assert meta["xmp:CreateDate"].startswith("2026-09-21")
            assert meta["xmp:ModifyDate"] == meta["xmp:CreateDate"]  # the packet's, not the body's
            assert "Consentement" in str(meta["dc:title"]) or meta["dc:title"]
        assert str(document.docinfo.CreationDate).startswith("D:20260921")
        assert document.docinfo.ModDate == document.docinfo.CreationDate
        assert "/Filter" not in document.Root.Metadata.stream_dict  # XMP stays plain text
        for page in document.pages:  # every place the body draws is filled on its page
            drawn = pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page))
            for name in re.findall(rb"/(DocgenPlace_\d+) Do", drawn):
                form = page.Resources.XObject[f"/{name.decode()}"]
                assert form.Subtype == "/Form" and form.Resources.XObject.DocgenBand.read_bytes()
        # The practitioner is set inside the placeholder's tagged marked content, not as an
        # artifact: it is read in place by assistive technology too.
        stream = pikepdf.unparse_content_stream(
            pikepdf.parse_content_stream(document.pages[0])).decode("latin-1")
    inside = r"<< /MCID \d+ >> BDC\s+BT\s+ET\s+q\s+[-\d. ]+cm\s+/DocgenPlace_\d+ Do\s+Q"
    assert len(re.findall(inside, stream)) == 2  # the practitioner, the date and time


def test_a_long_surgeon_name_is_set_smaller_on_its_one_line(
    site: Site, catalog: Any
) -> None:
    long_name = "Dr Maximiliana Wolkenstein-Fitzgerald-Montgomery Abernathy-Smythe"
    request = validate_record(record(surgeon=long_name), catalog, site)
    pdf = render_packet(request, site, RenderOptions(documents=("consent",))).pdf
    import pypdfium2

    page = pypdfium2.PdfDocument(pdf)[0]
    text = page.get_textpage()
    found = text.search("Maximiliana").get_next()
    label = text.search("Practitioner").get_next()
    assert found and label
    value_top = text.get_charbox(found[0])[3]
    label_top = text.get_charbox(label[0])[3]
    last = text.search("Smythe").get_next()
    assert last and abs(text.get_charbox(last[0])[3] - value_top) < 1  # one line
    assert abs(value_top - label_top) < 3  # on the practitioner's row
    assert long_name in " ".join(pages_text(pdf))


def test_a_site_template_that_prints_the_patient_directly_is_never_cached(
    tmp_path: Path, site: Site, catalog: Any
) -> None:
    own = copy_resources(site, tmp_path)
    base = own.resources.templates / "documents" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "<main>", '<main><p class="who">{{ doc.patient | full_name }}</p>', 1),
        encoding="utf-8")  # fmt: skip
    cache = RenderCache(tmp_path / "cache")
    request = validate_record(record(), catalog, own)
    pdf = render_packet(request, own, RenderOptions(documents=("consent",)), cache=cache).pdf
    assert entries(tmp_path / "cache") == []  # the patient's name never reaches the cache
    assert "Testperson, Robin Consent form" in pages_text(pdf)[0]


def test_templates_without_any_slot_still_print(tmp_path: Path, site: Site,
                                                 catalog: Any) -> None:  # fmt: skip
    """A site's older templates that print every value in place: nothing to compose."""
    own = copy_resources(site, tmp_path)
    documents = own.resources.templates / "documents"
    base, macros = documents / "base.html", documents / "macros.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        '{{ slot("identity", m.identity(doc.patient), anchor="bottom") }}',
        "{{ m.identity(doc.patient) }}"), encoding="utf-8")  # fmt: skip
    macros.write_text(macros.read_text(encoding="utf-8").replace('slot("surgeon", ', "(")
                      .replace('slot("surgery_at", ', "("), encoding="utf-8")  # fmt: skip
    request = validate_record(record(surgeon="Dr Lee"), catalog, own)
    packet = render_packet(request, own, RenderOptions(documents=("discharge",)),
                           cache=RenderCache(tmp_path / "cache"))  # fmt: skip
    pages = pages_text(packet.pdf)
    assert all("Testperson, Robin" in page for page in pages)
    assert "Practitioner Dr Lee" in pages[0]
    assert entries(tmp_path / "cache") == []  # the name is in the body: never stored


def test_places_that_show_the_same_text_alike_share_one_band(site: Site) -> None:
    from markupsafe import Markup

    from docgen.layer import render_layer
    from docgen.pdf import SlotPlace

    style = "font-size: 16px; font-weight: 400; font-style: normal; line-height: 1.28; " \
            "text-align: start; direction: ltr"  # fmt: skip
    places = [SlotPlace(0, "surgery_day", "top", 100, 300, 400, 20, style),
              SlotPlace(1, "discharge_day", "top", 100, 500, 400, 20, style),
              SlotPlace(1, "surgeon", "top", 100, 540, 400, 20, style),
              SlotPlace(2, "surgery_day", "top", 100, 300, 200, 20, style)]  # fmt: skip
    values = {"surgery_day": Markup("Monday 7 December"),
              "discharge_day": Markup("Monday 7 December"), "surgeon": Markup("Dr Lee")}
    layer = render_layer(places, values, language="en", direction="ltr", large_print=False,
                         page_size=(793.7, 1122.5), templates_dir=site.resources.templates)
    # The same text in the same width and type: one band; in another width: its own.
    assert layer.band_of_place == (0, 0, 1, 2) and len(layer.bands) == 3
    text = pages_text(layer.pdf)[0]
    assert text.count("Monday 7 December") == 2 and text.count("Dr Lee") == 1
