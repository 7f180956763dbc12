"""Site configuration: the demo default, a hospital's own SITE.toml, and its mistakes."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from docgen.errors import ConfigError
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.site import load_site
from docgen.viewmodel import DOCUMENT_FORMS
from tests.conftest import record

DEMO = load_site().resources.templates / "sites" / "demo.toml"


def site_file(tmp_path: Path, extra: str = "", replace: tuple[str, str] = ("", "")) -> Path:
    path = tmp_path / "site.toml"
    text = DEMO.read_text(encoding="utf-8")
    if replace[0]:
        text = text.replace(*replace)
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_the_demo_site_is_clearly_fictional() -> None:
    site = load_site()
    assert site.name == "Riverside Demo Hospital"
    assert site.phone_day.startswith("01632 960")  # the UK range reserved for fiction
    assert (site.paper, site.staff_language, site.arrival_lead_minutes) == ("A4", "en", 60)


def test_a_logo_is_embedded_from_the_site_folder(tmp_path: Path, catalog: Any) -> None:
    Image.new("RGB", (120, 40), (0, 90, 160)).save(tmp_path / "logo.png")
    site = load_site(site_file(tmp_path, '\nlogo = "logo.png"\n'))
    assert site.logo_data_uri and site.logo_data_uri.startswith("data:image/png;base64,")
    pdf = render_packet(validate_record(record(), catalog, site), site).pdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            images = [name for name, obj in page.get_images().items() if obj.Subtype == "/Image"]
            assert len(images) == 1


@pytest.mark.parametrize(
    ("extra", "replace", "message"),
    [
        ('\nward = "7B"\n', ("", ""), "site site.toml: unknown keys ['ward']"),
        (
            "",
            ('timezone = "Europe/London"', 'timezone = "Mars/Olympus"'),
            "site site.toml: timezone is not a known IANA time zone",
        ),
        (
            "",
            ("arrival_lead_minutes = 60", "arrival_lead_minutes = -5"),
            "site site.toml: arrival_lead_minutes must be a whole number from 0 to 240",
        ),
        ('\nlogo = "missing.png"\n', ("", ""), "site site.toml: logo file not found: missing.png"),
        (
            "",
            ('staff_language = "en"', 'staff_language = "english"'),
            "site site.toml: staff_language must be a language code: en, ar, de, es, fr, tr",
        ),
        (
            "",
            ("arrival_lead_minutes = 60", "arrival_lead_minutes = true"),
            "site site.toml: arrival_lead_minutes must be a whole number from 0 to 240",
        ),
        (
            "",
            ('form_prefix = "DEMO"', 'form_prefix = "DE|MO"'),
            "site site.toml: form_prefix must be 1 to 12 letters, digits or hyphens",
        ),
        (
            "",
            ('form_prefix = "DEMO"', 'form_prefix = "RIVERSIDE-DEMO"'),
            "site site.toml: form_prefix must be 1 to 12 letters, digits or hyphens",
        ),
        (
            "",
            ('name = "Riverside Demo Hospital"', 'name = "Riverside \u202eDemo"'),
            "site site.toml: name contains an invisible control or direction character (U+202E)",
        ),
        (
            '\n[notes]\ndischarge = {en = "Park\u2067ing"}\n',
            ("", ""),
            "site site.toml: notes.discharge.en contains an invisible control or direction "
            "character (U+2067)",
        ),
        (
            "\nprivate_files = 1\n",
            ("", ""),
            "site site.toml: private_files must be true or false",
        ),
        (
            "",
            ('name = "Riverside Demo Hospital"', 'name = ""'),
            "site site.toml: name must be a text, or a table of texts by language",
        ),
        ("\n[broken\n", ("", ""), "site site.toml: not valid TOML"),
    ],
)
def test_configuration_mistakes_are_one_line(
    tmp_path: Path, extra: str, replace: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_site(site_file(tmp_path, extra, replace))
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == 2


def test_arrival_time_follows_the_site(tmp_path: Path, catalog: Any) -> None:
    from tests.conftest import key_times

    site = load_site(site_file(tmp_path, replace=("arrival_lead_minutes = 60",
                                                  "arrival_lead_minutes = 90")))  # fmt: skip
    from docgen.options import RenderOptions

    pdf = render_packet(validate_record(record(), catalog, site), site,
                        RenderOptions(documents=("preop",))).pdf  # fmt: skip
    assert key_times(pdf)["Please arrive at"] == "07:00"


def test_file_mode_follows_the_umask_unless_the_site_wants_private_files(tmp_path: Path) -> None:
    import os

    previous = os.umask(0o027)
    try:
        assert load_site().file_mode == 0o640
        private = load_site(site_file(tmp_path, "\nprivate_files = true\n"))
        assert private.file_mode == 0o600
    finally:
        os.umask(previous)


def test_site_notes_are_printed_in_their_document_and_language(tmp_path: Path,
                                                               catalog: Any) -> None:  # fmt: skip
    from tests.conftest import pages_text

    site = load_site(site_file(tmp_path, (
        '\n[notes]\ndischarge = {en = "Free parking for collectors at gate C.", '
        'es = "Aparcamiento gratuito en la puerta C."}\n'
        'preop = "Bring this sheet with you."\n'
    )))  # fmt: skip

    def texts(language: str) -> dict[str, str]:
        packet = render_packet(validate_record(record(language=language), catalog, site), site)
        pages = pages_text(packet.pdf)
        return {d.kind: " ".join(pages[d.first_page - 1 : d.first_page - 1 + d.pages])
                for d in packet.documents}  # fmt: skip

    english = texts("en")
    assert "Free parking for collectors at gate C." in english["discharge"]
    assert "Bring this sheet with you." in english["preop"]
    assert "gate C" not in english["consent"] and "this sheet" not in english["consent"]
    spanish = texts("es")
    assert "Aparcamiento gratuito en la puerta C." in spanish["discharge"]
    assert "gate C" not in " ".join(spanish.values())  # never English in a Spanish packet


def test_a_site_overrides_single_template_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                catalog: Any) -> None:  # fmt: skip
    from docgen.catalog import load_catalog
    from docgen.options import RenderOptions
    from tests.conftest import pages_text

    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    bundled = load_site().resources.templates
    own = tmp_path / "own"
    (own / "documents").mkdir(parents=True)
    (own / "procedures").mkdir()
    discharge = (bundled / "documents" / "discharge.html").read_text(encoding="utf-8")
    (own / "documents" / "discharge.html").write_text(discharge.replace(
        "{% block content %}", "{% block content %}<p>Ward 7B own leaflet.</p>", 1
    ), encoding="utf-8")  # fmt: skip
    entry = (bundled / "procedures" / "nucleoplasty.toml").read_text(encoding="utf-8")
    (own / "procedures" / "nucleoplasty.toml").write_text(
        re.sub(r'revision = "\d+"', 'revision = "0"', entry, count=1), encoding="utf-8"
    )
    bundled_revision = load_catalog().get("nucleoplasty").revision
    site = load_site(site_file(tmp_path, '\ntemplates_dir = "own"\n'))
    assert site.warnings == (
        "site site.toml: procedures/nucleoplasty.toml is revision 0; docgen bundles revision "
        f"{bundled_revision}: review the changes",
    )
    assert site.resources.templates != own and site.resources.templates != bundled
    request = validate_record(record(), load_catalog(site.resources.procedures), site)
    packet = render_packet(request, site, RenderOptions(documents=("consent", "discharge")))
    pages = pages_text(packet.pdf)
    second = packet.documents[1]
    consent = pages[: packet.documents[0].pages]
    discharge_pages = pages[second.first_page - 1 : second.first_page - 1 + second.pages]
    assert "Ward 7B own leaflet." in " ".join(discharge_pages)
    assert "Ward 7B" not in " ".join(consent)
    layout = DOCUMENT_FORMS["consent"].revision
    assert f"Form DEMO-CONS-NUC · revision {layout}.0" in consent[0]  # the site's own revision
    # the same folder again: the prepared templates are reused, not copied again
    assert load_site(site_file(tmp_path, '\ntemplates_dir = "own"\n')).resources == site.resources
