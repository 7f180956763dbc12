"""Batch generation from a schedule CSV, as an administrator runs it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner

from docgen.cli import cli

COLUMNS = ["mrn", "family_name", "given_name", "dob", "procedure", "levels", "side",
           "surgery_at", "language", "surgeon", "interpreter"]  # fmt: skip
GOOD = [
    ("nucleoplasty", "L4-L5", "", "en"),
    ("nucleoplasty", "C5/C6", "", "es"),
    ("discectomy", "L5-S1", "left", "de"),
    ("endoscopic-discectomy", "l4-5", "right", "fr"),
    ("percutaneous-discectomy", "L3-L4", "left", "tr"),
]
# (row number in the spreadsheet, changes, expected error line)
BAD = {
    4: ({"procedure": "hip-replacement"}, "row 4: procedure: not a known procedure"),
    8: ({"levels": "L9-L10"}, 'row 8: levels: "L9-L10" is not a spinal level'),
    12: ({"procedure": "discectomy", "side": ""}, "row 12: side: is required for discectomy"),
    15: ({"surgery_at": "31/12/2026 08:30"}, "row 15: surgery_at: write it as YYYY-MM-DDTHH:MM"),
    19: ({"language": "pt"}, 'row 19: language: "pt" is not one of'),
}


def schedule_rows(count: int, bad: dict[int, tuple[dict[str, str], str]] | None = None
                  ) -> list[dict[str, str]]:  # fmt: skip
    rows = []
    for index in range(count):
        procedure, level, side, language = GOOD[index % len(GOOD)]
        row = {
            "mrn": f"00{index:04d}", "family_name": f"Secretname{index}", "given_name": "Pat",
            "dob": f"1961-07-0{1 + index % 9}", "procedure": procedure, "levels": level,
            "side": side, "surgery_at": f"2026-12-03 {'08:30' if index % 2 else '14:00'}",
            "language": language, "surgeon": "", "interpreter": "",
        }  # fmt: skip
        spreadsheet_row = index + 2
        if bad and spreadsheet_row in bad:
            row.update(bad[spreadsheet_row][0])
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",",
              bom: bool = True) -> Path:  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    buffer.write(delimiter * (len(COLUMNS) - 1) + "\r\n")  # an empty trailing row, as Excel
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8"))
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def twenty_rows(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    tmp = tmp_path_factory.mktemp("batch")
    schedule = write_csv(tmp / "tomorrow.csv", schedule_rows(20, BAD))
    out = tmp / "out"
    result = run("batch", str(schedule), "-o", str(out), "--jobs", "2", "--print-file")
    return out, result


def test_bad_rows_are_reported_and_the_rest_written(twenty_rows: tuple[Path, Any]) -> None:
    out, result = twenty_rows
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert len(errors) == 5
    for line, (_, expected) in zip(errors, sorted(BAD.items()), strict=True):
        assert line.startswith(expected[1]), line
    assert "Secretname" not in result.output and "1961-07" not in result.output
    assert result.stdout.strip().splitlines()[-1] == "15 packets written, 5 rows rejected"
    pdfs = sorted(p.name for p in out.glob("*.pdf") if p.name != "print-file.pdf")
    assert len(pdfs) == 15
    assert pdfs[0] == "row0002-000000-nucleoplasty-en.pdf"
    assert not any("Secretname" in name or "1961" in name for name in os.listdir(out))


def test_manifest_lists_every_row_and_matches_the_files(twenty_rows: tuple[Path, Any]) -> None:
    out, _ = twenty_rows
    items = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert [item["row"] for item in items] == list(range(2, 22))
    for item in items:
        if item["row"] in BAD:
            assert item["status"] == "error"
            assert item["error"].split(":")[0] in {"procedure", "levels", "side", "surgery_at",
                                                   "language"}  # fmt: skip
            assert "Secretname" not in item["error"]
            continue
        assert item["status"] == "ok"
        data = (out / item["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"]
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) == item["pages"]
        assert [d["kind"] for d in item["documents"]] == ["consent", "preop", "discharge"]
        assert all(d["first_page"] % 2 == 1 for d in item["documents"])
        assert {d["language"] for d in item["documents"]} == {GOOD[(item["row"] - 2) % 5][3]}
        first = reader.pages[0].extract_text()
        assert f"Secretname{item['row'] - 2}" in first


def test_print_file_starts_every_document_on_an_odd_page(twenty_rows: tuple[Path, Any]) -> None:
    out, _ = twenty_rows
    items = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]
    reader = pypdf.PdfReader(out / "print-file.pdf")
    ok = [item for item in items if item["status"] == "ok"]
    assert len(reader.pages) == sum(item["pages"] for item in ok)
    for item in ok:
        for document in item["documents"]:
            page = item["print_first_page"] + document["first_page"] - 1
            assert page % 2 == 1
            text = reader.pages[page - 1].extract_text()
            assert f"Page 1 of {document['pages']}" in text or "1" in text


def test_a_rerun_skips_what_is_done_and_renders_what_changed(tmp_path: Path) -> None:
    rows = schedule_rows(3)
    schedule = write_csv(tmp_path / "s.csv", rows, bom=False)
    out = tmp_path / "out"
    assert run("batch", str(schedule), "-o", str(out), "--jobs", "1").exit_code == 0
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    again = run("batch", str(schedule), "-o", str(out), "--jobs", "1")
    assert again.exit_code == 0
    assert again.stdout.strip() == "0 packets written, 0 rows rejected, 3 unchanged"
    rows[1]["surgery_at"] = "2026-12-04 09:00"
    write_csv(schedule, rows, bom=False)
    changed = run("batch", str(schedule), "-o", str(out), "--jobs", "1")
    assert changed.stdout.strip() == "1 packets written, 0 rows rejected, 2 unchanged"
    now = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    assert [name for name in now if now[name] != first.get(name)] == [
        "row0003-000001-nucleoplasty-es.pdf"
    ]


def test_semicolons_and_leading_zeros(tmp_path: Path) -> None:
    schedule = write_csv(tmp_path / "s.csv", schedule_rows(1), delimiter=";")
    out = tmp_path / "out"
    result = run("batch", str(schedule), "-o", str(out), "--docs", "consent")
    assert result.exit_code == 0, result.output
    item = json.loads((out / "manifest.json").read_text())["items"][0]
    assert item["file"] == "row0002-000000-nucleoplasty-en.pdf"
    assert "000000" in pypdf.PdfReader(out / item["file"]).pages[0].extract_text()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "MRN;Family Name;given name;DOB;procedure;levels;surgery_at;language;Family_Name",
            "error: schedule s.csv: columns appear twice: family_name",
        ),
        (
            "mrn,family_name,given_name,procedure,levels,surgery_at,language",
            "error: schedule s.csv: missing columns: dob",
        ),
    ],
)
def test_column_problems_are_reported_once_up_front(tmp_path: Path, header: str,
                                                    message: str) -> None:  # fmt: skip
    schedule = tmp_path / "s.csv"
    schedule.write_text(header + "\n" + "x," * header.count(",") + "x\n", encoding="utf-8")
    result = run("batch", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output == message + "\n"
    assert not (tmp_path / "out").exists()


def test_a_killed_run_leaves_only_valid_pdfs_and_the_rerun_completes(tmp_path: Path) -> None:
    schedule = write_csv(tmp_path / "s.csv", schedule_rows(6), bom=False)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "docgen", "batch", str(schedule), "-o", str(out),
               "--jobs", "1"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip

    def recorded() -> int:
        try:
            return len(json.loads((out / "manifest.json").read_text())["items"])
        except (OSError, ValueError):
            return 0

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and recorded() < 2:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the whole group: parent and its workers
    process.wait()
    written = list(out.glob("*.pdf"))
    assert 2 <= len(written) < 6
    for path in written:
        assert len(pypdf.PdfReader(path).pages) > 0
    rerun = run("batch", str(schedule), "-o", str(out), "--jobs", "1")
    assert rerun.exit_code == 0, rerun.output
    assert len(list(out.glob("row*.pdf"))) == 6
    assert not list(out.glob(".tmp-*"))
    summary = rerun.stdout.strip()
    written_now = int(summary.split()[0])
    assert written_now <= 6 - 2  # the finished packets were recognised and skipped


def test_a_render_that_hangs_is_stopped_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen import batch
    from docgen.options import RenderOptions

    def hang(*args: Any, **kwargs: Any) -> None:
        time.sleep(30)

    monkeypatch.setattr(batch, "RENDER_TIME_LIMIT", 1)
    monkeypatch.setattr(batch, "render_packet", hang)
    previous_sigint = signal.getsignal(signal.SIGINT)
    batch._init_worker(None)  # as in a worker: loads the site, ignores Ctrl-C
    signal.signal(signal.SIGINT, previous_sigint)
    started = time.monotonic()
    item = batch.render_row((7, schedule_rows(1)[0], str(tmp_path), "x.pdf", RenderOptions()))
    assert time.monotonic() - started < 10
    assert item == {"row": 7, "status": "error", "error": "render: rendering took longer than 1 s"}
    assert not list(tmp_path.iterdir())


def test_a_latin1_export_is_refused_up_front(tmp_path: Path) -> None:
    schedule = tmp_path / "s.csv"
    schedule.write_bytes(",".join(COLUMNS).encode() + "\n0001,Müller,Jörg\n".encode("latin-1"))
    result = run("batch", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output == "error: schedule s.csv: not UTF-8; export it as CSV UTF-8\n"


def test_row_with_extra_cells_and_us_style_birth_date(tmp_path: Path) -> None:
    rows = schedule_rows(3)
    rows[1]["dob"] = "02/12/1961"
    schedule = write_csv(tmp_path / "s.csv", rows)
    text = schedule.read_text(encoding="utf-8-sig").splitlines()
    text[3] += ",surplus"
    schedule.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = run("batch", str(schedule), "-o", str(tmp_path / "out"), "--docs", "preop")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "row 3: dob: write it as YYYY-MM-DD (e.g. 1961-03-12); a date such as 26/11/2026 is "
        'read only when the site file sets date_order = "DMY" or "MDY"',
        "row 4: row: more cells than the header has columns",
    ]
    assert result.stdout.strip() == "1 packets written, 2 rows rejected"


def test_progress_shows_rows_rejections_and_eta_on_a_terminal(capsys: pytest.CaptureFixture[str]
                                                              ) -> None:  # fmt: skip
    from docgen.cli.render import _Progress

    progress = _Progress()
    progress.enabled = True  # as on a terminal
    progress(5, 20, 1)
    progress(20, 20, 2)
    err = capsys.readouterr().err
    assert "5/20 rows, 1 rejected, ETA" in err and err.endswith(
        "20/20 rows, 2 rejected, ETA    0 s\n"
    )
    quiet = _Progress()
    assert quiet.enabled is False  # tests, pipes and cron jobs: no bar
