"""Issue 11: a new process with a warm render cache skips its start-up work (checked
catalogs, compiled templates) and every safety gate still holds: an edited or incomplete
catalog, a damaged entry, a folder others can write to, --no-cache."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from click.testing import CliRunner

from docgen import html, i18n, messages, viewmodel
from docgen.cache import RenderCache, holds_code_safely, startup_store, use_for_startup
from docgen.catalog import Catalog
from docgen.cli import cli
from docgen.errors import DocgenError
from docgen.i18n import load_translations
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.resources import Resources
from docgen.site import Site
from tests.conftest import pages_text, record

CONSENT = RenderOptions(documents=("consent",))
TEMPLATES = ("consent.html", "preop.html", "discharge.html", "blank.html")


def new_process() -> None:
    """Forget what this process has loaded, as a new command starts with nothing."""
    i18n._checked_translations.cache_clear()
    html._environment.cache_clear()
    messages._expected_keys.cache_clear()
    viewmodel._fingerprint.cache_clear()
    html._COMPILED._compiled.clear()


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per Babel extraction run (the start of every catalog check)."""
    runs: list[int] = []
    extract = messages.extract_messages

    def counted(resources: Resources) -> Any:
        runs.append(1)
        return extract(resources)

    monkeypatch.setattr(messages, "extract_messages", counted)
    return runs


@pytest.fixture
def loaded_bytecode(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per compiled template Jinja was handed instead of compiling it."""
    loads: list[int] = []
    original = jinja2.bccache.Bucket.bytecode_from_string

    def counted(bucket: jinja2.bccache.Bucket, string: bytes) -> None:
        loads.append(1)
        original(bucket, string)

    monkeypatch.setattr(jinja2.bccache.Bucket, "bytecode_from_string", counted)
    return loads


@pytest.fixture
def own(tmp_path: Path, site: Site) -> Iterator[Site]:
    """The demo site with its own copy of the templates and catalogs, which tests edit."""
    templates, locales = tmp_path / "templates", tmp_path / "locales"
    shutil.copytree(site.resources.templates, templates)
    shutil.copytree(site.resources.locales, locales)
    yield dataclasses.replace(site, resources=Resources(templates, locales))
    new_process()  # nothing loaded from the copy outlives it


def entries(store: RenderCache) -> set[str]:
    return {path.name for path in store.folder.iterdir()} if store.folder.exists() else set()


def spanish_consent(site: Site, catalog: Catalog) -> str:
    request = validate_record(record(language="es"), catalog, site)
    return " ".join(pages_text(render_packet(request, site, CONSENT).pdf))


def load_templates(site: Site, language: str) -> None:
    env = html.environment(site.resources, language)
    for name in TEMPLATES:
        env.get_template(name)


def test_a_warm_store_prints_the_same_packet_without_checking_again(
    tmp_path: Path, own: Site, catalog: Catalog, extractions: list[int],
    loaded_bytecode: list[int],
) -> None:  # fmt: skip
    store = RenderCache(tmp_path / "cache")
    use_for_startup(store)
    new_process()
    cold = spanish_consent(own, catalog)
    assert "Consentimiento informado" in cold and "Consent form" not in cold
    assert extractions == [1]
    stored = entries(store)
    key = messages.checked_catalog_key(own.resources, "es")
    assert key in stored and store.get(key) is not None
    assert len(stored) > 1  # the compiled templates too

    new_process()
    loaded_bytecode.clear()
    assert spanish_consent(own, catalog) == cold
    assert extractions == [1]  # no extraction: the stored check was used
    assert loaded_bytecode  # templates came from the store, not the compiler
    assert entries(store) == stored

    # An edited translation is a new key: checked again, and the packet shows the change.
    po = own.resources.locales / "es" / "LC_MESSAGES" / "docgen.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgstr "Consentimiento informado"', 'msgstr "Hoja de consentimiento"', 1),
        encoding="utf-8")  # fmt: skip
    new_process()
    edited = spanish_consent(own, catalog)
    assert "Hoja de consentimiento" in edited and "Consentimiento informado" not in edited
    assert extractions == [1, 1]


def test_an_incomplete_catalog_is_refused_cold_and_warm(
    tmp_path: Path, own: Site, extractions: list[int]
) -> None:
    store = RenderCache(tmp_path / "cache")
    use_for_startup(store)
    new_process()
    assert load_translations(own.resources, "de").gettext("Date") == "Datum"
    warm = entries(store)
    po = own.resources.locales / "de" / "LC_MESSAGES" / "docgen.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Date"\nmsgstr "Datum"', 'msgid "Date"\nmsgstr ""', 1),
                  encoding="utf-8")  # fmt: skip
    refusals = []
    for _attempt in range(2):  # the complete catalog is stored; then again after a refusal
        new_process()
        with pytest.raises(DocgenError) as refused:
            load_translations(own.resources, "de")
        refusals.append(str(refused.value))
        assert entries(store) == warm  # a refusal is never stored
    assert refusals[0] == refusals[1]
    assert "'de' translation is not ready to print: 1 messages missing or fuzzy" in refusals[0]
    assert len(extractions) == 3  # checked every time

    new_process()  # and without any store: the same refusal
    use_for_startup(None)
    with pytest.raises(DocgenError, match="not ready to print: 1 messages"):
        load_translations(own.resources, "de")


def test_a_damaged_entry_is_checked_again(
    tmp_path: Path, own: Site, extractions: list[int]
) -> None:
    store = RenderCache(tmp_path / "cache")
    use_for_startup(store)
    new_process()
    spanish = load_translations(own.resources, "es").gettext("Consent form")
    key = messages.checked_catalog_key(own.resources, "es")
    entry = store.folder / key
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    new_process()
    assert load_translations(own.resources, "es").gettext("Consent form") == spanish
    assert spanish == "Consentimiento informado"
    assert len(extractions) == 2  # the damaged entry was not used: checked again
    assert store.get(key) is not None  # and stored again, whole


def test_compiled_templates_are_kept_only_where_nobody_else_can_write(
    tmp_path: Path, own: Site, loaded_bytecode: list[int], extractions: list[int]
) -> None:
    store = RenderCache(tmp_path / "cache")
    use_for_startup(store)
    new_process()
    load_translations(own.resources, "es")
    with_catalog = entries(store)
    load_templates(own, "es")
    compiled = entries(store) - with_catalog
    assert len(compiled) == len(TEMPLATES)  # (base.html and macros.html load as they render)

    store.folder.chmod(0o770)  # a group may write here: its bytecode could be anyone's
    new_process()
    loaded_bytecode.clear()
    load_templates(own, "es")
    assert loaded_bytecode == []  # compiled in memory, nothing loaded from the folder
    assert len(extractions) == 2  # nor the checked catalog: such a folder is not used at all

    for name in compiled:  # a folder that is safe but empty of them: compiled, then stored
        (store.folder / name).unlink()
    store.folder.chmod(0o757)
    new_process()
    load_templates(own, "es")
    assert entries(store) == with_catalog  # nothing written where others can write

    store.folder.chmod(0o700)
    new_process()
    load_templates(own, "es")
    assert entries(store) == with_catalog | compiled


def test_the_folder_rule_for_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    assert holds_code_safely(private)
    private.chmod(0o755)  # others may read and enter: still only the owner writes
    assert holds_code_safely(private)
    for mode in (0o720, 0o702, 0o777):
        private.chmod(mode)
        assert not holds_code_safely(private)
    private.chmod(0o700)
    link = tmp_path / "link"
    link.symlink_to(private)
    assert not holds_code_safely(link)
    assert not holds_code_safely(tmp_path / "missing")
    someone_else = os.getuid() + 1
    monkeypatch.setattr(os, "getuid", lambda: someone_else)
    assert not holds_code_safely(private)  # owned by someone else


PACKET_ARGS = [
    "packet", "--docs", "consent", "--mrn", "0004567", "--family-name", "Testperson",
    "--given-name", "Robin", "--dob", "1960-05-14", "--procedure", "nucleoplasty",
    "--levels", "L4-L5", "--language", "es", "--surgery-at", "2026-12-02T08:30",
]  # fmt: skip


def test_a_command_keeps_its_start_up_work_in_its_cache_and_no_cache_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Site, extractions: list[int]
) -> None:
    default = tmp_path / "default-cache"
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(default))
    monkeypatch.chdir(tmp_path)
    chosen = tmp_path / "chosen"
    for args in (["--cache-dir", str(chosen), "-o", "one.pdf"], ["--no-cache", "-o", "two.pdf"]):
        new_process()
        result = CliRunner().invoke(cli, PACKET_ARGS + args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "Consentimiento informado" in pages_text((tmp_path / args[-1]).read_bytes())[0]
    assert messages.checked_catalog_key(site.resources, "es") in entries(RenderCache(chosen))
    assert extractions == [1, 1]  # the second command checked again, in memory
    assert not default.exists()  # --no-cache: nothing read or stored
    new_process()


def test_the_web_app_sets_the_store(tmp_path: Path) -> None:
    from docgen.web import create_app

    store = RenderCache(tmp_path / "cache")
    create_app(None, tmp_path / "instance", {"DOCGEN_CACHE": store})
    assert startup_store() is store
    create_app(None, tmp_path / "instance", {"DOCGEN_CACHE": None})
    assert startup_store() is None


def test_the_fonts_character_maps_are_read_once_and_a_changed_font_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen import fonts

    bundled = Path(__file__).parent.parent / "templates" / "fonts"
    folder = tmp_path / "fonts"
    shutil.copytree(bundled, folder)
    use_for_startup(RenderCache(tmp_path / "cache", 10_000_000))
    fonts.covered_characters.cache_clear()
    first = fonts.covered_characters(folder)
    assert "é" in first and "\u0639" in first  # Latin and Arabic

    reads: list[int] = []
    read = fonts._read_character_maps
    monkeypatch.setattr(fonts, "_read_character_maps", lambda paths: reads.append(1) or read(paths))
    fonts.covered_characters.cache_clear()
    assert fonts.covered_characters(folder) == first and reads == []  # from the store
    for path in folder.glob("NotoNaskhArabic*.ttf"):  # a site without an Arabic font
        path.unlink()
    fonts.covered_characters.cache_clear()
    assert "\u0639" not in fonts.covered_characters(folder) and reads == [1]
    fonts.covered_characters.cache_clear()


def test_a_process_keeps_a_catalog_until_its_files_change(
    own: Site, extractions: list[int]
) -> None:
    # A running web app: the checked catalog and its environment are reused packet after
    # packet, and an edited .po is checked and used on the next one, without a restart.
    new_process()
    spanish = load_translations(own.resources, "es")
    assert load_translations(own.resources, "es") is spanish
    before = html.environment(own.resources, "es")
    assert html.environment(own.resources, "es") is before
    assert len(extractions) == 1
    po = own.resources.locales / "es" / "LC_MESSAGES" / "docgen.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Consentimiento informado"',
                               'msgstr "Hoja de consentimiento"', 1), encoding="utf-8")  # fmt: skip
    edited = load_translations(own.resources, "es")
    assert edited is not spanish
    assert edited.gettext("Consent form") == "Hoja de consentimiento"
    assert html.environment(own.resources, "es") is not before  # with the edited words
    assert load_translations(own.resources, "en") is load_translations(own.resources, "en")


def test_cycle_collection_is_back_on_once_a_packet_is_rendered(
    site: Site, catalog: Catalog
) -> None:
    """docgen.cli.main turns the cycle collector off for a command's start; a process that
    renders more than one packet must collect their cycles again (memory stays flat)."""
    import gc

    request = validate_record(record(), catalog, site)
    gc.disable()
    try:
        packet = render_packet(request, site, CONSENT)
        assert gc.isenabled() and gc.get_freeze_count() > 0  # the start's objects: frozen
    finally:
        gc.unfreeze()
        gc.enable()
    assert "Testperson, Robin" in pages_text(packet.pdf)[0]
