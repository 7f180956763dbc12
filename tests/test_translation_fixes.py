"""The defects a bilingual review found, each checked on the text of the rendered PDF."""

from __future__ import annotations

import io
import re
from datetime import time
from typing import Any

import pypdf
import pytest

from docgen.i18n import Formatter

DISCECTOMY = {"procedure": "discectomy", "side": "left"}
CERVICAL_DISCECTOMY = {**DISCECTOMY, "levels": "C5-C6"}


def raw_pages(pdf: bytes) -> list[str]:
    """Page text with every space kept as it is (pages_text folds no-break spaces)."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_spanish_rare_risks_and_nurse(render: Any) -> None:
    packet = render(language="es", **DISCECTOMY)
    consent = packet.document_text("consent")
    assert re.search(r"\bRaros\b", consent) and "Raros pero graves" in consent
    assert "Poco frecuentes" not in consent
    preop = packet.document_text("preop")
    assert "Enfermero/a" in preop and "Enfermería" not in preop


def test_german_lifting_withdrawal_and_gender_neutral_surgeon(render: Any) -> None:
    nucleoplasty = render(language="de")
    assert "nichts Schweres" in nucleoplasty.document_text("discharge")
    assert "keine Gewichte" not in nucleoplasty.document_text("discharge")
    consent = nucleoplasty.document_text("consent")
    assert "meine Einwilligung jederzeit vor dem Eingriff widerrufen" in consent
    discectomy = render(language="de", **DISCECTOMY)
    text = " ".join(discectomy.pages)
    assert "Die Chirurgin oder der Chirurg macht einen kleinen Schnitt in der Mitte" in text
    assert "Operateur" not in text


def test_french_awake_and_no_break_space_before_punctuation(render: Any) -> None:
    packet = render(language="fr", procedure="percutaneous-discectomy", side="left")
    text = " ".join(packet.pages)
    assert "Vous restez éveillé(e) pendant toute l'intervention" in text
    assert "ne dormez pas" not in text
    for page in raw_pages(packet.packet.pdf):
        # The header's "Nom:" labels are issue 14's (colons move into the catalog there).
        body = re.sub(r"(Nom|Date de naissance|N° de dossier):", "", page)
        assert not re.search(r"[^\u00a0\u202f\d][:;?!]", body), page


def test_turkish_arms_lifting_and_name_order(render: Any) -> None:
    cervical = render(language="tr", **CERVICAL_DISCECTOMY)
    discharge = cervical.document_text("discharge")
    assert "kollarınızı başınızın üzerine kaldırarak çalışmaktan kaçının" in discharge
    assert "kollarınız başınızın üzerinde çalışmaktan" not in discharge
    # The header shows the family name first; its label says so.
    assert re.search(r"Soyadı, Adı:? Testperson, Robin", cervical.pages[0])
    assert "Ad Soyad" not in " ".join(cervical.pages)
    nucleoplasty = render(language="tr")
    assert "ağır bir şey kaldırmayın" in nucleoplasty.document_text("discharge")
    assert "ağırlık kaldırmayın" not in nucleoplasty.document_text("discharge")


@pytest.mark.parametrize(
    ("changes", "agreeing"),
    [
        (DISCECTOMY, ("بعد نحو أسبوعين", "في أول أسبوعين", "بين ساعة واحدة وساعتين")),
        ({"procedure": "endoscopic-discectomy", "side": "left"},
         ("بعد نحو أسبوع واحد", "نحو أسبوع واحد إلى أسبوعين")),
        ({"procedure": "percutaneous-discectomy", "side": "left"},
         ("خلال نحو أسبوع واحد إلى أسبوعين",)),
    ],
)  # fmt: skip
def test_arabic_numbers_agree_with_their_nouns(
    render: Any, changes: dict[str, str], agreeing: tuple[str, ...]
) -> None:
    text = " ".join(render(language="ar", **changes).pages)
    for phrase in agreeing:
        assert phrase in text
    assert not re.search(r"\b[12] (أسبوع|ساعة)\b", text)
    assert "1 إلى 2" not in text


def test_arabic_interpreter_and_list_comma(render: Any) -> None:
    packet = render(language="ar", levels="L4-L5;L5-S1", interpreter="yes")
    consent = packet.document_text("consent")
    assert "المترجم" in consent and "المترجم الفوري" not in consent
    # The levels and the region are joined with the Arabic comma, not ", ".
    assert "، العمود الفقري القطني" in consent
    assert ", العمود" not in consent


@pytest.mark.parametrize(
    ("language", "label_and_value", "repeated"),
    [
        ("en", r"Side left", r"left side"),
        ("es", r"Lado izquierdo", r"lado izquierdo"),
        ("de", r"Seite links", r"Seite Seite"),
        ("fr", r"Côté gauche", r"côté gauche"),
        ("tr", r"Taraf sol", r"sol taraf"),
        ("ar", r"الجهة\s*اليسرى", r"الجهة\s*الجهة"),
    ],
)
def test_side_value_does_not_repeat_the_label(
    render: Any, language: str, label_and_value: str, repeated: str
) -> None:
    first = render(language=language, **DISCECTOMY).pages[0]
    assert re.search(label_and_value, first), first[:500]
    assert not re.search(repeated, first)


def test_a_time_never_wraps_away_from_its_marker() -> None:
    assert Formatter("ar").time(time(9, 0)) == "9:00\u00a0ص"
    assert " " not in Formatter("en").time(time(21, 5))
