"""Batch generation: one packet per row of a schedule CSV, for tomorrow's operating list.

Every row is validated first with the same rules as ``docgen packet``; a bad row becomes one
line ``row N: field: reason`` (spreadsheet numbering: the header is row 1) and never stops
the others. Good rows are rendered in worker processes, each PDF written atomically, and
``OUT_DIR/manifest.json`` lists every row. A re-run skips rows whose output is already there
with the same input fingerprint and file hash.

Spreadsheet exports are taken as they come: header names in any case with spaces or
underscores, comma, semicolon or tab, extra columns (carried into the report), empty
trailing columns. Rows that share an MRN under another name or birth date are refused, and
an exact duplicate row is flagged rather than printed twice.

Faults: each row runs in a worker process the parent can stop. A worker that dies (the
out-of-memory killer) fails its row; a row that runs past :data:`RENDER_TIME_LIMIT` has its
worker killed. One batch at a time per folder (a lock file); a full disk or a read-only
folder ends the run with one line (exit 2). Workers keep their temporary files in a private
folder that is removed at the end.

Test hook: ``DOCGEN_TEST_FAULT=kill:N`` or ``hang:N`` makes the worker rendering spreadsheet
row N kill itself with SIGKILL, or hang with the alarm signal blocked (tests only).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from docgen import __version__
from docgen.cache import RenderCache, use_for_startup
from docgen.catalog import load_catalog
from docgen.errors import ConfigError, DocgenError, InvalidRecord
from docgen.files import open_atomic, write_atomic
from docgen.options import DEFAULT_OPTIONS, RenderOptions, parse_copies, parse_documents
from docgen.packet import render_packet, warm_up
from docgen.request import (
    PacketRequest,
    identity_key,
    padded_mrn,
    validate_record,
)
from docgen.schedule import BatchResult, Row, Schedule, open_schedule
from docgen.schedule import read_schedule as read_schedule  # re-exported: tests read it here
from docgen.site import Site, load_site
from docgen.timing import START_NOW_WARNING
from docgen.viewmodel import content_fingerprint
from docgen.workers import WorkerPool

MANIFEST = "manifest.json"
PRINT_FILE = "print-file.pdf"
LOCK_FILE = ".docgen-batch.lock"
SUPERSEDED = "superseded"
RENDER_TIME_LIMIT = 60  # seconds for one packet; a pathological row must not hang the batch
KILL_GRACE = 5  # seconds past the limit before the parent kills a worker that ignores it
# WeasyPrint's memory grows over many fresh layouts (not over cached ones): a worker is
# replaced once its peak passes WORKER_MEMORY_MB, and after TASKS_PER_WORKER rows in any case.
# Replacing it costs a fork and a first render; a fixed 40 rows cost a warm batch a tenth of
# its time.
WORKER_MEMORY_MB = 250
TASKS_PER_WORKER = 1000
MANIFEST_INTERVAL = 1.0  # seconds between manifest saves during a run (at least)
REPORT_ROWS = 5000  # rows listed in report.html; manifest.json and rejects.csv hold them all
_PACKET_NAME_RE = re.compile(r"^row\d{4,}-.+\.pdf$")




# --- Rows that cannot both be right ----------------------------------------------------------


@dataclass
class _Conflicts:
    """One MRN must mean one person; an exact duplicate row is never printed twice.

    Holds only row numbers and short hashes, so a long schedule costs little memory.
    """

    first_person: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    # Only for MRNs given to more than one person: each person's first row.
    people: dict[str, dict[bytes, int]] = field(default_factory=dict)
    first_with_content: dict[bytes, int] = field(default_factory=dict)
    duplicates: dict[int, int] = field(default_factory=dict)  # row -> the row it repeats

    def scan(self, rows: Iterator[Row], site: Site) -> int:
        """Find the conflicts; returns the number of rows."""
        count = 0
        for row in rows:
            count += 1
            content = json.dumps([sorted(row.record.items()), sorted(row.options.items())])
            digest = hashlib.sha256(content.encode()).digest()[:16]  # compact: many rows
            first = self.first_with_content.setdefault(digest, row.number)
            if first != row.number:
                self.duplicates[row.number] = first
                continue
            mrn, person = identity_key(row.record, site)
            if not mrn:
                continue
            owner = self.first_person.setdefault(mrn, (row.number, person))
            if owner[1] != person:
                people = self.people.setdefault(mrn, {owner[1]: owner[0]})
                people.setdefault(person, row.number)
        return count

    def problem(self, row: Row, site: Site) -> DocgenError | None:
        if row.number in self.duplicates:
            first = self.duplicates[row.number]
            return DocgenError(
                f"exact duplicate of row {first}; printed once, for row {first}", field="row"
            )
        mrn, person = identity_key(row.record, site)
        people = self.people.get(mrn)
        if not people:
            return None
        other = min(first for someone, first in people.items() if someone != person)
        return _shared_mrn(other)


def _shared_mrn(other_row: int) -> DocgenError:
    return DocgenError(
        f"MRN shared with row {other_row} under another name or date of birth; check both "
        "rows", field="mrn"
    )  # fmt: skip


# --- One row -------------------------------------------------------------------------------


def output_name(row: int, request: PacketRequest) -> str:
    """No names, no birth dates: row, MRN, procedure and language only."""
    return f"row{row:04d}-{request.mrn}-{request.procedure.id}-{request.language}.pdf"


def input_fingerprint(request: PacketRequest, site: Site, options: RenderOptions) -> str:
    """Everything a packet depends on: the record, the site, and the text in force."""
    data = {
        "record": {key: str(value) for key, value in vars(request).items() if key != "procedure"},
        "procedure": request.procedure.fingerprint,
        "text": content_fingerprint(
            site.resources, request.procedure.fingerprint, request.language
        ),
        "site": repr(site),
        "options": repr(options),
        "version": __version__,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_options(row: Row, default: RenderOptions) -> RenderOptions:
    """The optional ``docs``, ``copies`` and ``large_print`` columns of one row."""
    problems: list[DocgenError] = []
    documents, copies, large_print = default.documents, default.consent_copies, default.large_print
    try:
        # In a CSV cell "consent;preop" saves quoting "consent,preop"; both are read.
        if row.options.get("docs", "").strip():
            documents = parse_documents(row.options["docs"].replace(";", ","))
        if row.options.get("copies", "").strip():
            copies = parse_copies(row.options["copies"].replace(";", ","))
    except DocgenError as error:
        problems.append(error)
    flag = row.options.get("large_print", "").strip().lower()
    if flag:
        if flag not in ("yes", "y", "true", "1", "no", "n", "false", "0"):
            problems.append(DocgenError("write yes or no", field="large_print"))
        large_print = flag in ("yes", "y", "true", "1")
    if problems:
        raise InvalidRecord(problems)
    return RenderOptions(documents=documents, large_print=large_print, consent_copies=copies)


_worker_site: Site | None = None
_worker_cache: RenderCache | None = None  # shared by every worker: the store is made for it


def _init_worker(site_path: str | None, temp_dir: str | None = None,
                 cache: RenderCache | None = None) -> None:  # fmt: skip
    global _worker_site, _worker_cache
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if temp_dir:  # WeasyPrint's font folders land here and go with it at the end
        os.environ["TMPDIR"] = temp_dir
        tempfile.tempdir = temp_dir
    use_for_startup(cache)  # a spawned worker finds the checked catalogs there
    _worker_site = load_site(Path(site_path) if site_path else None)
    _worker_cache = cache


def _timeout(signum: int, frame: Any) -> None:
    raise DocgenError(f"rendering took longer than {RENDER_TIME_LIMIT} s", field="render")


def _test_fault(row: int) -> None:
    """``DOCGEN_TEST_FAULT=kill:N`` / ``hang:N``: simulate a dying or runaway worker."""
    kind, _, target = os.environ.get("DOCGEN_TEST_FAULT", "").partition(":")
    if target != str(row):
        return
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "hang":  # like a C library that never returns to Python
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)


class _OutputUnwritable(Exception):
    """The output folder refused a write (full disk, read-only): the whole run stops."""


def render_row(
    task: tuple[int, dict[str, str], str, str, RenderOptions] | tuple[Any, ...],
) -> dict[str, Any]:
    """In a worker: render one validated row and write its PDF atomically."""
    row, record, out_dir, name, options = task[:5]
    mode = task[5] if len(task) > 5 else 0o600
    assert _worker_site is not None
    site = _worker_site
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(RENDER_TIME_LIMIT)
    try:
        _test_fault(row)
        request = validate_record(record, load_catalog(site.resources.procedures), site)
        packet = render_packet(request, site, options, cache=_worker_cache)
        try:
            write_atomic(Path(out_dir) / name, packet.pdf, mode=mode)
        except OSError as error:
            raise _OutputUnwritable(error.strerror or type(error).__name__) from None
    except DocgenError as error:
        return {"row": row, "status": "error", "error": str(error)}
    except _OutputUnwritable as error:
        return {"row": row, "status": "error", "error": "render: not written",
                "unwritable": str(error)}  # fmt: skip
    except Exception as error:
        return {"row": row, "status": "error", "error": f"render: internal error "
                f"({type(error).__name__})"}  # fmt: skip
    finally:
        signal.alarm(0)
    return {
        "row": row,
        "status": "ok",
        "file": name,
        "sha256": hashlib.sha256(packet.pdf).hexdigest(),
        "pages": packet.pages,
        "documents": [
            {
                "kind": d.kind,
                "form_id": d.form_id,
                "revision": d.revision,
                "language": d.language,
                "first_page": d.first_page,
                "pages": d.pages,
                **({"copy": d.copy} if d.copy else {}),
            }
            for d in packet.documents
        ],
        "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        **({} if packet.approved else {"approved": False}),  # issue 12: not signed off here
    }


def _worker_main(connection: Connection, site_path: str | None, temp_dir: str,
                 cache: RenderCache | None = None) -> None:  # fmt: skip
    """A worker process: render the rows it is sent, one at a time, until told to stop."""
    _init_worker(site_path, temp_dir, cache)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        connection.send(render_row(task))


# --- The worker pool (docgen.workers) --------------------------------------------------------


class _Pool(WorkerPool):
    """The worker pool of a batch: workers that load the site once and render rows."""

    def __init__(self, size: int, site_path: Path | None, temp_dir: str,
                 cache: RenderCache | None = None) -> None:  # fmt: skip
        # The limits are read here, not at import: tests shorten them.
        super().__init__(size, _worker_main,
                         (str(site_path) if site_path else None, temp_dir, cache),
                         RENDER_TIME_LIMIT, KILL_GRACE, TASKS_PER_WORKER,
                         WORKER_MEMORY_MB * 1024)  # fmt: skip


# --- The batch -------------------------------------------------------------------------------


def _previous_items(out_dir: Path) -> dict[int, dict[str, Any]]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {int(item["row"]): item for item in data["items"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _is_current(item: dict[str, Any] | None, fingerprint: str, out_dir: Path) -> bool:
    if not item or item.get("status") != "ok" or item.get("input") != fingerprint:
        return False
    path = out_dir / str(item.get("file", ""))
    return path.is_file() and sha256_file(path) == item.get("sha256")


def write_manifest(
    out_dir: Path, items: list[dict[str, Any]], superseded: list[str] | None = None,
    mode: int = 0o600,
) -> None:  # fmt: skip
    """``{"items": [...], "superseded": [...]}``, written item by item (a list may be long)."""
    try:
        with open_atomic(out_dir / MANIFEST, mode) as out:
            out.write('{\n  "items": [')
            for index, item in enumerate(sorted(items, key=lambda item: item["row"])):
                out.write("," if index else "")
                out.write("\n    " + json.dumps(item, ensure_ascii=False))
            out.write("\n  ]")
            if superseded:
                moved = [f"{SUPERSEDED}/{name}" for name in superseded]
                out.write(',\n  "superseded": ' + json.dumps(moved, ensure_ascii=False))
            out.write("\n}\n")
    except OSError as error:
        raise _unwritable(out_dir, error.strerror) from None


def _unwritable(folder: Path, reason: str | None) -> ConfigError:
    return ConfigError(f"output folder {folder}: cannot write ({reason or 'refused'})")


@contextmanager
def _locked(out_dir: Path, private: bool) -> Iterator[None]:
    """One batch at a time per folder: a second run would interleave two manifests."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
        handle = (out_dir / LOCK_FILE).open("a")
    except OSError as error:
        raise _unwritable(out_dir, error.strerror) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise ConfigError(
                    f"output folder {out_dir}: another batch is writing to it; wait for it to "
                    "finish or choose another folder"
                ) from None
            raise
        yield


@dataclass
class _Run:
    """State of one run shared by its stages."""

    schedule: Schedule
    out_dir: Path
    site: Site
    options: RenderOptions
    mode: int
    result: BatchResult
    report_rows: list[dict[str, Any]] = field(default_factory=list)
    report_rows_left_out: int = 0
    last_saved: float = 0.0
    save_interval: float = MANIFEST_INTERVAL

    def save(self, force: bool = False) -> None:
        # Saved as the run goes, so a killed run's re-run knows what is already done; not
        # after every packet, which would cost O(rows²) on a long list: the pause between
        # saves grows with the time a save takes, so saving stays a small share of the run.
        now = time.monotonic()
        if force or now - self.last_saved >= self.save_interval:
            write_manifest(self.out_dir, self.result.items, self.result.superseded, self.mode)
            self.last_saved = time.monotonic()
            self.save_interval = max(MANIFEST_INTERVAL, 10 * (self.last_saved - now))

    def summarise(self, summary: dict[str, Any]) -> None:
        """Keep a row for the report, up to :data:`REPORT_ROWS` rows, so that a huge
        schedule does not fill the memory (manifest and rejects.csv list every row)."""
        if len(self.report_rows) < REPORT_ROWS:
            self.report_rows.append(summary)
        else:
            self.report_rows_left_out += 1


def _summary(row: Row, request: PacketRequest | None, problems: list[DocgenError],
             site: Site) -> dict[str, Any]:  # fmt: skip
    """What the report shows of one row; for a rejected row nothing that could be a name."""
    if request is not None:
        return {
            "row": row.number, "mrn": request.mrn, "procedure": request.procedure.id,
            "language": request.language,
            "surgery_at": request.surgery_at.strftime("%Y-%m-%d %H:%M"),
            "extras": row.extras, "problems": [(p.field or "", p.message) for p in problems],
        }  # fmt: skip
    mrn = padded_mrn(row.record.get("mrn", ""), site)
    mrn_ok = any(ch.isdigit() for ch in mrn) and "mrn" not in {p.field for p in problems}
    return {
        "row": row.number, "mrn": mrn if mrn_ok else "", "procedure": "", "language": "",
        "surgery_at": "", "extras": {}, "problems": [(p.field or "", p.message) for p in problems],
    }  # fmt: skip


def _plan(run: _Run, conflicts: _Conflicts, previous: dict[int, dict[str, Any]]
          ) -> Iterator[tuple[dict[str, Any], tuple[Any, ...] | None]]:  # fmt: skip
    """Validate rows one at a time: (finished item, None) or (pending item, render task)."""
    catalog = load_catalog(run.site.resources.procedures)
    for row in run.schedule.rows():
        problems: list[DocgenError] = []
        request = None
        options = run.options
        if row.extra_cells:
            problems.append(DocgenError("more cells than the header has columns", field="row"))
        try:
            request = validate_record(row.record, catalog, run.site)
        except InvalidRecord as errors:
            problems.extend(errors.problems)
        except DocgenError as error:
            problems.append(error)
        try:
            options = row_options(row, run.options)
        except InvalidRecord as errors:
            problems.extend(errors.problems)
        conflict = conflicts.problem(row, run.site)
        if conflict is not None:
            problems.append(conflict)
        if problems:
            run.summarise(_summary(row, None, problems, run.site))
            # Interned: a broken column gives every row the same message.
            message = sys.intern("; ".join(str(problem) for problem in problems))
            yield {"row": row.number, "status": "error", "error": message}, None
            continue
        assert request is not None
        if "preop" in options.documents and request.abstinence_started(run.site):
            run.result.notes.append(f"warning: row {row.number}: {START_NOW_WARNING}")
        run.summarise(_summary(row, request, [], run.site))
        fingerprint = input_fingerprint(request, run.site, options)
        earlier = previous.get(row.number)
        if _is_current(earlier, fingerprint, run.out_dir):
            assert earlier is not None
            kept = {key: value for key, value in earlier.items() if key != "print_first_page"}
            yield {**kept, "skipped": True}, None  # its place in a print file is new each run
            continue
        name = output_name(row.number, request)
        task = (row.number, row.record, str(run.out_dir), name, options, run.mode)
        yield {"row": row.number, "input": fingerprint}, task


def run_batch(
    schedule: Path,
    out_dir: Path,
    site_path: Path | None = None,
    jobs: int | None = None,
    options: RenderOptions = DEFAULT_OPTIONS,
    print_file: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    *,
    strict: bool = False,
    cache: RenderCache | None = None,
) -> BatchResult:
    """Render every row of ``schedule`` into ``out_dir``; see the module docstring.

    ``strict``: refuse the print file when some rows are missing from it. ``cache``: the
    render cache every worker shares (SPEC §11); None renders without one.
    """
    site = load_site(site_path)
    opened = open_schedule(schedule)
    conflicts = _Conflicts()
    total = conflicts.scan(opened.rows(), site)
    mode = site.file_mode
    with _locked(out_dir, site.private_files):
        for stale in out_dir.glob(".tmp-*"):  # left by a run that was killed mid-write
            stale.unlink()
        run = _Run(opened, out_dir, site, options, mode, BatchResult())
        run.result.notes.extend(f"warning: {warning}" for warning in site.warnings)
        previous = _previous_items(out_dir)
        temp_dir = tempfile.mkdtemp(prefix="docgen-batch-")
        try:
            _render(run, conflicts, previous, site_path, jobs, temp_dir, total, progress,
                    cache)
        finally:
            shutil.rmtree(temp_dir, ignore_errors=True)
        result = run.result
        result.superseded = _move_superseded(out_dir, result.items, print_file, mode)
        if print_file:
            _print_file(run, strict)
        run.save(force=True)
        from docgen.report import write_rejects, write_report

        try:
            write_report(out_dir, run.report_rows, result, opened, mode, run.report_rows_left_out)
            write_rejects(out_dir, opened, result)
        except OSError as error:
            raise _unwritable(out_dir, error.strerror) from None
    return result


def _render(
    run: _Run, conflicts: _Conflicts, previous: dict[int, dict[str, Any]],
    site_path: Path | None, jobs: int | None, temp_dir: str, total: int,
    progress: Callable[[int, int, int], None] | None, cache: RenderCache | None = None,
) -> None:  # fmt: skip
    result = run.result
    pending: dict[int, dict[str, Any]] = {}
    size = max(1, jobs or os.cpu_count() or 1)
    # Workers are forked from here: loaded once now, the renderer, the house style and its
    # fonts come with every worker, its replacements too.
    warm_up(run.site)
    pool = _Pool(size, site_path, temp_dir, cache)
    planned = _plan(run, conflicts, previous)
    exhausted = False

    def record(item: dict[str, Any]) -> None:
        result.items.append(item)
        if item["status"] != "ok":
            result.rejected += 1
        elif item.pop("skipped", False):
            result.skipped += 1
        else:
            result.written += 1
        if progress:
            progress(len(result.items), total, result.rejected)
        run.save()

    try:
        if progress:
            progress(0, total, 0)
        waiting: tuple[int, tuple[Any, ...]] | None = None  # a row for the next free worker
        while True:
            if waiting is None and not exhausted:
                planned_item = next(planned, None)
                if planned_item is None:
                    exhausted = True
                else:
                    item, task = planned_item
                    if task is None:
                        record(item)  # rejected or unchanged: no worker needed
                        continue
                    pending[item["row"]] = item
                    waiting = (item["row"], task)
            if waiting is not None:
                worker = pool.idle()  # workers start only when a row needs one
                if worker is not None:
                    pool.submit(worker, *waiting)
                    waiting = None
                    continue
            if not pool.busy:
                break  # nothing waiting, nothing running, nothing left to plan
            for done in pool.results():
                result.peak_worker_rss_kib = max(
                    result.peak_worker_rss_kib, done.pop("rss_kib", 0)
                )
                if "unwritable" in done:
                    raise _unwritable(run.out_dir, done["unwritable"])
                planned_fields = pending.pop(done["row"])
                if done["status"] == "ok":
                    done["input"] = planned_fields["input"]
                else:  # the report gets the render failure as the row's problem
                    _mark_failed(run, done)
                record(done)
    finally:
        pool.close()


def _mark_failed(run: _Run, item: dict[str, Any]) -> None:
    field_name, _, message = item["error"].partition(": ")
    for summary in run.report_rows:
        if summary["row"] == item["row"]:
            summary["problems"] = [(field_name, message)]


def _move_superseded(out_dir: Path, items: list[dict[str, Any]], print_file: bool,
                     mode: int) -> list[str]:  # fmt: skip
    """Packets of an earlier run whose rows are gone or changed: never beside current ones."""
    current = {item["file"] for item in items if item["status"] == "ok"}
    stale = [
        path for path in sorted(out_dir.glob("*.pdf"))
        if path.name not in current
        and (_PACKET_NAME_RE.match(path.name) or (path.name == PRINT_FILE and not print_file))
    ]  # fmt: skip
    if not stale:
        return []
    folder = out_dir / SUPERSEDED
    try:
        folder.mkdir(exist_ok=True, mode=0o700 if mode == 0o600 else 0o777)
        for path in stale:
            path.replace(folder / path.name)
    except OSError as error:
        raise _unwritable(out_dir, error.strerror) from None
    return [path.name for path in stale]


def _print_file(run: _Run, strict: bool) -> None:
    result = run.result
    missing = sorted(item["row"] for item in result.items if item["status"] != "ok")
    if missing and strict:
        (run.out_dir / PRINT_FILE).unlink(missing_ok=True)
        shown = ", ".join(map(str, missing[:20])) + (" …" if len(missing) > 20 else "")
        result.notes.append(
            f"print-file: not written (--strict): {len(missing)} rows are missing: {shown}"
        )
        return
    if result.written + result.skipped:
        try:
            write_print_file(run.out_dir, result.items, missing, run.mode)
        except OSError as error:
            raise _unwritable(run.out_dir, error.strerror) from None


def write_print_file(out_dir: Path, items: list[dict[str, Any]], missing: list[int] | None = None,
                     mode: int = 0o600) -> None:  # fmt: skip
    """All packets in row order in one PDF; each packet has an even page count already,
    so every packet and every document starts on an odd page of the print job. When rows
    are missing, a cover sheet (two pages, to keep that parity) says which."""
    import io

    import pikepdf

    with pikepdf.new() as merged:
        page = 1
        if missing:
            from docgen.report import cover_sheet

            with pikepdf.open(io.BytesIO(cover_sheet(missing, items))) as cover:
                merged.pages.extend(cover.pages)
                page += len(cover.pages)
        for item in sorted(items, key=lambda i: i["row"]):
            if item["status"] != "ok":
                continue
            with pikepdf.open(out_dir / item["file"]) as packet:
                merged.pages.extend(packet.pages)
            item["print_first_page"] = page
            page += item["pages"]
        buffer = io.BytesIO()
        merged.save(buffer, deterministic_id=True)
    write_atomic(out_dir / PRINT_FILE, buffer.getvalue(), mode=mode)
