"""Clinical sign-off per site (approval band, require_approval, manifest), the review
document, and the staff locale (en_US dates and clock)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.cli import cli
from docgen.errors import ConfigError, DocgenError
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.site import load_site
from tests.conftest import key_times, pages_text, record

DEMO = load_site().resources.templates / "sites" / "demo.toml"
BAND = "NOT APPROVED FOR CLINICAL USE AT Riverside Demo Hospital"
APPROVAL = """
[[approvals]]
procedure = "nucleoplasty"
revision = "2"
languages = {languages}
approved_by = "Dr A. Lead, clinical lead"
approved_on = 2026-11-20
"""


def site_file(tmp_path: Path, extra: str = "", top: str = "") -> Path:
    path = tmp_path / "site.toml"
    path.write_text(top + DEMO.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_demo_site_approves_nothing_so_every_page_carries_the_band(render: Any) -> None:
    rendered = render()
    assert not rendered.packet.approved
    assert all(BAND in page for page in rendered.pages)


def test_approved_revision_and_language_print_no_band(tmp_path: Path, catalog: Any) -> None:
    site = load_site(site_file(tmp_path, APPROVAL.format(languages='["en", "es"]')))
    packet = render_packet(validate_record(record(), catalog, site), site)
    assert packet.approved
    assert not any("NOT APPROVED" in page for page in pages_text(packet.pdf))
    other = render_packet(validate_record(record(language="tr"), catalog, site), site)
    assert not other.approved  # Turkish was not signed off
    assert "ONAYLANMAMIŞTIR" in " ".join(pages_text(other.pdf))


def test_require_approval_refuses(tmp_path: Path, catalog: Any) -> None:
    strict = load_site(site_file(tmp_path, APPROVAL.format(languages='["en"]'),
                                 top="require_approval = true\n"))  # fmt: skip
    render_packet(validate_record(record(), catalog, strict), strict)  # approved: printed
    with pytest.raises(DocgenError) as language:
        render_packet(validate_record(record(language="es"), catalog, strict), strict)
    assert str(language.value) == "language: es is not approved for nucleoplasty revision 2 " \
        "at this site"
    with pytest.raises(DocgenError) as procedure:
        request = validate_record(record(procedure="discectomy", side="left"), catalog, strict)
        render_packet(request, strict)
    assert str(procedure.value) == (
        "procedure: discectomy revision 2 is not approved for clinical use at this site"
    )


def test_batch_manifest_says_not_approved(tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.csv"
    columns = ["mrn", "family_name", "given_name", "dob", "procedure", "levels",
               "surgery_at", "language"]  # fmt: skip
    row = record()
    schedule.write_text(
        ",".join(columns) + "\n" + ",".join(str(row[c]) for c in columns) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["batch", str(schedule), "-o", str(tmp_path / "out"),
                                      "--jobs", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["items"][0]["status"] == "ok"
    assert manifest["items"][0]["approved"] is False


def test_review_lists_every_text_with_sign_off(tmp_path: Path) -> None:
    output = tmp_path / "review.pdf"
    result = CliRunner().invoke(cli, ["review", "nucleoplasty", "-o", str(output)])
    assert result.exit_code == 0, result.output
    text = " ".join(pages_text(output.read_bytes()))
    for expected in [
        "Clinical review: Nucleoplasty", "Revision 2", "Content fingerprint",
        "Region: cervical", "Region: thoracic", "Region: lumbar",
        "carotid artery", "collapsed lung", "ASA Practice Guidelines for Preoperative Fasting",
        "Flesch-Kincaid", "SMOG", "central (middle)", "Sign-off", "[[approvals]]",
        "not approved: nucleoplasty revision 2 is not approved",
    ]:  # fmt: skip
        assert expected in text, expected
    spanish = CliRunner().invoke(
        cli, ["review", "discectomy", "--language", "es", "-o", str(tmp_path / "es.pdf")]
    )
    assert spanish.exit_code == 0, spanish.output
    es_text = " ".join(pages_text((tmp_path / "es.pdf").read_bytes()))
    assert "Discectomía cervical anterior" in es_text and "not measured" in es_text
    unknown = CliRunner().invoke(cli, ["review", "nope", "-o", str(tmp_path / "x.pdf")])
    assert unknown.exit_code == 1 and "error: procedure:" in unknown.output


def test_en_us_site_prints_us_dates_and_clock(tmp_path: Path, catalog: Any) -> None:
    site = load_site(site_file(tmp_path, top='locale = "en_US"\n'))
    request = validate_record(record(surgery_at="2026-12-02T14:00"), catalog, site)
    pdf = render_packet(request, site).pdf
    text = " ".join(pages_text(pdf))
    assert "Wednesday, December 2, 2026" in text and "2:00" in text and "PM" in text
    assert key_times(pdf)["Last food"] == "Wednesday, December 2, 2026 at 8:00 AM"
    spanish = validate_record(record(language="es"), catalog, site)
    assert "2 de diciembre de 2026" in " ".join(pages_text(render_packet(spanish, site).pdf))


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ('locale = "xx_YY"\n', "is not a known locale"),
        ('locale = "de_DE"\n', "locale must be a locale of staff_language"),
    ],
)
def test_bad_locale_is_refused(tmp_path: Path, top: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_site(site_file(tmp_path, top=top))


def test_staff_language_must_be_a_known_language(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(DEMO.read_text(encoding="utf-8").replace(
        'staff_language = "en"', 'staff_language = "English"'), encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match="staff_language must be a language code"):
        load_site(path)
