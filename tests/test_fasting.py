"""Fasting, arrival and the 48-hour start as printed on the checklist, at every clock edge.

Each case renders the checklist and reads the PDF text; "today" is pinned per test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.catalog import Catalog
from docgen.cli import cli
from docgen.errors import InvalidRecord
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.site import Site, parse_site
from tests.conftest import key_times, pages_text, record

GENERAL = {"procedure": "discectomy", "side": "left"}
PREOP = RenderOptions(documents=("preop",))


def preop_text(site: Site, catalog: Catalog, **changes: Any) -> str:
    """The checklist's text, with its key-times rows read by position as "label: value."."""
    request = validate_record(record(**changes), catalog, site)
    pdf = render_packet(request, site, PREOP).pdf
    rows = " ".join(f"{label}: {value}." for label, value in key_times(pdf).items())
    return " ".join(pages_text(pdf)) + " " + rows


def refusal(site: Site, catalog: Catalog, **changes: Any) -> str:
    with pytest.raises(InvalidRecord) as caught:
        validate_record(record(**changes), catalog, site)
    return "\n".join(str(problem) for problem in caught.value.problems)


@pytest.mark.parametrize(
    ("today", "surgery_at", "expected"),
    [
        # Surgery at midnight: the day before is the day of the fast and of arrival.
        ("2026-11-25", "2026-12-02T00:00", [
            "Please arrive at: Tuesday, 1 December 2026 at 23:00.",
            "Last food: Tuesday, 1 December 2026 at 18:00.",
            "Last drink: Tuesday, 1 December 2026 at 22:00.",
        ]),
        ("2026-11-25", "2026-12-02T00:30", [
            "Please arrive at: Tuesday, 1 December 2026 at 23:30.",
            "Last food: Tuesday, 1 December 2026 at 18:30.",
            "Last drink: Tuesday, 1 December 2026 at 22:30.",
        ]),
        ("2026-11-25", "2026-12-02T12:00", [
            "Please arrive at: 11:00.",
            "Last food: Wednesday, 2 December 2026 at 06:00.", "you may have a light breakfast",
            "Last drink: Wednesday, 2 December 2026 at 09:00.",
        ]),
        ("2026-11-25", "2026-12-02T14:59", [
            "Last food: Wednesday, 2 December 2026 at 08:59.",
            "Last drink: Wednesday, 2 December 2026 at 09:00.",
        ]),
        # A night list is not an afternoon list: the hours decide.
        ("2026-11-25", "2026-12-02T23:30", [
            "Please arrive at: 22:30.",
            "Last food: Wednesday, 2 December 2026 at 17:30.",
            "Last drink: Wednesday, 2 December 2026 at 21:30.",
            "until your last drink time you may drink water",
        ]),
        # Month end, year end and leap day: the fast starts at midnight of the day before.
        ("2026-11-25", "2026-12-01T08:00", [
            "Last food: midnight at the end of Monday, 30 November 2026.",
            "No alcohol or smoking from: Sunday, 29 November 2026 at 08:00.",
        ]),
        ("2026-11-25", "2027-01-01T00:30", [
            "Please arrive at: Thursday, 31 December 2026 at 23:30.",
            "Last food: Thursday, 31 December 2026 at 18:30.",
        ]),
        ("2027-06-01", "2028-03-01T09:00", [
            "Last food: midnight at the end of Tuesday, 29 February 2028.",
            "No alcohol or smoking from: Monday, 28 February 2028 at 09:00.",
        ]),
        ("2027-06-01", "2028-02-29T14:00", [
            "Last food: Tuesday, 29 February 2028 at 08:00.",
            "No alcohol or smoking from: Sunday, 27 February 2028 at 14:00.",
        ]),
        # Clocks forward on 28 March 2027 (01:00 GMT -> 02:00 BST): 48 real hours.
        ("2027-03-01", "2027-03-29T08:30", [
            "No alcohol or smoking from: Saturday, 27 March 2027 at 07:30.",
        ]),
        ("2027-03-01", "2027-03-28T03:30", [
            "Please arrive at: 02:30.",
            "Last food: Saturday, 27 March 2027 at 20:30.",
        ]),
        # Clocks back on 31 October 2027 (02:00 BST -> 01:00 GMT).
        ("2027-10-01", "2027-11-01T08:30", [
            "No alcohol or smoking from: Saturday, 30 October 2027 at 09:30.",
        ]),
        ("2027-10-01", "2027-10-31T03:00", [
            "Please arrive at: 02:00.",
            "Last food: Saturday, 30 October 2027 at 22:00.",
        ]),
    ],
)  # fmt: skip
def test_fasting_and_arrival_at_clock_edges(
    monkeypatch: pytest.MonkeyPatch, site: Site, catalog: Catalog,
    today: str, surgery_at: str, expected: list[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DOCGEN_TODAY", today)
    text = preop_text(site, catalog, surgery_at=surgery_at, **GENERAL)
    for line in expected:
        assert line in text, line
    assert "morning" not in text and "afternoon" not in text and "evening" not in text
    assert "Take your usual medicines with a sip of water" in text
    assert "If you have diabetes" in text


def test_local_only_procedure_has_no_fasting_times(site: Site, catalog: Catalog) -> None:
    text = preop_text(site, catalog, procedure="percutaneous-discectomy", side="right",
                      surgery_at="2026-12-02T08:30")  # fmt: skip
    assert "You do not need to fast" in text
    assert "Last food" not in text and "Last drink" not in text


def test_site_may_ask_local_only_patients_to_fast(site: Site, catalog: Catalog) -> None:
    fasting = _site_with(site, fasting_local=True)
    text = preop_text(fasting, catalog, procedure="percutaneous-discectomy", side="right",
                      surgery_at="2026-12-02T14:00")  # fmt: skip
    assert "Last food: Wednesday, 2 December 2026 at 08:00." in text
    assert "You do not need to fast" not in text


def test_repeated_hour_needs_an_offset_or_a_site_rule(
    monkeypatch: pytest.MonkeyPatch, site: Site, catalog: Catalog
) -> None:
    monkeypatch.setenv("DOCGEN_TODAY", "2027-10-01")
    problem = refusal(site, catalog, surgery_at="2027-10-31T01:30")
    assert problem.startswith("surgery_at: this time happens twice")
    assert "2027-10-31T01:30+01:00" in problem
    first = validate_record(record(surgery_at="2027-10-31T01:30+01:00"), catalog, site)
    second = validate_record(record(surgery_at="2027-10-31T01:30+00:00"), catalog, site)
    assert (first.surgery_at.fold, second.surgery_at.fold) == (0, 1)
    assert refusal(site, catalog, surgery_at="2027-10-31T01:30+02:00").startswith(
        "surgery_at: the UTC offset does not match"
    )
    # 01:30 GMT (the second one): arrival one real hour earlier is 01:30 BST.
    text = preop_text(site, catalog, surgery_at="2027-10-31T01:30+00:00", **GENERAL)
    assert "Procedure time: 01:30." in text and "Please arrive at: 01:30." in text
    later = _site_with(site, ambiguous_time="later")
    assert validate_record(record(surgery_at="2027-10-31T01:30"), catalog, later).surgery_at.fold


def test_time_that_does_not_exist_is_refused(
    monkeypatch: pytest.MonkeyPatch, site: Site, catalog: Catalog
) -> None:
    monkeypatch.setenv("DOCGEN_TODAY", "2027-03-01")
    assert refusal(site, catalog, surgery_at="2027-03-28T01:30") == (
        "surgery_at: this time does not exist in the site's time zone (Europe/London): "
        "the clocks go forward then; check the time"
    )


def test_dates_in_the_past_or_over_a_year_ahead_are_refused(
    monkeypatch: pytest.MonkeyPatch, site: Site, catalog: Catalog
) -> None:
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-02")
    assert refusal(site, catalog, surgery_at="2026-12-01T14:00") == (
        "surgery_at: the date is in the past (today is 2026-12-02 at the site)"
    )
    validate_record(record(surgery_at="2026-12-02T14:00"), catalog, site)  # today is fine
    validate_record(record(surgery_at="2027-12-02T14:00"), catalog, site)  # a year ahead
    assert refusal(site, catalog, surgery_at="2027-12-03T08:00") == (
        "surgery_at: the date is more than a year ahead; check the year"
    )
    monkeypatch.setenv("DOCGEN_TODAY", "2028-02-29")
    validate_record(record(surgery_at="2029-02-28T08:00"), catalog, site)
    assert "more than a year ahead" in refusal(site, catalog, surgery_at="2029-03-01T08:00")


def test_started_abstinence_says_start_now_and_the_cli_warns(
    monkeypatch: pytest.MonkeyPatch, site: Site, catalog: Catalog, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-01")
    text = preop_text(site, catalog, surgery_at="2026-12-02T14:00")
    assert "Start now: no alcohol and no smoking until after your procedure." in text
    assert "The 48 hours before it have already begun." in text
    assert "No alcohol or smoking from: Monday, 30 November 2026 at 14:00." in text
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(record(surgery_at="2026-12-02T14:00")), encoding="utf-8")
    result = CliRunner().invoke(cli, ["packet", str(patient), "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == 0
    assert "warning: the 48 hours without alcohol or smoking have already begun" in result.stderr
    schedule = tmp_path / "list.csv"
    row = record(surgery_at="2026-12-02T14:00")
    schedule.write_text(",".join(row) + "\n" + ",".join(map(str, row.values())) + "\n")
    batch = CliRunner().invoke(cli, ["batch", str(schedule), "-o", str(tmp_path / "out"),
                                     "--jobs", "1", "--docs", "preop"])  # fmt: skip
    assert batch.exit_code == 0, batch.output
    assert "warning: row 2: the 48 hours without alcohol or smoking have already begun" in (
        batch.stderr
    )
    monkeypatch.setenv("DOCGEN_TODAY", "2026-11-25")
    text = preop_text(site, catalog, surgery_at="2026-12-02T14:00")
    assert "Start now" not in text
    result = CliRunner().invoke(
        cli, ["packet", str(patient), "-o", str(tmp_path / "p.pdf"), "--force"]
    )
    assert result.exit_code == 0 and "warning" not in result.stderr


def _site_with(site: Site, **changes: Any) -> Site:
    import tomllib

    path = site.resources.templates / "sites" / "demo.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) | changes
    return parse_site(data, path.parent, "site test")
