"""The command line, as a nurse or a script uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.cli import cli
from tests.conftest import BASE_RECORD, pages_text


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
    assert "Discectomy" in text and "both sides" in text


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
    assert "Last drink: Wednesday, 2 December 2026 at 09:00" in " ".join(
        pages_text(out.read_bytes())
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--levels", "L9-L10"], 'error: levels: "L9-L10" is not a spinal level'),
        (["--levels", "L4-L5;C5-C6"], "error: levels: C5-C6, L4-L5 span more than one region"),
        (
            ["--procedure", "percutaneous-discectomy", "--side", "left", "--levels", "L3-L4;L4-L5"],
            "error: levels: percutaneous-discectomy treats exactly one level",
        ),
        (["--procedure", "discectomy"], "error: side: is required for discectomy"),
        (
            ["--procedure", "laminectomy"],
            'error: procedure: "laminectomy" is not a known procedure',
        ),
        (["--surgery-at", "2026-02-30T08:30"], "error: surgery_at: not a valid date and time"),
        (["--dob", "1960-13-01"], "error: dob: not a valid date"),
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
        (["packet", "patient.json"], "error: Missing option '-o' / '--output'."),
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
