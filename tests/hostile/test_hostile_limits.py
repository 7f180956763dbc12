"""Translations that break formatting, the render time limit, and names in every script."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docgen.catalog import Catalog as ProcedureCatalog
from docgen.errors import InvalidRecord, RenderError
from docgen.messages import check_catalog
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.pdf import time_limit
from docgen.request import validate_record
from docgen.site import Site
from tests.conftest import record
from tests.hostile.pdfwords import read_pages

# --- .po entries -----------------------------------------------------------------------------

PO_CASES = [
    # (msgid, msgstr, where it is used, the problem expected or None)
    ("Name:", "Nombre 100%", "templates/documents/base.html", "a lone %"),
    ("Tick each box when it is done.", "%50 işaretleyin", "templates/documents/preop.html",
     "a lone %"),
    ("Page %(page)s of %(pages)s", "Sayfa %(page)s / %(pages)s, %50", "docgen/viewmodel.py",
     "a lone %"),
    ("Name:", "Nom\u2028:", "templates/documents/base.html", "line or paragraph separator"),
    ("Name:", "Nom\u2029:", "templates/documents/base.html", "line or paragraph separator"),
    ("Name:", "100%% Nom :", "templates/documents/base.html", None),
    # Procedure texts are printed as they are, never %-formatted: a percent sign is fine.
    ("Most people go home the same day.", "Environ 90 % rentrent le jour même.",
     "templates/procedures/x.toml", None),
]  # fmt: skip


@pytest.mark.parametrize(("msgid", "msgstr", "location", "problem"), PO_CASES)
def test_i18n_check_catches_translations_that_break_formatting(
    tmp_path: Path, msgid: str, msgstr: str, location: str, problem: str | None
) -> None:
    catalog = Catalog(locale="fr")
    catalog.mime_headers  # noqa: B018 - Babel fills the header on first use
    catalog.add(msgid, msgstr, locations=[(location, 1)],
                flags=("python-format",) if "%(" in msgid else ())  # fmt: skip
    buffer = io.BytesIO()
    write_po(buffer, catalog)
    path = tmp_path / "docgen.po"
    path.write_bytes(buffer.getvalue().replace(b'"Plural-Forms: ', b'"Plural-Forms: '))
    reasons = [p.reason for p in check_catalog(path, {(msgid, None)})
               if "Plural-Forms" not in p.reason]  # fmt: skip
    if problem is None:  # nothing that breaks formatting (other rules, e.g. numbers, aside)
        assert not [r for r in reasons if "%" in r or "separator" in r], reasons
    else:
        assert any(problem in reason for reason in reasons), reasons


# --- Time limit ------------------------------------------------------------------------------


def test_a_runaway_render_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"longer than 0\.3 seconds"), time_limit(0.3, "packet"):
        while True:  # Python code, like WeasyPrint's layout loop
            sum(range(1000))
    assert time.monotonic() - started < 60  # CPU seconds: longer on a busy machine


def test_an_outer_limit_that_ends_sooner_stays_in_charge() -> None:
    with (
        pytest.raises(RenderError, match=r"0\.3 seconds"),
        time_limit(0.3, "batch row"),
        time_limit(60, "packet"),
    ):
        while True:
            sum(range(1000))


def test_a_limit_leaves_no_alarm_behind() -> None:
    import signal

    with time_limit(5, "packet"):
        pass
    assert signal.getitimer(signal.ITIMER_PROF)[0] == 0


# --- Names in every language (Hypothesis) ----------------------------------------------------

ALPHABETS = {
    "en": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -'",
    "fr": "abcdeéèêëçàâîïôûùüÿœæÉÈÇÀ -'",
    "de": "ABCDEFGHIJKLMNOPQRSTUVWXYZäöüßÄÖÜ -",
    "tr": "abcçdefgğhıijklmnoöprsştuüvyzÇĞİIÖŞÜ -",
    "es": "abcdefghijklmnñopqrstuvwxyzáéíóúüÑÁÉ -",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي -\u064e\u064f\u0650\u0651",
}
# Two vowel marks on one letter (fatha and damma) is no one's name: on an alif before a
# hyphen, pdfium then reads the alif as a line of its own, although the page prints the
# name right (looked at), so such text is not generated. Shadda with a vowel still is.
_TWO_VOWELS = re.compile("[\u064e\u064f\u0650]{2}")


def _name(language: str) -> st.SearchStrategy[str]:
    text = st.text(ALPHABETS[language], min_size=1, max_size=100)
    return text.filter(lambda name: not _TWO_VOWELS.search(name))


names = st.sampled_from(sorted(ALPHABETS)).flatmap(
    lambda language: st.tuples(st.just(language), _name(language), _name(language))
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names)
def test_any_name_prints_on_every_page_or_is_refused_by_field(
    site: Site, catalog: ProcedureCatalog, example: tuple[str, str, str]
) -> None:
    language, family, given_name = example
    data: dict[str, Any] = record(family_name=family, given_name=given_name, language=language)
    try:
        request = validate_record(data, catalog, site)
    except InvalidRecord as refused:
        assert set(refused.fields) <= {"family_name", "given_name"}
        for name in (family, given_name):  # no message repeats the name; a name of a letter
            if len(name.strip()) >= 5:  # or two ("a") is in any English sentence
                assert all(name not in str(problem) for problem in refused.problems)
        return
    packet = render_packet(request, site, RenderOptions(documents=("preop",)))
    for page in read_pages(packet.pdf):
        assert page.find(request.family_name) or not request.family_name.strip(" -'")
        assert page.find(request.given_name) or not request.given_name.strip(" -'")
        assert page.find(request.mrn)
