"""The command line, as a nurse or a script uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.cli import cli
from tests.conftest import BASE_RECORD, key_times, pages_text


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def patient_file(tmp_path: Path) -> Path:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(BASE_RECORD), encoding="utf-8")
    return path


def test_packet_from_a_file(patient_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    result = run("packet", str(patient_file), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "consent p.1-" in result.output and "discharge p." in result.output
    pages = pages_text(out.read_bytes())
    assert "Consent form" in pages[0] and "Discharge information" in pages[-1]
    assert all("Testperson, Robin" in page for page in pages)
    assert "Testperson" not in result.output  # no patient data in the log


def test_packet_from_options_only(tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    options = [f"--{key.replace('_', '-')}={value}" for key, value in BASE_RECORD.items()]
    result = run(
        "packet",
        "-o",
        str(out),
        "--docs",
        "discharge",
        *options,
        "--procedure",
        "discectomy",
        "--side",
        "bilateral",
    )
    assert result.exit_code == 0, result.output
    text = " ".join(pages_text(out.read_bytes()))
    assert "Discharge information" in text and "Consent form" not in text
    assert "Discectomy" in text and "Side both (left and right)" in text


def test_options_override_the_file(patient_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    result = run(
        "packet",
        str(patient_file),
        "-o",
        str(out),
        "--docs",
        "preop",
        "--surgery-at",
        "2026-12-02 14:00",
    )
    assert result.exit_code == 0, result.output
    assert key_times(out.read_bytes())["Last drink"] == "Wednesday, 2 December 2026 at 09:00"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--levels", "L9-L10"], 'error: levels (--levels): "L9-L10" is not a spinal level'),
        (["--levels", "L4-L5;C5-C6"],
         "error: levels (--levels): C5-C6, L4-L5 span more than one region"),
        (
            ["--procedure", "percutaneous-discectomy", "--side", "left", "--levels", "L3-L4;L4-L5"],
            "error: levels (--levels): percutaneous-discectomy treats exactly one level",
        ),
        (["--procedure", "discectomy"], "error: side (--side): is required for discectomy"),
        (
            ["--procedure", "laminectomy"],
            "error: procedure (--procedure): not a known procedure; choose one of:",
        ),
        (["--surgery-at", "2026-02-30T08:30"],
         "error: surgery_at (--surgery-at): not a valid date and time"),
        (["--dob", "1960-13-01"], "error: dob (--dob): not a valid date"),
        (["--docs", "letter"], "error: docs: choose from consent, preop, discharge"),
    ],
)
def test_bad_input_is_one_line_and_no_file(
    patient_file: Path, tmp_path: Path, options: list[str], expected: str
) -> None:
    out = tmp_path / "packet.pdf"
    result = run("packet", str(patient_file), "-o", str(out), *options)
    assert result.exit_code == 1
    assert result.output.startswith(expected), result.output
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output and "Testperson" not in result.output
    assert not out.exists()


def test_broken_json_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "patient.json"
    bad.write_text('{"mrn": "1", "family_name": "Secret"', encoding="utf-8")
    result = run("packet", str(bad), "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert result.output == "error: patient: not valid UTF-8 JSON (line 1)\n"


def test_bad_site_is_a_configuration_error(patient_file: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('name = "X"\npaper = "A3"\n', encoding="utf-8")
    result = run("packet", str(patient_file), "-o", str(tmp_path / "x.pdf"), "--site", str(site))
    assert result.exit_code == 2
    assert result.output == "error: site site.toml: paper must be A4 or Letter\n"


def test_custom_site_on_letter_paper(patient_file: Path, tmp_path: Path) -> None:
    demo = Path(__file__).parents[1] / "templates" / "sites" / "demo.toml"
    site = tmp_path / "site.toml"
    text = demo.read_text(encoding="utf-8")
    site.write_text(
        text.replace("Riverside Demo Hospital", "Lakeside Test Clinic")
        .replace('paper = "A4"', 'paper = "Letter"')
        .replace('form_prefix = "DEMO"', 'form_prefix = "LTC"'),
        encoding="utf-8",
    )
    out = tmp_path / "x.pdf"
    result = run(
        "packet", str(patient_file), "-o", str(out), "--site", str(site), "--docs", "consent"
    )
    assert result.exit_code == 0, result.output
    pages = pages_text(out.read_bytes())
    assert all("Lakeside Test Clinic" in page and "Form LTC-CONS-NUC" in page for page in pages)
    import pypdf

    width, height = pypdf.PdfReader(out).pages[0].mediabox.upper_right
    assert (round(float(width)), round(float(height))) == (612, 792)


def test_procedures_lists_the_catalog() -> None:
    result = run("procedures")
    assert result.exit_code == 0, result.output
    for procedure_id in (
        "nucleoplasty",
        "discectomy",
        "endoscopic-discectomy",
        "percutaneous-discectomy",
    ):
        assert procedure_id in result.output
    rows = json.loads(run("procedures", "--json").output)
    limits = {row["id"]: (row["max_levels"], row["side"]) for row in rows}
    assert limits["percutaneous-discectomy"] == (1, "required")
    assert limits["nucleoplasty"][1] == "optional"


def test_demo_renders_sample_packets(tmp_path: Path) -> None:
    result = run("demo", "-o", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "demo").glob("*.pdf"))
    assert [f.name for f in files] == [
        "01-nucleoplasty-L4-L5-en.pdf", "02-nucleoplasty-C5-C6-en.pdf",
        "03-discectomy-L5-S1-en.pdf", "04-endoscopic-discectomy-L4-L5-en.pdf",
        "05-percutaneous-discectomy-L3-L4-en.pdf", "06-discectomy-C5-C6-es.pdf",
        "07-nucleoplasty-L5-S1-ar.pdf",
    ]  # fmt: skip
    cervical = " ".join(pages_text(files[1].read_bytes()))
    assert "Okafor, Ben" in cervical and "face up" in cervical
    assert all((f.stat().st_mode & 0o777) == 0o600 for f in files)
    # Duplex: every document of every demo packet starts on an odd page (its code says 1/N).
    from tests.test_print import decode_codes

    for path in files:
        codes = [found[0] for found in decode_codes(path.read_bytes(), dpi=150)]
        assert len(codes) % 2 == 0
        starts = [index + 1 for index, code in enumerate(codes) if code.endswith("|1/" +
                  code.rsplit("/", 1)[-1])]  # fmt: skip
        assert len(starts) == 3 and all(page % 2 == 1 for page in starts), (path.name, codes)


def test_help_does_not_import_the_renderer() -> None:
    import subprocess
    import sys

    code = "import sys; from docgen.cli import cli; print('weasyprint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["batch", "s.csv"], "error: Missing option '-o' / '--output'."),
        (["batch", "s.csv", "-o", "out", "--jobs", "0"], "error: Invalid value for '--jobs'"),
        (["packet", "-o", "x.pdf", "--colour", "red"], "error: No such option '--colour'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], expected: str) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "docgen", *args], capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(expected) and done.stderr.count("\n") == 1, done.stderr


def test_every_problem_at_once_naming_the_option(tmp_path: Path) -> None:
    result = run("packet", "-o", str(tmp_path / "x.pdf"), "--mrn", "0001", "--levels", "L5-L4",
                 "--surgery-at", "2026-12-02", "--dob", "1958-4-17", "--procedure", "nucleoplasty",
                 "--language", "en")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: family_name (--family-name): is required",
        "error: given_name (--given-name): is required",
        'error: levels (--levels): "L5-L4" is not a spinal level; write the upper level first: '
        "L4-L5",
        "error: surgery_at (--surgery-at): add the time, e.g. 2026-12-02T08:30",
    ]
    assert not (tmp_path / "x.pdf").exists()


def test_default_output_name_and_force(patient_file: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    first = run("packet", str(patient_file), "--docs", "discharge")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("wrote 0004567-nucleoplasty-en.pdf (")
    written = tmp_path / "0004567-nucleoplasty-en.pdf"
    before = written.read_bytes()
    again = run("packet", str(patient_file), "--docs", "discharge", "--levels", "L3-L4")
    assert again.exit_code == 2
    assert again.output == "error: output (-o): the file exists; add --force to replace it\n"
    assert written.read_bytes() == before
    forced = run("packet", str(patient_file), "--docs", "discharge", "--levels", "L3-L4",
                 "--force")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert "L3–L4" in " ".join(pages_text(written.read_bytes()))


def test_help_lists_each_fields_format() -> None:
    text = " ".join(run("packet", "--help").output.split()).replace("- ", "-")
    for expected in ("YYYY-MM-DDTHH:MM", "en, es, tr, de, fr or ar", "left, right, bilateral or "
                     "central", "L4-L5", "yes or no", "--template", "--force"):  # fmt: skip
        assert expected in text


def test_template_and_examples_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.batch import read_schedule, row_options
    from docgen.catalog import load_catalog
    from docgen.options import RenderOptions
    from docgen.request import validate_record
    from docgen.site import load_site

    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-01")
    template = json.loads(run("packet", "--template").stdout)
    examples = Path(__file__).parents[1] / "examples"
    assert json.loads((examples / "patient.json").read_text(encoding="utf-8")) == template
    site, catalog = load_site(), load_catalog()
    assert validate_record(template, catalog, site).surgery_at.isoformat() == "2026-12-02T08:30:00"
    rows = read_schedule(examples / "tomorrow.csv")
    assert len(rows) == 6 and rows[0].extras == {"Ward": "Day Surgery"}
    for row in rows:
        validate_record(row.record, catalog, site)
        row_options(row, RenderOptions())
    assert row_options(rows[1], RenderOptions()).consent_copies == ("patient", "record")
    assert row_options(rows[2], RenderOptions()).large_print is True
