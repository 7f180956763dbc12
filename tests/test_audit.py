"""The audit trail: append-only, hash-chained, verified and exported (SPEC 10.4)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from docgen.audit import GENESIS, AuditLog

START = datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC)


def docgen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "docgen", *args], capture_output=True,
                          text=True, input=stdin, timeout=120)  # fmt: skip


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    moments = (START + timedelta(seconds=n) for n in range(10_000))
    audit = AuditLog.in_instance(tmp_path, clock=lambda: next(moments))
    audit.append("login", "alice", client="127.0.0.1")
    audit.append("packet", "alice", mrn="0004567", forms=["ACDF-CONSENT@3", "ACDF-PREOP@2"],
                 language="es", sha256="ab" * 32, client="127.0.0.1")  # fmt: skip
    audit.append("batch", "bob", mrn=["0000001", "0000002"], detail="job=ff rows=2")
    audit.append("logout", "alice")
    return audit


def test_rows_are_chained_and_verify(log: AuditLog) -> None:
    events = log.events()
    assert [e.id for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in pairwise(events))
    assert events[1].forms == "ACDF-CONSENT@3, ACDF-PREOP@2" and events[1].language == "es"
    assert events[2].at == "2027-01-01T00:00:00.000000Z"  # UTC, across the year end
    result = log.verify()
    assert result.ok and result.rows == 4 and result.last_hash == events[-1].row_hash


def test_database_is_wal_and_append_only(log: AuditLog) -> None:
    db = sqlite3.connect(log.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET mrn = '9999999' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events WHERE id = 4")
    db.close()
    assert log.verify().ok


def _tamper(path: Path, sql: str) -> None:
    """Drop the guard triggers and change rows, as someone with the sqlite3 shell would."""
    script = f"DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; {sql}"
    if shutil.which("sqlite3"):
        subprocess.run(["sqlite3", str(path), script], check=True, timeout=30)
    else:
        with sqlite3.connect(path) as db:
            db.executescript(script)


def test_edited_row_is_named_by_audit_verify(log: AuditLog) -> None:
    assert docgen("audit", "verify", "--instance", str(log.path.parent)).returncode == 0
    _tamper(log.path, "UPDATE events SET mrn = '0009999' WHERE id = 2;")
    done = docgen("audit", "verify", "--instance", str(log.path.parent))
    assert done.returncode == 1
    assert done.stderr.strip() == "error: audit: row 2 was changed"


def test_deleted_row_is_found(log: AuditLog) -> None:
    _tamper(log.path, "DELETE FROM events WHERE id = 3;")
    result = log.verify()
    assert not result.ok and result.broken_row == 3 and "row 3 is missing" in result.problem


def test_rewritten_hash_breaks_the_next_row(log: AuditLog) -> None:
    # Someone recomputes row 2's own hash after editing it: row 3 no longer follows it.
    _tamper(log.path, "UPDATE events SET user = 'mallory' WHERE id = 2;")
    with sqlite3.connect(log.path) as db:
        row = log.events()[1]
        fixed = type(row)(**{**row.__dict__, "row_hash": ""}).expected_hash()
        db.execute("UPDATE events SET row_hash = ? WHERE id = 2", (fixed,))
    result = log.verify()
    assert result.broken_row == 3 and "does not follow row 2" in result.problem


def test_export_csv_and_jsonl_since_a_date(log: AuditLog) -> None:
    out = io.StringIO()
    assert log.export(out, since=datetime(2027, 1, 1, tzinfo=UTC), fmt="csv") == 2
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("id,at,user,action,mrn,forms,language,sha256,client,detail")
    assert lines[1].startswith("3,2027-01-01T00:00:00.000000Z,bob,batch,0000001 0000002,")
    done = docgen("audit", "export", "--format", "jsonl", "--instance", str(log.path.parent))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["action"] for r in rows] == ["login", "packet", "batch", "logout"]
    assert rows[1]["mrn"] == "0004567" and rows[1]["sha256"] == "ab" * 32
    done = docgen("audit", "export", "--since", "2027-01-01", "--instance", str(log.path.parent))
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 3  # header + 2 rows
    bad = docgen("audit", "export", "--since", "yesterday", "--instance", str(log.path.parent))
    assert bad.returncode == 1 and bad.stderr.strip() == "error: since: expected YYYY-MM-DD"


def test_csv_export_defuses_formulas(tmp_path: Path) -> None:
    audit = AuditLog.in_instance(tmp_path)
    audit.append("login-failed", "=HYPERLINK(1)")
    out = io.StringIO()
    audit.export(out)
    assert "'=HYPERLINK(1)" in out.getvalue()


def test_verify_without_a_database(tmp_path: Path) -> None:
    done = docgen("audit", "verify", "--instance", str(tmp_path))
    assert done.returncode == 1 and "no audit database" in done.stderr
    assert not (tmp_path / "audit.db").exists()


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    logs = [AuditLog.in_instance(tmp_path) for _ in range(4)]  # like 4 processes
    def write(audit: AuditLog) -> None:
        for _ in range(10):
            audit.append("packet", "nurse", mrn="0000001")

    threads = [threading.Thread(target=write, args=(audit,)) for audit in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = logs[0].verify()
    assert result.ok and result.rows == 40


def test_export_to_a_file(log: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    done = docgen("audit", "export", "-o", str(out), "--instance", str(log.path.parent))
    assert done.returncode == 0 and done.stderr.strip() == f"4 events written to {out}"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
