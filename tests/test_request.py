"""Validation of one patient record: every violation names its field, never the patient."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docgen.errors import DocgenError, InvalidRecord
from docgen.options import parse_copies, parse_documents
from docgen.request import Side, validate_record
from tests.conftest import record


def check(catalog: Any, site: Any, **changes: Any) -> str:
    with pytest.raises(DocgenError) as caught:
        validate_record(record(**changes), catalog, site)
    message = str(caught.value)
    assert "\n" not in message
    assert "Testperson" not in message and "Robin" not in message and "1960" not in message
    return message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"levels": "L9-L10"}, 'levels: "L9-L10" is not a spinal level'),
        ({"levels": "L4-L5;C5-C6"}, "levels: C5-C6, L4-L5 span more than one region"),
        (
            {"procedure": "percutaneous-discectomy", "side": "left", "levels": "L4-L5;L5-S1"},
            "levels: percutaneous-discectomy treats exactly one level; 2 were given",
        ),
        (
            {"procedure": "nucleoplasty", "levels": "L1-L2;L2-L3;L3-L4;L4-L5"},
            "levels: nucleoplasty treats at most 3",
        ),
        (
            {"procedure": "endoscopic-discectomy", "side": "left", "levels": "C5-C6"},
            "levels: endoscopic-discectomy is offered for the lumbar spine, not the cervical spine",
        ),
        ({"procedure": "discectomy"}, "side: is required for discectomy"),
        ({"procedure": "discectomy", "side": "L"}, 'side: "L" is not one of: left, right'),
        ({"procedure": "hip-replacement"}, "procedure: not a known procedure; choose one of: disc"),
        ({"dob": "1960-02-30"}, "dob: not a valid date; write it as YYYY-MM-DD"),
        ({"dob": "14/05/1960"}, 'dob: write it as YYYY-MM-DD (e.g. 1961-03-12); a date such as '
         '26/11/2026 is read only when the site file sets date_order = "DMY" or "MDY"'),
        ({"dob": "22050"}, "dob: looks like a spreadsheet serial date"),
        ({"dob": "2027-01-01"}, "dob: must lie between 1900 and the day of the procedure"),
        ({"surgery_at": "2026-02-30T08:30"}, "surgery_at: not a valid date and time"),
        ({"surgery_at": "02/12/2026 08:30"}, "surgery_at: write it as YYYY-MM-DDTHH:MM"),
        ({"surgery_at": "2026-12-02"}, "surgery_at: add the time, e.g. 2026-12-02T08:30"),
        ({"surgery_at": "46358.35"}, "surgery_at: looks like a spreadsheet serial date"),
        ({"surgery_at": "2026-12-02T08:30:15"}, "surgery_at: not a valid date and time"),
        ({"surgery_at": "2026-12-02T25:00"}, "surgery_at: not a valid date and time"),
        ({"language": "xx"}, 'language: "xx" is not one of: en, ar, de, es, fr, tr'),
        ({"mrn": None}, "mrn: is required"),
        ({"mrn": "12 34"}, "mrn: use 1 to 32 letters, digits or hyphens"),
        ({"family_name": "  "}, "family_name: is required"),
        ({"family_name": "Test\u202eperson"}, "family_name: contains an invisible control"),
        ({"given_name": "Rob\x07in"}, "given_name: contains an invisible control"),
        ({"given_name": "罗宾"}, "given_name: contains characters the bundled fonts cannot print"),
        ({"interpreter": "maybe"}, "interpreter: write yes or no"),
        ({"mrn": "1.23457E+11"}, "mrn: MRN in scientific notation"),
        ({"mrn": "123456.0"}, "mrn: looks like a spreadsheet number (ends in .0)"),
        ({"mrn": "1971-02-03"}, "mrn: looks like a date, not an MRN; are the columns shifted?"),
        ({"levels": "L45"}, 'levels: "L45" is not a spinal level; did you mean L4-L5?'),
        ({"levels": "L4L5"}, 'levels: "L4L5" is not a spinal level; did you mean L4-L5?'),
        ({"levels": "L5-L4"}, 'levels: "L5-L4" is not a spinal level; write the upper level first: '
         "L4-L5"),
        ({"levels": "Testname"}, "levels: not a spinal level; write levels such as L4-L5"),
        ({"language": "Testname"}, "language: is not one of: en, ar, de, es"),
        ({"sidee": "left"}, "sidee: unknown field"),
    ],
)
def test_each_violation_is_one_line_naming_the_field(
    catalog: Any, site: Any, changes: dict[str, Any], expected: str
) -> None:
    assert check(catalog, site, **changes).startswith(expected)


def test_a_valid_record(catalog: Any, site: Any) -> None:
    request = validate_record(
        record(
            procedure="discectomy",
            side="LEFT",
            levels="l5/s1",
            surgery_at="2026-12-02 14:00",
            mrn="000123",
            family_name="Cafe\u0301",
        ),
        catalog,
        site,
    )
    assert request.mrn == "000123"  # leading zeros kept
    assert request.side is Side.LEFT
    assert [level.code for level in request.levels] == ["L5-S1"]
    assert request.surgery_at.hour == 14
    assert request.family_name == "Café"  # NFC-normalised
    assert request.interpreter is False  # English patient, English-speaking site


def test_interpreter_defaults_to_language_difference(catalog: Any, site: Any) -> None:
    assert validate_record(record(language="es"), catalog, site).interpreter is True
    assert (
        validate_record(record(language="es", interpreter="no"), catalog, site).interpreter is False
    )
    assert validate_record(record(interpreter="yes"), catalog, site).interpreter is True
    assert validate_record(record(interpreter=True), catalog, site).interpreter is True
    assert (
        validate_record(record(language="ar", interpreter=False), catalog, site).interpreter
        is False
    )


def test_arabic_and_turkish_names_are_accepted(catalog: Any, site: Any) -> None:
    request = validate_record(record(family_name="Yılmaz", given_name="محمد"), catalog, site)
    assert request.given_name == "محمد"


def test_document_choice() -> None:
    assert parse_documents("discharge,consent") == ("consent", "discharge")
    with pytest.raises(DocgenError, match="docs: choose from consent, preop, discharge"):
        parse_documents("consent,letter")
    assert parse_copies("record, patient") == ("patient", "record")
    assert parse_copies(None) == ()
    with pytest.raises(DocgenError, match="copies: choose from patient, record"):
        parse_copies("nurse")


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["mrn", "family_name", "given_name", "dob", "procedure", "levels",
                           "side", "surgery_at", "language", "surgeon", "interpreter"]),
    value=st.text(max_size=40),
)  # fmt: skip
def test_any_text_in_any_field_is_accepted_or_one_clean_line(
    catalog: Any, site: Any, field: str, value: str
) -> None:
    try:
        validate_record(record(**{field: value}), catalog, site)
    except InvalidRecord as errors:
        assert errors.problems
        for error in errors.problems:
            message = str(error)
            assert message.startswith(f"{error.field}: ")
            assert "\n" not in message and "Testperson" not in message
            assert all(ch.isprintable() for ch in message)
            if len(value.strip()) > 3 and field not in ("levels", "language"):
                assert value.strip() not in message  # never echoes what could be a name


def test_every_problem_at_once_each_with_what_to_type(catalog: Any, site: Any) -> None:
    with pytest.raises(InvalidRecord) as caught:
        validate_record(
            record(levels="L45", surgery_at="2026-12-02", family_name="", language="pt"),
            catalog,
            site,
        )
    assert [str(p) for p in caught.value.problems] == [
        "family_name: is required",
        'levels: "L45" is not a spinal level; did you mean L4-L5?',
        "surgery_at: add the time, e.g. 2026-12-02T08:30",
        'language: "pt" is not one of: en, ar, de, es, fr, tr',
    ]


@pytest.mark.parametrize(
    ("changes", "attribute", "expected"),
    [
        ({"surgery_at": "2026-12-02T8:30"}, "surgery_at", "2026-12-02 08:30:00"),
        ({"surgery_at": "2026-12-02 08:30:00"}, "surgery_at", "2026-12-02 08:30:00"),
        ({"dob": "1958-4-17"}, "dob", "1958-04-17"),
        ({"procedure": "Microdiscectomy", "side": "left"}, "procedure", "discectomy"),
        ({"procedure": "Dekompressor", "side": "left"}, "procedure", "percutaneous-discectomy"),
        ({"procedure": " Endoscopic Discectomy ", "side": "left"}, "procedure",
         "endoscopic-discectomy"),
        ({"procedure": "NUCLEOPLASTY"}, "procedure", "nucleoplasty"),
        ({"interpreter": "Y"}, "interpreter", "True"),
        ({"interpreter": "TRUE"}, "interpreter", "True"),
        ({"interpreter": "1", "language": "es"}, "interpreter", "True"),
        ({"interpreter": "0", "language": "es"}, "interpreter", "False"),
    ],
)  # fmt: skip
def test_harmless_forms_are_accepted(catalog: Any, site: Any, changes: dict[str, Any],
                                     attribute: str, expected: str) -> None:  # fmt: skip
    request = validate_record(record(**changes), catalog, site)
    value = getattr(request, attribute)
    assert str(getattr(value, "id", value)) == expected


def test_site_date_order_reads_local_dates(catalog: Any, site: Any) -> None:
    from dataclasses import replace

    dmy, mdy = replace(site, date_order="DMY"), replace(site, date_order="MDY")
    request = validate_record(record(surgery_at="26/11/2026 08:30", dob="5.4.1958"), catalog, dmy)
    assert (str(request.surgery_at), str(request.dob)) == ("2026-11-26 08:30:00", "1958-04-05")
    request = validate_record(record(surgery_at="11/26/2026 8:30", dob="4/5/1958"), catalog, mdy)
    assert (str(request.surgery_at), str(request.dob)) == ("2026-11-26 08:30:00", "1958-04-05")
    with pytest.raises(InvalidRecord, match="surgery_at: not a valid date and time"):
        validate_record(record(surgery_at="11/26/2026 08:30"), catalog, dmy)


def test_site_mrn_digits_pads_or_refuses(catalog: Any, site: Any) -> None:
    from dataclasses import replace

    padding = replace(site, mrn_digits=7)
    assert validate_record(record(mrn="4567"), catalog, padding).mrn == "0004567"
    assert validate_record(record(mrn="AB-12"), catalog, padding).mrn == "AB-12"
    strict = replace(site, mrn_digits=7, mrn_pad=False)
    with pytest.raises(InvalidRecord) as caught:
        validate_record(record(mrn="4567"), catalog, strict)
    assert str(caught.value) == (
        "mrn: MRN shorter than the site's mrn_digits (7): leading zeros lost? "
        "Format the MRN column as text and export again"
    )
    assert "4567" not in str(caught.value)
