"""The audit trail (SPEC 10.4): who signed in, and who printed which patient's forms.

One SQLite database (standard library) in the instance folder, in WAL mode. The ``events``
table is append-only: triggers refuse UPDATE and DELETE. Each row holds the hash of the row
before it (``prev_hash``) and its own ``row_hash`` = SHA-256(prev_hash + canonical content),
so :func:`AuditLog.verify` finds the first row that was edited, deleted or inserted once the
triggers were dropped. Rows never hold a patient's name or date of birth: only the columns
below exist, and :meth:`AuditLog.append` takes nothing else.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TextIO

from docgen.errors import DocgenError

AUDIT_FILE_NAME = "audit.db"
ACTIONS = ("login", "login-failed", "logout", "packet", "batch", "download")
GENESIS = "0" * 64
EXPORT_FORMATS = ("csv", "jsonl")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ({", ".join(repr(a) for a in ACTIONS)})),
    mrn TEXT NOT NULL DEFAULT '',
    forms TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


@dataclass(frozen=True)
class Event:
    id: int
    at: str  # UTC, ISO 8601 with "Z"
    user: str
    action: str
    mrn: str = ""  # several MRNs (a batch) are separated by spaces
    forms: str = ""  # form IDs with revisions, separated by ", "
    language: str = ""
    sha256: str = ""  # of the PDF or ZIP handed out
    client: str = ""  # the client's address
    detail: str = ""  # e.g. "job=... rows=5"; never patient data
    prev_hash: str = GENESIS
    row_hash: str = ""

    def content(self) -> str:
        """The canonical text a row's hash covers (every column but the row hash)."""
        fields = asdict(self)
        del fields["row_hash"], fields["prev_hash"]
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def expected_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.content()).encode("utf-8")).hexdigest()


_COLUMNS = tuple(Event.__dataclass_fields__)


@dataclass(frozen=True)
class Verification:
    rows: int
    last_hash: str
    broken_row: int | None = None  # the id of the first row that fails
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_row is None and not self.problem


def _joined(value: object, separator: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return separator.join(str(v) for v in value)
    return str(value)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditLog:
    """The audit database at ``path``; safe to share between threads and processes."""

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()  # one writer per process; SQLite guards across them
        self._ready = False

    @classmethod
    def in_instance(cls, instance: Path, clock: Callable[[], datetime] | None = None) -> AuditLog:
        return cls(instance / AUDIT_FILE_NAME, clock)

    @contextmanager
    def _connect(self, create: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection; ``create=False`` (verify) neither creates nor alters the file."""
        if not self.path.is_file():
            if not create:
                raise DocgenError(f"no audit database at {self.path}", field="audit")
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path.touch(mode=0o600)
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        with closing(connection):
            if create and not self._ready:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                self._ready = True
            connection.execute("PRAGMA synchronous=FULL")  # an audit row survives a power cut
            yield connection

    def append(
        self,
        action: str,
        user: str,
        *,
        mrn: str | Sequence[str] | None = None,
        forms: str | Sequence[str] | None = None,
        language: str | None = None,
        sha256: str | None = None,
        client: str | None = None,
        detail: str | None = None,
    ) -> Event:
        """Append one event, chained to the last row; returns it as stored."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        at = utc_text(self.clock())
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the last row cannot change until we commit
            try:
                last = db.execute("SELECT id, row_hash FROM events ORDER BY id DESC LIMIT 1")
                previous = last.fetchone() or (0, GENESIS)
                event = Event(
                    id=previous[0] + 1, at=at, user=user, action=action, mrn=_joined(mrn, " "),
                    forms=_joined(forms, ", "), language=language or "", sha256=sha256 or "",
                    client=client or "", detail=detail or "", prev_hash=previous[1],
                )  # fmt: skip
                event = Event(**{**asdict(event), "row_hash": event.expected_hash()})
                marks = ", ".join("?" for _ in _COLUMNS)
                db.execute(
                    f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({marks})",
                    tuple(getattr(event, c) for c in _COLUMNS),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return event

    def events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        user: str | None = None,
        mrn: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[Event]:
        """Events filtered by UTC time range [since, until), user and MRN."""
        if not self.path.is_file():
            return []
        where, values = [], []
        if since is not None:
            where.append("at >= ?")
            values.append(utc_text(since))
        if until is not None:
            where.append("at < ?")
            values.append(utc_text(until))
        if user:
            where.append("user = ?")
            values.append(user)
        if mrn:  # a batch row lists several MRNs
            where.append("(' ' || mrn || ' ') LIKE ?")
            values.append(f"% {mrn} %")
        sql = f"SELECT {', '.join(_COLUMNS)} FROM events"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += " ORDER BY id" + (" DESC" if newest_first else "")
        sql += f" LIMIT {int(limit)}" if limit else ""
        with self._connect() as db:
            return [Event(*row) for row in db.execute(sql, values)]

    def verify(self) -> Verification:
        """Walk the chain; the first row whose id, link or hash is wrong is named."""
        expected_id, previous = 1, GENESIS
        with self._connect(create=False) as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM events ORDER BY id")
            for row in rows:
                event = Event(*row)
                if event.id != expected_id:
                    return Verification(
                        expected_id - 1, previous, expected_id,
                        f"row {expected_id} is missing (next row is {event.id})",
                    )  # fmt: skip
                if event.prev_hash != previous:
                    return Verification(
                        event.id - 1, previous, event.id,
                        f"row {event.id} does not follow row {event.id - 1} "
                        "(that row was changed or removed)",
                    )  # fmt: skip
                if event.row_hash != event.expected_hash():
                    return Verification(
                        event.id - 1, previous, event.id, f"row {event.id} was changed"
                    )
                expected_id, previous = event.id + 1, event.row_hash
        return Verification(expected_id - 1, previous)

    def export(self, out: TextIO, since: datetime | None = None, fmt: str = "csv") -> int:
        """Write events since ``since`` as CSV (with a header) or JSON lines; returns rows."""
        if fmt not in EXPORT_FORMATS:
            raise DocgenError(f"must be one of {', '.join(EXPORT_FORMATS)}", field="format")
        events = self.events(since=since)
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(_COLUMNS)
            for event in events:
                writer.writerow(_csv_safe(getattr(event, c)) for c in _COLUMNS)
        else:
            for event in events:
                out.write(json.dumps(asdict(event), ensure_ascii=False) + "\n")
        return len(events)


def _csv_safe(value: object) -> object:
    # A spreadsheet runs cells starting with = + - @ as formulas; user names come from a
    # login form, so such a cell is quoted with a leading apostrophe.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def parse_since(text: str) -> datetime:
    """``--since`` / the audit page's dates: YYYY-MM-DD (midnight UTC) or an ISO time."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DocgenError("expected YYYY-MM-DD", field="since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

