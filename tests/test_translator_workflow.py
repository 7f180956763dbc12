"""Translator workflow 2.0: a new language without code, per-language checks, work-in-progress
catalogs, the draft preview, the review sheet and site strings per language."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from docgen.cli import cli
from docgen.i18n import available_languages, load_translations
from docgen.messages import extract_messages, message_keys
from docgen.preview import DRAFT_BAND, DraftTranslations
from docgen.resources import Resources
from docgen.site import load_site
from tests.conftest import BASE_RECORD, pages_text

BUNDLED = Resources.bundled()
MESSAGES = len(message_keys(extract_messages(BUNDLED)))  # every message a new language needs
DEMO_SITE = (BUNDLED.templates / "sites" / "demo.toml").read_text(encoding="utf-8")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def make_site(tmp_path: Path, extra: str = "", *, languages: tuple[str, ...] = ()) -> Path:
    """A site whose locales folder holds the .pot and copies of some shipped catalogs."""
    locales = tmp_path / "locales"
    locales.mkdir()
    shutil.copy(BUNDLED.locales / "docgen.pot", locales / "docgen.pot")
    for language in languages:
        shutil.copytree(BUNDLED.locales / language, locales / language)
    site = tmp_path / "site.toml"
    site.write_text(DEMO_SITE + f'\nlocales_dir = "locales"\n{extra}', encoding="utf-8")
    return site


def packet_args(site: Path, out: Path, **changes: str) -> list[str]:
    record = {**BASE_RECORD, **changes}
    options = [f"--{key.replace('_', '-')}={value}" for key, value in record.items()]
    return ["packet", "-o", str(out), "--site", str(site), *options]


def translate_everything(path: Path, prefix: str) -> None:
    """What a translator does in Poedit, done by a script: every msgstr filled in."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id:
            message.string = f"{prefix}{message.id}"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def test_init_then_translate_prints_a_new_language_without_code_changes(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    result = run("i18n", "init", "it", "--site", str(site))
    assert result.exit_code == 0, result.output
    po = tmp_path / "locales" / "it" / "LC_MESSAGES" / "docgen.po"
    header = po.read_text(encoding="utf-8")
    assert '"Language: it\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header
    assert re.search(r'"PO-Revision-Date: \d{4}-\d\d-\d\d \d\d:\d\d\+0000\\n"', header)
    assert (tmp_path / "locales" / "it" / "WIP").is_file()
    assert run("i18n", "init", "it", "--site", str(site)).exit_code == 1  # never overwritten

    # Work in progress: the whole check passes, the language's own check lists the gaps.
    whole = run("i18n", "check", "--site", str(site))
    assert whole.exit_code == 0, whole.output
    assert f"it: work in progress, {MESSAGES} messages to translate" in whole.output
    own = run("i18n", "check", "it", "--site", str(site))
    assert own.exit_code == 1
    assert re.search(r"^locales/it/LC_MESSAGES/docgen.po:\d+: untranslated: 'Witness'$",
                     own.output, re.M)  # fmt: skip

    # Refused at print, with the count and the command that lists them.
    out = tmp_path / "it.pdf"
    refused = run(*packet_args(site, out, language="it"))
    assert refused.exit_code == 1
    assert refused.output == (
        "error: language: the 'it' translation is not ready to print: "
        f"{MESSAGES} messages missing or fuzzy, 0 broken; `docgen i18n check it` lists them\n"
    )

    translate_everything(po, "IT·")
    assert run("i18n", "check", "it", "--site", str(site)).exit_code == 0
    printed = run(*packet_args(site, out, language="it"))
    assert printed.exit_code == 0, printed.output
    text = " ".join(pages_text(out.read_bytes()))
    assert "IT·Consent form" in text and "IT·Rare but serious" in text
    assert "mercoledì 2 dicembre 2026" in text  # dates from the folder name's Babel locale
    info = available_languages(load_site(site).resources)
    assert list(info) == ["en", "it"]
    assert (info["it"].native_name, info["it"].babel_locale, info["it"].printable) == (
        "Italiano",
        "it",
        True,
    )


def test_init_arabic_uses_the_standard_six_form_plural_rule(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert run("i18n", "init", "ar", "--site", str(site)).exit_code == 0
    header = (tmp_path / "locales" / "ar" / "LC_MESSAGES" / "docgen.po").read_text("utf-8")
    assert (
        '"Plural-Forms: nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && '
        'n%100<=10 ? 3 : "\n"n%100>=11 ? 4 : 5;\\n"'
    ) in header
    shipped = (BUNDLED.locales / "ar" / "LC_MESSAGES" / "docgen.po").read_text("utf-8")
    assert "n%100>=11 ? 4 : 5;" in shipped


def test_unknown_language_code_is_refused_by_init(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    result = run("i18n", "init", "xx_QQ", "--site", str(site))
    assert result.exit_code == 1
    assert result.output.startswith("error: language: 'xx_QQ' is not a language code Babel knows")


def edit(path: Path, msgid: str, translation: str) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    catalog[msgid].string = translation
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


NO_ALCOHOL = (
    "No alcohol and no smoking from the time in the table above until after your procedure. "
    "That is the 48 hours before it."
)


@pytest.mark.parametrize(
    ("language", "msgid", "translation", "reason"),
    [
        ("es", NO_ALCOHOL, "Sin alcohol ni tabaco desde la hora de la tabla, 24 horas "
         "antes del procedimiento, hasta después.",
         "numbers of the source missing from the translation: 48"),
        ("es", NO_ALCOHOL, "Sin alcohol ni tabaco desde la hora de la tabla, 48 horas "
         "antes (2 días) del procedimiento, hasta después.",
         "numbers the source does not have: 2"),
        ("fr", "Pain and what to expect", "Douleur : à quoi vous attendre",
         "French typography: a no-break space (U+00A0) goes before :"),
        ("fr", "Questions before your procedure? Call us on %(phone)s.",
         "Des questions? Appelez-nous au %(phone)s.",
         "French typography: a no-break space (U+00A0) goes before ?"),
    ],
)  # fmt: skip
def test_check_refuses_changed_numbers_and_french_typography(
    tmp_path: Path, language: str, msgid: str, translation: str, reason: str
) -> None:
    site = make_site(tmp_path, languages=("es", "fr"))
    po = tmp_path / "locales" / language / "LC_MESSAGES" / "docgen.po"
    edit(po, msgid, translation)
    result = run("i18n", "check", language, "--site", str(site))
    assert result.exit_code == 1
    assert re.search(rf"^locales/{language}/LC_MESSAGES/docgen.po:\d+: {re.escape(reason)}: "
                     rf"'{re.escape(msgid[:20])}", result.output, re.M), result.output  # fmt: skip
    other = "fr" if language == "es" else "es"
    assert run("i18n", "check", other, "--site", str(site)).exit_code == 0


def test_numbers_in_arabic_digits_and_arabic_duals_count(tmp_path: Path) -> None:
    site = make_site(tmp_path, languages=("ar",))
    po = tmp_path / "locales" / "ar" / "LC_MESSAGES" / "docgen.po"
    edit(po, NO_ALCOHOL, "امتنع عن الكحول والتدخين ابتداءً من الوقت المذكور في الجدول، أي قبل "
         "٤٨ ساعة من الإجراء، وحتى انتهاء الإجراء.")  # fmt: skip
    assert run("i18n", "check", "ar", "--site", str(site)).exit_code == 0
    edit(po, NO_ALCOHOL, "امتنع عن الكحول والتدخين ابتداءً من الوقت المذكور في الجدول، أي قبل "
         "٢٤ ساعة من الإجراء، وحتى انتهاء الإجراء.")  # fmt: skip
    assert "missing from the translation: 48" in run("i18n", "check", "ar", "--site",
                                                     str(site)).output  # fmt: skip


def test_preview_renders_an_incomplete_language_marked_as_draft(tmp_path: Path) -> None:
    site = make_site(tmp_path, languages=("es",))
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "docgen.po"
    edit(po, "Witness", "")
    out = tmp_path / "draft.pdf"
    result = run("i18n", "preview", "es", "-o", str(out), "--site", str(site),
                 "--procedure", "nucleoplasty", "--levels", "C5-C6")  # fmt: skip
    assert result.exit_code == 0, result.output
    pages = pages_text(out.read_bytes())
    assert all(DRAFT_BAND in page for page in pages)
    text = " ".join(pages)
    assert "[EN: Witness]" in text and "Testigo" not in text
    assert "columna cervical" in text  # the rest is Spanish, at the levels asked for

    # The same catalog cannot print a packet, and no normal path yields draft translations.
    refused = run(*packet_args(site, tmp_path / "x.pdf", language="es"))
    assert refused.exit_code == 1 and "1 messages missing" in refused.output
    complete = load_translations(BUNDLED, "es")
    assert not isinstance(complete, DraftTranslations)


def test_review_lists_every_message_side_by_side_with_a_sign_off(tmp_path: Path) -> None:
    site = make_site(tmp_path, languages=("de",))
    po = tmp_path / "locales" / "de" / "LC_MESSAGES" / "docgen.po"
    edit(po, "Witness", "")
    html_path = tmp_path / "review.html"
    assert run("i18n", "review", "de", "-o", str(html_path), "--site", str(site)).exit_code == 0
    html = html_path.read_text(encoding="utf-8")
    assert html.count("<tr><td>") == MESSAGES
    assert "[untranslated] </td>" in html.replace("\n", "")
    assert "Sign-off" in html and "Reviewer name" in html
    assert "procedure discectomy: risks_rare" in html  # where it prints
    pdf_path = tmp_path / "review.pdf"
    assert run("i18n", "review", "de", "-o", str(pdf_path), "--site", str(site)).exit_code == 0
    text = " ".join(pages_text(pdf_path.read_bytes()))
    assert "Einwilligung am Tag des Eingriffs erneut bestätigt" in text
    assert "Consent checked again on the day" in text
    assert "Reviewer name" in text


def test_site_strings_follow_the_packet_language(tmp_path: Path) -> None:
    site = make_site(tmp_path, languages=("es", "de"))
    text = site.read_text(encoding="utf-8")
    text = text.replace(
        'name = "Riverside Demo Hospital"',
        'name = {en = "Riverside Demo Hospital", es = "Hospital Ribera (demo)"}',
    )
    text = text.replace('department = "Spine Day-Surgery Unit"',
                        'department = {en = "Spine Day-Surgery Unit", es = "Unidad de columna", '
                        'de = "Wirbelsäulen-Tagesklinik"}')  # fmt: skip
    site.write_text(text, encoding="utf-8")
    out = tmp_path / "es.pdf"
    assert run(*packet_args(site, out, language="es")).exit_code == 0
    first = pages_text(out.read_bytes())[0]
    assert "Hospital Ribera (demo)" in first and "Unidad de columna" in first
    assert "Riverside" not in first

    refused = run(*packet_args(site, tmp_path / "de.pdf", language="de"))
    assert refused.exit_code == 1
    assert refused.output.startswith(
        "error: language (--language): the site file has no name in 'de'"
    )
    stats = run("i18n", "stats", "--site", str(site)).output
    assert re.search(r"^de .*100\.0%  name$", stats, re.M), stats
    assert re.search(r"^es .*100\.0%  -$", stats, re.M), stats
    info = available_languages(load_site(site).resources)
    assert info["es"].native_name == "Español" and info["de"].native_name == "Deutsch"


def test_stats_for_one_language(tmp_path: Path) -> None:
    site = make_site(tmp_path, languages=("es", "de"))
    lines = run("i18n", "stats", "es", "--site", str(site)).output.splitlines()
    assert len(lines) == 2 and lines[1].startswith("es ")
    missing = run("i18n", "stats", "pt", "--site", str(site))
    assert missing.exit_code == 1
    assert "`docgen i18n init pt` creates one" in missing.output


def test_extracted_messages_all_carry_a_translator_comment() -> None:
    with (BUNDLED.locales / "docgen.pot").open("rb") as handle:
        template = read_po(handle)
    bare = [str(m.id) for m in template if m.id and not m.auto_comments]
    assert bare == [], f"{len(bare)} messages without a TRANSLATORS comment: {bare[:5]}"


def test_a_work_in_progress_catalog_still_fails_on_broken_entries(tmp_path: Path) -> None:
    site = make_site(tmp_path, languages=("es",))
    (tmp_path / "locales" / "es" / "WIP").write_text("", encoding="utf-8")
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "docgen.po"
    edit(po, "Witness", "")
    gaps_only = run("i18n", "check", "--site", str(site))
    assert gaps_only.exit_code == 0, gaps_only.output
    assert "es: work in progress, 1 messages to translate" in gaps_only.output
    edit(po, NO_ALCOHOL, "Sin alcohol ni tabaco desde el %(date)s, 48 horas antes.")
    broken = run("i18n", "check", "--site", str(site))
    assert broken.exit_code == 1
    assert "placeholders differ from the source" in broken.output
    assert "untranslated" not in broken.output
