"""Translations: the print gate, the translator's check, and a fake locale proving the wiring."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from docgen.cli import cli
from docgen.resources import Resources
from tests.conftest import BASE_RECORD, pages_text

BUNDLED = Resources.bundled()
PLACEHOLDER = re.compile(r"(%\(\w+\)s)")


def shout(text: str) -> str:
    """Upper-case a message but not its placeholders."""
    return "".join(
        part if PLACEHOLDER.fullmatch(part) else part.upper() for part in PLACEHOLDER.split(text)
    )


def write_fake_catalog(locales: Path, language: str) -> Path:
    with (BUNDLED.locales / "docgen.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=language, project="docgen", charset="utf-8", fuzzy=False)
    for message in template:
        if message.id:
            catalog.add(message.id, shout(str(message.id)), context=message.context,
                        flags=message.flags)  # fmt: skip
    path = locales / language / "LC_MESSAGES" / "docgen.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return path


@pytest.fixture
def fake_site(tmp_path: Path) -> tuple[Path, Path]:
    """A site whose locales folder holds upper-cased "translations" for de and es."""
    locales = tmp_path / "locales"
    locales.mkdir()
    shutil.copy(BUNDLED.locales / "docgen.pot", locales / "docgen.pot")
    for language in ("de", "es"):
        write_fake_catalog(locales, language)
    site = tmp_path / "site.toml"
    demo = (BUNDLED.templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    site.write_text(demo + '\nlocales_dir = "locales"\n', encoding="utf-8")
    return site, locales


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def packet_args(site: Path, out: Path, **changes: str) -> list[str]:
    record = {**BASE_RECORD, **changes}
    options = [f"--{key.replace('_', '-')}={value}" for key, value in record.items()]
    return ["packet", "-o", str(out), "--force", "--site", str(site), *options]


def test_every_printed_string_goes_through_gettext(fake_site: tuple[Path, Path],
                                                   tmp_path: Path) -> None:  # fmt: skip
    site, _ = fake_site
    out = tmp_path / "de.pdf"
    for procedure, side in (("nucleoplasty", "central"), ("discectomy", "left")):
        result = run(*packet_args(site, out, language="de", procedure=procedure, side=side))
        assert result.exit_code == 0, result.output
        for page in pages_text(out.read_bytes()):
            assert "CONSENT FORM" in page or "PRE-OPERATIVE" in page or "DISCHARGE" in page
            # Three lower-case words in a row would be untranslated English.
            assert not re.search(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b", page), page


def test_check_passes_on_complete_catalogs(fake_site: tuple[Path, Path]) -> None:
    site, _ = fake_site
    result = run("i18n", "check", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: docgen.pot is current; de, es complete")


def edit_entry(path: Path, msgid: str, change: Any) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    change(catalog, catalog[msgid])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def _drop_placeholder(catalog: Catalog, message: Any) -> None:
    message.string = "NOT BEFORE %(time)s"


def _add_markup(catalog: Catalog, message: Any) -> None:
    message.string = '<img src="file:///etc/hostname"> WITNESS'


def _make_fuzzy(catalog: Catalog, message: Any) -> None:
    message.flags.add("fuzzy")


def _remove(catalog: Catalog, message: Any) -> None:
    catalog.delete(message.id)


def _bidi(catalog: Catalog, message: Any) -> None:
    message.string = "WIT\u202eNESS"


NO_ALCOHOL = "%(date)s at %(time)s"


@pytest.mark.parametrize(
    ("msgid", "change", "reason"),
    [
        (NO_ALCOHOL, _drop_placeholder, "placeholders differ from the source"),
        ("Witness", _add_markup, "markup that the source does not have"),
        ("Witness", _make_fuzzy, "fuzzy"),
        ("Witness", _remove, "missing"),
        ("Witness", _bidi, "control or bidi-override character"),
    ],
)
def test_check_names_each_broken_entry_and_the_gate_refuses_to_print(
    fake_site: tuple[Path, Path], tmp_path: Path, msgid: str, change: Any, reason: str
) -> None:
    site, locales = fake_site
    spanish = locales / "es" / "LC_MESSAGES" / "docgen.po"
    edit_entry(spanish, msgid, change)

    result = run("i18n", "check", "--site", str(site))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(line.startswith("locales/es/LC_MESSAGES/docgen.po:") and reason in line
               and msgid[:20] in line for line in lines), result.output  # fmt: skip
    assert not any("/de/" in line for line in lines)

    out = tmp_path / "es.pdf"
    refused = run(*packet_args(site, out, language="es"))
    assert refused.exit_code == 1
    assert refused.output.startswith("error: language: the 'es' translation is not ready to print")
    assert refused.output.count("\n") == 1
    assert not out.exists()
    # Other languages still print.
    assert run(*packet_args(site, out, language="de")).exit_code == 0


def test_invalid_plural_header_is_reported(fake_site: tuple[Path, Path]) -> None:
    site, locales = fake_site
    path = locales / "de" / "LC_MESSAGES" / "docgen.po"
    text = path.read_text(encoding="utf-8")
    broken = '"Plural-Forms: nplurals=2; plural=(n >;\\\\n"'
    path.write_text(re.sub(r'"Plural-Forms: [^"]*"', broken, text), encoding="utf-8")
    result = run("i18n", "check", "--site", str(site))
    assert result.exit_code == 1
    assert "locales/de/LC_MESSAGES/docgen.po:1: the Plural-Forms" in result.output


def test_a_stale_pot_fails_the_check(fake_site: tuple[Path, Path]) -> None:
    site, locales = fake_site
    pot = locales / "docgen.pot"
    edit_entry(pot, "Witness", _remove)
    result = run("i18n", "check", "--site", str(site))
    assert result.exit_code == 1
    assert "locales/docgen.pot:0: stale: run `docgen i18n extract`" in result.output
    assert run("i18n", "extract", "--site", str(site)).exit_code == 0
    assert run("i18n", "check", "--site", str(site)).exit_code == 0


def test_update_marks_changed_messages_fuzzy_and_keeps_comments(
    fake_site: tuple[Path, Path],
) -> None:
    site, locales = fake_site
    spanish = locales / "es" / "LC_MESSAGES" / "docgen.po"

    def annotate(catalog: Catalog, message: Any) -> None:
        message.user_comments.append("checked by the ward sister")

    edit_entry(spanish, "Witness", annotate)
    pot = locales / "docgen.pot"

    def reword(catalog: Catalog, message: Any) -> None:
        catalog.delete("Witness")
        catalog.add("Witnesses", locations=message.locations)

    edit_entry(pot, "Witness", reword)
    assert run("i18n", "update", "--site", str(site)).exit_code == 0
    with spanish.open("rb") as handle:
        updated = read_po(handle)
    assert updated["Witnesses"].fuzzy
    assert updated["Witnesses"].string == "WITNESS"
    stats = run("i18n", "stats", "--site", str(site)).output
    assert re.search(r"es\s+\d+\s+1\s+0\s+\d+", stats), stats


def test_compile_writes_mo_files(fake_site: tuple[Path, Path]) -> None:
    site, locales = fake_site
    result = run("i18n", "compile", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert (locales / "es" / "LC_MESSAGES" / "docgen.mo").stat().st_size > 1000


def test_a_language_without_a_catalog_here_is_refused(fake_site: tuple[Path, Path],
                                                      tmp_path: Path) -> None:  # fmt: skip
    """The languages are the catalogs of the site's locales folder: tr is not one here."""
    site, _ = fake_site
    out = tmp_path / "x.pdf"
    for language in ("tr", "pt"):
        result = run(*packet_args(site, out, language=language))
        assert result.exit_code == 1
        assert result.output == (
            f'error: language (--language): "{language}" is not one of: en, de, es\n'
        )
    assert not out.exists()


def test_shipped_catalogs_pass_the_check() -> None:
    result = run("i18n", "check")
    assert result.exit_code == 0, result.output
    assert result.output == "ok: docgen.pot is current; ar, de, es, fr, tr complete\n"
    stats = run("i18n", "stats").output.splitlines()
    assert len(stats) == 6 and all(line.endswith("100.0%  -") for line in stats[1:])
