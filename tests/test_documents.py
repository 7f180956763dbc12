"""The three documents, read back from the PDF page by page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from docgen.catalog import load_catalog
from docgen.levels import Region, all_levels

# One packet per procedure and region it allows, at a level of that region.
CASES = [
    (procedure.id, region.value, all_levels(region)[2].code)
    for procedure in load_catalog()
    for region in procedure.regions
]
TITLES = {"consent": "Consent form", "preop": "Pre-operative checklist",
          "discharge": "Discharge information"}  # fmt: skip


def fields(procedure: str, level: str) -> dict[str, Any]:
    side = None if procedure == "nucleoplasty" else "left"
    return {"procedure": procedure, "levels": level, "side": side}


@pytest.mark.parametrize(("procedure", "region", "level"), CASES)
def test_every_page_is_labelled(render: Any, procedure: str, region: str, level: str) -> None:
    packet = render(**fields(procedure, level))
    assert [d.kind for d in packet.packet.documents] == ["consent", "preop", "discharge"]
    for info in packet.packet.documents:
        pages = packet.document_pages(info.kind)
        assert len(pages) == info.pages >= 1
        for number, text in enumerate(pages, start=1):
            assert "Testperson, Robin" in text
            assert "14 May 1960" in text
            assert "0004567" in text
            assert "Riverside Demo Hospital" in text
            assert TITLES[info.kind] in text
            assert f"Form {info.form_id} · revision {info.revision} · language en" in text
            assert f"Page {number} of {info.pages}" in text


@pytest.mark.parametrize(("procedure", "region", "level"), CASES)
def test_consent_has_every_element(render: Any, procedure: str, region: str, level: str) -> None:
    text = render(**fields(procedure, level)).document_text("consent")
    name = load_catalog().get(procedure).name_for(Region(region))
    label = level.replace("-", "–")
    for expected in [
        name, label, f"{region} spine", "Anaesthesia", "Practitioner",
        "About the procedure", "Why it is offered", "How it is done", "How you lie",
        "How long it takes and how long you stay", "How it can help", "How likely it is to work",
        "Risks", "Common", "Rare but serious", "Other choices", "No treatment",
        "Extra steps that may be needed",
        "Other trained staff may also take part",
        "I agree to have this procedure:",
        "I have had the chance to talk about the anaesthetic",
        "Things I do not want done without talking about them first",
        "Patient or legal representative", "Relationship to the patient",
        "Clinician taking consent", "Role", "Witness",
        "Consent checked again on the day",
        "A copy of this form was given to the patient",
        "The patient was given a leaflet about the procedure",
        "Call the unit on 01632 960 100",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "Side left" in text if procedure != "nucleoplasty" else "not applicable" in text
    # Same language as the site's staff: no interpreter block unless asked for.
    assert "Interpreter" not in text


def test_interpreter_block_when_asked(render: Any) -> None:
    assert "Interpreter" in render(interpreter="yes").document_text("consent")


def test_practitioner_is_printed(render: Any) -> None:
    assert "Dr Jo Surgeon" in render(surgeon="Dr Jo Surgeon").document_text("consent")


@pytest.mark.parametrize(("procedure", "region", "level"), CASES)
def test_preop_checklist_has_every_element(
    render: Any, procedure: str, region: str, level: str
) -> None:
    rendered = render(**fields(procedure, level))
    text = rendered.document_text("preop")
    assert rendered.key_times["Date"] == "Wednesday, 2 December 2026"
    assert rendered.key_times["Procedure time"] == "08:30"
    assert rendered.key_times["Please arrive at"] == "07:30"
    assert rendered.key_times["No alcohol or smoking from"] == "Monday, 30 November 2026 at 08:30"
    for expected in [
        "No alcohol and no smoking from the time in the table above", "blood thinners",
        "Do not stop any medicine on your own",
        "blood tests, an ECG", "X-rays", "MRI or CT scans",
        "Remove all metal objects", "rings, bracelets, earrings, piercings",
        "loose, comfortable clothing", "Checked on admission", "Nurse", "Signature",
    ]:  # fmt: skip
        assert expected in text, expected


@pytest.mark.parametrize(("procedure", "region", "level"), CASES)
def test_discharge_sheet_has_every_element(
    render: Any, procedure: str, region: str, level: str
) -> None:
    text = render(**fields(procedure, level)).document_text("discharge")
    for expected in [
        "Date of procedure", "Wednesday, 2 December 2026", level.replace("-", "–"),
        "Activity", "Caring for the wound", "Pain and what to expect", "Warning signs",
        "shivering", "new weakness", "numbness that spreads", "bladder or bowel",
        "Follow-up and physiotherapy", "Work", "Driving", "Travel",
        "01632 960 100", "01632 960 999", "Patient", "Nurse", "Signature",
    ]:  # fmt: skip
        assert expected in text, expected


def test_fasting_and_abstinence_for_a_morning_list(render: Any) -> None:
    rendered = render(surgery_at="2026-12-02T08:30")
    text, times = rendered.document_text("preop"), rendered.key_times
    assert times["No alcohol or smoking from"] == "Monday, 30 November 2026 at 08:30"
    assert times["Last food"] == "midnight at the end of Tuesday, 1 December 2026"
    assert times["Last drink"] == "midnight at the end of Tuesday, 1 December 2026"
    assert "No alcohol and no smoking from the time in the table above" in text
    assert "light breakfast" not in text


def test_fasting_and_abstinence_for_an_afternoon_list(render: Any) -> None:
    rendered = render(surgery_at="2026-12-02T14:00")
    text, times = rendered.document_text("preop"), rendered.key_times
    assert times["No alcohol or smoking from"] == "Monday, 30 November 2026 at 14:00"
    assert times["Last food"] == "Wednesday, 2 December 2026 at 08:00"
    assert "you may have a light breakfast before your last food time" in text
    assert times["Last drink"] == "Wednesday, 2 December 2026 at 09:00"
    assert times["Please arrive at"] == "13:00"


def test_local_anaesthetic_only_needs_no_fasting_or_escort(render: Any) -> None:
    text = render(procedure="percutaneous-discectomy", side="right").document_text("preop")
    assert "You do not need to fast for this procedure" in text
    assert "Last food" not in text and "Last drink" not in text
    assert "do not drive yourself home" in text
    assert "Side right" in text


def test_escort_after_sedation_and_general_anaesthetic(render: Any) -> None:
    for changes in ({}, {"procedure": "discectomy", "side": "left"}):
        text = render(**changes).document_text("preop")
        assert "Arrange for an adult to take you home" in text
        assert "Fasting confirmed" in text


def test_lumbar_and_cervical_nucleoplasty_differ_where_the_seeds_say(render: Any) -> None:
    lumbar = render(levels="L4-L5").pages
    cervical = render(levels="C5-C6", surgery_at="2026-12-02T14:00").pages
    lumbar_text, cervical_text = " ".join(lumbar), " ".join(cervical)
    assert "face down" in lumbar_text and "face up" not in lumbar_text
    assert "face up" in cervical_text and "face down" not in cervical_text
    assert "For 10 days" in lumbar_text and "no more than 15 minutes at a time" in lumbar_text
    assert "10 days" not in cervical_text and "15 minutes" not in cervical_text
    assert "normal daily life straight away" in cervical_text


def test_thoracic_nucleoplasty_is_face_down(render: Any) -> None:
    text = render(levels="T7-T8").document_text("consent")
    assert "face down" in text and "thoracic spine" in text


def test_cervical_discectomy_warns_about_swallowing(render: Any) -> None:
    text = render(procedure="discectomy", side="left", levels="C5-C6").document_text("discharge")
    assert "swallowing" in text


def test_several_levels_are_listed(render: Any) -> None:
    text = render(levels="L3-L4;L4/L5").document_text("consent")
    assert "L3–L4 and L4–L5" in text


def test_documents_can_be_picked(render: Any) -> None:
    packet = render(kinds=("preop",))
    assert [d.kind for d in packet.packet.documents] == ["preop"]
    assert all("Pre-operative checklist" in page for page in packet.pages)
    assert not any(
        "Patient's statement" in page or "Discharge information" in page for page in packet.pages
    )


def test_page_counts_restart_per_document(render: Any) -> None:
    packet = render()
    for info in packet.packet.documents:
        numbers = [re.search(r"Page (\d+) of (\d+)", page).groups()  # type: ignore[union-attr]
                   for page in packet.document_pages(info.kind)]  # fmt: skip
        assert numbers == [(str(n), str(info.pages)) for n in range(1, info.pages + 1)]


def test_discharge_into_a_responsible_adult(render: Any) -> None:
    sedated = render().document_text("discharge")
    assert "Responsible adult" in sedated and "stay with them for the first 24 hours" in sedated
    awake = render(procedure="percutaneous-discectomy", side="left").document_text("discharge")
    assert "Responsible adult" in awake and "I am taking the patient home." in awake


# Key facts from the seed documents, as the patient reads them in the printed packet.
SEED_FACTS = [
    ({"procedure": "percutaneous-discectomy", "side": "left"}, "consent",
     ["one single disc", "discography", "CT scanner or live X-ray", "stay awake",
      "face down"]),
    ({"procedure": "percutaneous-discectomy", "side": "left"}, "discharge",
     ["Rest in bed for the first day", "within one to six weeks"]),
    ({"procedure": "endoscopic-discectomy", "side": "right"}, "consent",
     ["about 4 mm", "about an hour", "face down", "Local anaesthetic with conscious sedation"]),
    ({"procedure": "discectomy", "side": "left"}, "consent",
     ["General anaesthetic", "stitches or staples", "face down"]),
    ({"procedure": "discectomy", "side": "left", "levels": "C5-C6"}, "consent",
     ["front of the neck", "face up", "spacer"]),
    ({}, "consent", ["20 to 30 minutes", "Local anaesthetic with light sedation"]),
    ({}, "discharge", ["2 months after the procedure", "fever"]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "kind", "facts"), SEED_FACTS)
def test_seed_facts_reach_the_page(render: Any, changes: dict[str, str], kind: str,
                                   facts: list[str]) -> None:  # fmt: skip
    text = render(**changes).document_text(kind)
    for fact in facts:
        assert fact in text, fact
