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
    # the rejected rows are listed on a cover sheet (two pages: parity is kept)
    assert len(reader.pages) == 2 + sum(item["pages"] for item in ok)
    cover = reader.pages[0].extract_text()
    assert all(f"row {row}:" in cover for row in BAD) and "Secretname" not in cover
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
    # Row 6 never finishes (a hanging worker), so the run is surely killed half-way, however
    # fast the rows before it are (a warm render cache makes them very fast).
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True,
                               env={**os.environ, "DOCGEN_TEST_FAULT": "hang:6"})  # fmt: skip

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
    from docgen.cli.batch import _Progress

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


# --- Real-world exports (issue 13) and faults (issue 14.9) ------------------------------------


def demo_site(tmp_path: Path, extra: str) -> Path:
    from docgen.site import load_site

    demo = load_site().resources.templates / "sites" / "demo.toml"
    path = tmp_path / "site.toml"
    path.write_text(demo.read_text(encoding="utf-8") + "\n" + extra + "\n", encoding="utf-8")
    return path


def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR for this test only: what a run leaves there is visible."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def test_a_spreadsheet_export_is_read_as_meant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = private_tmp(tmp_path, monkeypatch)
    site = demo_site(tmp_path, 'date_order = "DMY"\nmrn_digits = 7')
    schedule = tmp_path / "list.csv"
    schedule.write_text(
        "MRN;Family Name;Given Name;DOB;Procedure;Levels;Side;Surgery At;Language;Ward;Docs;;\n"
        "4567;Exportperson;Kim;17/4/1958;Microdiscectomy;L4-L5;left;26/11/2026 14:30;en;"
        "Ward 7;consent;;\n"
        "89012;Otherperson;Lee;1960-01-02;NUCLEOPLASTY;L45;;2026-11-26T8:00;en;Ward 3;"
        "consent;;\n"
        ";;;;;;;;;;;;\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("batch", str(schedule), "-o", str(out), "--site", str(site), "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        'row 3: levels: "L45" is not a spinal level; did you mean L4-L5?'
    ]
    items = json.loads((out / "manifest.json").read_text())["items"]
    assert [(i["row"], i["status"], i.get("file")) for i in items] == [
        (2, "ok", "row0002-0004567-discectomy-en.pdf"), (3, "error", None),
    ]  # fmt: skip
    assert [d["kind"] for d in items[0]["documents"]] == ["consent"]  # the row's docs column
    text = pypdf.PdfReader(out / items[0]["file"]).pages[0].extract_text()
    assert "0004567" in text and "Discectomy" in text
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Ward 7" in report  # the extra column, carried into the report
    assert "<td>3</td><td>0089012</td><td>levels</td>" in report  # rejected row first
    assert report.index("Rejected rows") < report.index("All rows by surgery time, by Ward")
    assert not list(temp.iterdir())  # no weasyprint-* folders, no docgen-batch-* folder


def test_column_shift_conflicts_and_duplicates_name_no_patient(tmp_path: Path) -> None:
    header = "mrn,family_name,given_name,dob,procedure,levels,side,surgery_at,language,docs\n"
    good = "0002222,Goodperson,Ann,1950-03-04,nucleoplasty,L4-L5,,2026-12-03 09:00,en,preop\n"
    schedule = tmp_path / "s.csv"
    schedule.write_text(
        header
        + "0001111,Firstname,Ann,1950-01-01,nucleoplasty,L4-L5,,2026-12-03 08:00,en,preop\n"
        + "0001111,Othername,Bea,1951-02-02,nucleoplasty,L3-L4,,2026-12-03 10:00,en,preop\n"
        + good + good
        # a cell lost at the start: every value one column to the left
        + "Hiddenname,Secretgiven,1971-02-03,nucleoplasty,L4-L5,,2026-12-03 11:00,en,preop\n"
        # and two cells lost: the birth date lands in the MRN column
        + "1972-05-06,nucleoplasty,L4-L5,,2026-12-03 12:00,en,preop\n"
        # a cell too many at the start: every value one column to the right
        + ",0003333,Rightshift,Cy,1973-06-07,nucleoplasty,L4-L5,,2026-12-03 13:00,en,preop\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("batch", str(schedule), "-o", str(out), "--jobs", "1")
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "row 2: mrn: MRN shared with row 3 under another name or date of birth; check both rows",
        "row 3: mrn: MRN shared with row 2 under another name or date of birth; check both rows",
        "row 5: row: exact duplicate of row 4; printed once, for row 4",
    ]
    assert lines[3].startswith("row 6: mrn: use 1 to 32 letters") is False
    assert lines[3].startswith("row 6: ")
    assert result.stdout.strip() == "1 packets written, 6 rows rejected"
    assert lines[4].startswith("row 7: mrn: looks like a date, not an MRN; are the columns")
    secrets = ("Hiddenname", "Secretgiven", "1971-02-03", "1971", "Firstname", "Othername",
               "1950-01-01", "1951-02-02", "1972", "Rightshift", "1973")  # fmt: skip
    report = (out / "report.html").read_text(encoding="utf-8")
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    for secret in secrets:
        assert secret not in result.output and secret not in manifest and secret not in report
    # rejects.csv: the administrator's own rows back, private, with what to fix
    rejects = out / "rejects.csv"
    assert rejects.stat().st_mode & 0o777 == 0o600
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    assert rows[0] == [*header.strip().split(","), "error"]
    assert [row[0] for row in rows[1:]] == ["0001111", "0001111", "0002222", "Hiddenname",
                                            "1972-05-06", ""]  # fmt: skip
    assert rows[3][-1] == "row: exact duplicate of row 4; printed once, for row 4"


def test_a_file_without_header_row_is_refused_without_echo(tmp_path: Path) -> None:
    schedule = tmp_path / "s.csv"
    schedule.write_text(
        "0001,Hiddenname,Ann,1950-01-01,nucleoplasty,L4-L5,,2026-12-03 08:00,en\n",
        encoding="utf-8",
    )
    result = run("batch", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output.startswith("error: schedule s.csv: the first row is not a header row;")
    assert "Hiddenname" not in result.output and len(result.output.splitlines()) == 1


def _fake_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """A render that takes no time, so the fault tests measure only the faults."""
    from docgen import batch
    from docgen.packet import Packet

    monkeypatch.setattr(batch, "render_packet", lambda *a, **k: Packet(b"%PDF-1.4\n", 2, (), ()))


def test_a_killed_or_runaway_worker_fails_its_row_and_the_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen import batch
    from docgen.packet import warm_up
    from docgen.site import load_site

    warm_up(load_site(None))  # the process's own fonts folder lives as long as the process
    temp = private_tmp(tmp_path, monkeypatch)
    _fake_render(monkeypatch)
    monkeypatch.setattr(batch, "RENDER_TIME_LIMIT", 1)
    monkeypatch.setattr(batch, "KILL_GRACE", 1)
    schedule = write_csv(tmp_path / "s.csv", schedule_rows(4))
    out = tmp_path / "out"
    started = time.monotonic()
    for fault in ("kill:3", "hang:4"):
        monkeypatch.setenv("DOCGEN_TEST_FAULT", fault)
        result = run("batch", str(schedule), "-o", str(out / fault[:4]), "--jobs", "2")
        assert result.exit_code == 1, result.output
        expected = {
            "kill": "row 3: render: the worker process was killed by signal 9 (out of memory?); "
            "the row was not written",
            "hang": "row 4: render: rendering took longer than 1 s and was stopped",
        }[fault[:4]]
        assert result.stderr.splitlines() == [expected]
        assert result.stdout.strip() == "3 packets written, 1 rows rejected"
    assert time.monotonic() - started < 60
    assert not list(temp.iterdir())


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    import fcntl

    schedule = write_csv(tmp_path / "s.csv", schedule_rows(1))
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".docgen-batch.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running batch holds it
        result = run("batch", str(schedule), "-o", str(out))
    assert result.exit_code == 2
    assert result.output == (
        f"error: output folder {out}: another batch is writing to it; wait for it to finish "
        "or choose another folder\n"
    )
    assert not (out / "manifest.json").exists()


def test_a_full_disk_stops_the_run_with_one_line_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from docgen import batch, packet

    _fake_render(monkeypatch)
    real_write = packet.write_atomic

    def full(path: Path, data: bytes, mode: int = 0o600) -> None:
        if path.suffix == ".pdf":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data, mode)

    monkeypatch.setattr(batch, "write_atomic", full)
    schedule = write_csv(tmp_path / "s.csv", schedule_rows(3))
    out = tmp_path / "out"
    result = run("batch", str(schedule), "-o", str(out), "--jobs", "1")
    assert result.exit_code == 2
    assert result.output == f"error: output folder {out}: cannot write (No space left on device)\n"
    assert not list(out.glob("*.pdf")) and not list(out.glob(".tmp-*"))


def test_superseded_packets_cover_sheet_strict_and_permissions(tmp_path: Path) -> None:
    rows = schedule_rows(3)
    for row in rows:
        row["procedure"], row["side"], row["levels"] = "nucleoplasty", "", "L4-L5"
    schedule = write_csv(tmp_path / "s.csv", rows)
    out = tmp_path / "out"
    previous_umask = os.umask(0o022)
    try:
        first = run("batch", str(schedule), "-o", str(out), "--docs", "preop", "--jobs", "2")
        assert first.exit_code == 0, first.output
        rows[0]["language"] = "es"  # row 2 changed: its old packet has another name
        rows[2]["levels"] = "L45"  # row 4 now rejected: its old packet must not stay
        write_csv(schedule, rows)
        second = run("batch", str(schedule), "-o", str(out), "--docs", "preop", "--jobs", "2",
                     "--print-file")  # fmt: skip
    finally:
        os.umask(previous_umask)
    assert second.exit_code == 1, second.output
    assert second.stdout.strip() == (
        "1 packets written, 1 rows rejected, 1 unchanged, 2 superseded"
    )
    moved = ["row0002-000000-nucleoplasty-en.pdf", "row0004-000002-nucleoplasty-de.pdf"]
    assert sorted(p.name for p in (out / "superseded").iterdir()) == moved
    assert sorted(p.name for p in out.glob("row*.pdf")) == [
        "row0002-000000-nucleoplasty-es.pdf", "row0003-000001-nucleoplasty-es.pdf",
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["superseded"] == [f"superseded/{name}" for name in moved]
    assert "superseded/row0004-000002-nucleoplasty-de.pdf" in (out / "report.html").read_text()
    assert (out / "row0002-000000-nucleoplasty-es.pdf").stat().st_mode & 0o777 == 0o644
    printed = pypdf.PdfReader(out / "print-file.pdf")
    cover = printed.pages[0].extract_text()
    assert "This print file is incomplete" in cover and "row 4: levels" in cover
    packets = [i for i in manifest["items"] if i["status"] == "ok"]
    assert len(printed.pages) == 2 + sum(i["pages"] for i in packets)
    assert all(i["print_first_page"] % 2 == 1 for i in packets)
    strict = run("batch", str(schedule), "-o", str(out), "--docs", "preop", "--print-file",
                 "--strict")  # fmt: skip
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1] == (
        "print-file: not written (--strict): 1 rows are missing: 4"
    )
    assert not (out / "print-file.pdf").exists()


def test_a_worker_that_died_while_idle_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen import batch
    from docgen.options import RenderOptions

    _fake_render(monkeypatch)
    pool = batch._Pool(1, None, str(tmp_path))
    worker = pool.idle()
    assert worker is not None
    worker.process.kill()  # the out-of-memory killer, between two rows
    worker.process.join()
    task = (2, schedule_rows(1)[0], str(tmp_path), "x.pdf", RenderOptions(), 0o600)
    pool.submit(worker, 2, task)
    items: list[dict[str, Any]] = []
    while pool.busy:
        items += pool.results()
    pool.close()
    assert [(item["row"], item["status"]) for item in items] == [(2, "ok")]
    assert (tmp_path / "x.pdf").read_bytes() == b"%PDF-1.4\n"


def test_every_row_of_an_mrn_given_to_two_people_is_refused() -> None:
    from docgen import batch
    from docgen.site import load_site

    site = load_site()
    people = [("Ann", "1950-01-01"), ("ann ", "1950-1-1"), ("Bea", "1951-02-02"), ("Ann", "")]
    rows = [batch.Row(number, {"mrn": "77", "family_name": "Same", "given_name": given,
                               "dob": dob, "levels": f"L{number - 1}-L{number}"})
            for number, (given, dob) in enumerate(people, start=2)]  # fmt: skip
    conflicts = batch._Conflicts()
    assert conflicts.scan(iter(rows), site) == 4
    found = [str(conflicts.problem(row, site)) for row in rows]
    assert found == [
        "mrn: MRN shared with row 4 under another name or date of birth; check both rows",
        "mrn: MRN shared with row 4 under another name or date of birth; check both rows",
        "mrn: MRN shared with row 2 under another name or date of birth; check both rows",
        "mrn: MRN shared with row 2 under another name or date of birth; check both rows",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "sep=;\nMRN;Family Name;GIVEN_NAME;Dob;procedure;Levels;Surgery At;language;Ward;;\n"
        "0042;A;B;1960-01-01;nucleoplasty;L4-L5;2026-12-03 08:00;en;W1;;\n",
        "mrn\tfamily name\tgiven name\tdob\tprocedure\tlevels\tsurgery_at\tlanguage\tward\n"
        "0042\tA\tB\t1960-01-01\tnucleoplasty\tL4-L5\t2026-12-03 08:00\ten\tW1\n",
    ],
)
def test_headers_delimiters_and_extra_columns(tmp_path: Path, text: str) -> None:
    from docgen.batch import read_schedule

    schedule = tmp_path / "s.csv"
    schedule.write_text(text, encoding="utf-8")
    (row,) = read_schedule(schedule)
    assert row.number == 2
    assert row.record["mrn"] == "0042" and row.record["family_name"] == "A"
    assert row.record["given_name"] == "B" and row.record["surgery_at"] == "2026-12-03 08:00"
    assert list(row.extras.values()) == ["W1"] and not row.extra_cells
