"""Clinical content rules: the warning box, consent completeness, region-true risks, and
plain English, checked on the text of the rendered PDFs."""

from __future__ import annotations

from typing import Any

import pytest
import textstat

from docgen.catalog import load_catalog
from docgen.i18n import load_translations
from docgen.levels import Region, parse_level
from docgen.resources import Resources
from tests.readability import body_units, reading_text

LEVEL = {Region.CERVICAL: "C5-C6", Region.THORACIC: "T7-T8", Region.LUMBAR: "L4-L5"}
VARIANTS = [
    (procedure.id, LEVEL[region]) for procedure in load_catalog() for region in procedure.regions
]
LANGUAGES = ["en", "es", "tr", "de", "fr", "ar"]


def fields(procedure: str, level: str) -> dict[str, Any]:
    side = None if procedure == "nucleoplasty" else "left"
    return {"procedure": procedure, "levels": level, "side": side}


def folded(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("procedure", "level"), VARIANTS)
def test_warning_box_is_whole_on_one_page(
    render: Any, procedure: str, level: str, language: str
) -> None:
    _ = load_translations(Resources.bundled(), language).gettext
    rendered = render(kinds=("discharge",), language=language, **fields(procedure, level))
    heading = folded(_("Warning signs"))
    last = folded(_("pain or swelling in a calf, chest pain or sudden breathlessness."))
    # Arabic extraction may reorder words across a line: compare a short, unbroken start.
    last_start = " ".join(last.split()[:2])
    pages = [n for n, text in enumerate(rendered.pages) if heading in text]
    assert pages, heading
    assert last_start in rendered.pages[pages[0]], (pages, last_start)
    assert "999" in rendered.pages[pages[0]] and "01632 960 999" in rendered.pages[pages[0]]


@pytest.mark.parametrize(("procedure", "level"), VARIANTS)
def test_english_reads_at_grade_7_or_below(render: Any, procedure: str, level: str) -> None:
    rendered = render(**fields(procedure, level))
    header = {"Riverside Demo Hospital", "Spine Day-Surgery Unit", "Consent form",
              "Pre-operative checklist", "Discharge information", "Pre-operative", "checklist",
              "Discharge", "information", "Spine Day-Surgery Unit Consent form",
              "Spine Day-Surgery Unit Discharge information",
              "NOT APPROVED FOR CLINICAL USE AT Riverside Demo Hospital"}  # fmt: skip
    for info in rendered.packet.documents:
        units = body_units(rendered.packet.pdf, info.first_page, info.pages, header)
        # The operation's exact name is required wording (AAGBI: name the procedure), a term
        # the reader is told, not prose we can simplify: it is scored as "the procedure".
        name = load_catalog().get(procedure).name_for(parse_level(level).region)
        text = reading_text(units).replace(name, "the procedure")
        assert len(units) > 40  # the body was found, not just the header
        grade, smog = textstat.flesch_kincaid_grade(text), textstat.smog_index(text)
        assert grade <= 7 and smog <= 9, (info.kind, grade, smog)


def test_consent_is_complete(render: Any) -> None:
    text = render(procedure="discectomy", levels="L5-S1", side="left").document_text("consent")
    for expected in [
        "I agree to have this procedure: Discectomy (open or microdiscectomy), at L5–S1 "
        "(side: left).",
        "I have had the chance to talk about the anaesthetic with the team.",
        "A copy of this form was given to the patient",
        "The patient was given a leaflet about the procedure",
        "Level and side checked with the patient, the scans and the skin mark",
        "Questions about this form? Call the unit on 01632 960 100.",
        "about 1 to 7 in 100 people", "about 5 to 15 in 100 people",
    ]:  # fmt: skip
        assert expected in text, expected
    witness = text[text.index("Witness") : text.index("Consent checked again on the day")]
    assert "Date Time" in witness or ("Date" in witness and "Time" in witness)
    nucleoplasty = render().document_text("consent")
    assert "Level checked with the patient and the scans" in nucleoplasty


def test_lumbar_discectomy_speaks_of_nerve_roots_not_the_spinal_cord(render: Any) -> None:
    text = " ".join(render(procedure="discectomy", side="left").pages)
    assert "spinal cord" not in text
    assert "nerve root" in text and "bladder and bowel" in text


def test_cervical_discectomy_is_named_and_warns_about_the_airway(render: Any) -> None:
    rendered = render(procedure="discectomy", levels="C5-C6", side="right")
    consent = rendered.document_text("consent")
    assert "Anterior cervical discectomy (usually with fusion or disc replacement)" in consent
    assert "Trouble swallowing" in consent and "hoarse voice" in consent
    discharge = rendered.document_text("discharge")
    box = discharge[discharge.index("Call 999 for an ambulance") :]
    assert "trouble breathing or swallowing, or swelling in the neck" in box


@pytest.mark.parametrize(
    ("level", "expected", "absent"),
    [
        ("C5-C6", ["gullet", "carotid artery", "spinal cord in the neck"], ["collapsed lung"]),
        ("T7-T8", ["collapsed lung"], ["gullet", "carotid"]),
        ("L4-L5", ["about 2 or 3 in 10 people"], ["gullet", "collapsed lung"]),
    ],
)
def test_nucleoplasty_risks_are_true_to_the_region(
    render: Any, level: str, expected: list[str], absent: list[str]
) -> None:
    text = render(levels=level).document_text("consent")
    for phrase in expected:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
    assert "some centres" not in text and "ozone" not in text


def test_lumbar_nucleoplasty_tells_one_recovery_story(render: Any) -> None:
    rendered = render()
    consent, discharge = rendered.document_text("consent"), rendered.document_text("discharge")
    assert "with some limits for the first 10 days" in consent
    assert "For 10 days, do not lift weights" in discharge
    assert "Heavy work and sport must wait several weeks" in discharge
    assert "MRI scan at about 3 months" in discharge and "Smoking slows healing" in discharge


def test_discharge_has_medicines_and_follow_up_lines(render: Any) -> None:
    text = render().document_text("discharge")
    for expected in [
        "Restart blood thinners on (date)", "Restart other medicines on (date)",
        "Follow-up appointment (date and time)", "Emergency (ambulance) 999",
    ]:  # fmt: skip
        assert expected in text, expected


def test_admission_checks(render: Any) -> None:
    text = render().document_text("preop")
    for expected in ["Allergies checked", "Pregnancy checked, where it could apply",
                     "Time of last food", "Time of last drink"]:  # fmt: skip
        assert expected in text, expected


def test_percutaneous_discectomy_benefit_wording(render: Any) -> None:
    text = render(procedure="percutaneous-discectomy", side="left").document_text("consent")
    assert "still there when they were checked at 6 or 12 months" in folded(text)
    assert "lasted 6 to 12 months" not in text
