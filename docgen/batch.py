"""Batch generation: one packet per row of a schedule CSV, for tomorrow's operating list.

Every row is validated first with the same rules as ``docgen packet``; a bad row becomes one
line ``row N: field: reason`` (spreadsheet numbering: the header is row 1) and never stops
the others. Good rows are rendered in worker processes, each PDF written atomically, and
``OUT_DIR/manifest.json`` lists every row. A re-run skips rows whose output is already there
with the same input fingerprint and file hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docgen import __version__
from docgen.catalog import load_catalog
from docgen.errors import ConfigError, DocgenError
from docgen.options import DEFAULT_OPTIONS, RenderOptions
from docgen.packet import render_packet, write_atomic
from docgen.request import FIELDS, REQUIRED_FIELDS, PacketRequest, validate_record
from docgen.site import Site, load_site
from docgen.viewmodel import content_fingerprint

MANIFEST = "manifest.json"
PRINT_FILE = "print-file.pdf"
RENDER_TIME_LIMIT = 60  # seconds for one packet; a pathological row must not hang the batch
TASKS_PER_WORKER = 40  # WeasyPrint's memory grows over many renders: recycle workers


@dataclass(frozen=True)
class Row:
    number: int  # spreadsheet row: header is 1
    record: dict[str, str]
    extra_cells: bool = False  # more cells than the header has columns


@dataclass
class BatchResult:
    items: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    skipped: int = 0
    rejected: int = 0
    peak_worker_rss_kib: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    @property
    def error_lines(self) -> list[str]:
        return [f"row {i['row']}: {i['error']}" for i in self.items if i["status"] == "error"]


# --- Reading the schedule ----------------------------------------------------------------


def read_schedule(path: Path) -> list[Row]:
    """Rows of a UTF-8 CSV (BOM or not; comma, or semicolon when the header uses it)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError:
        raise ConfigError(f"schedule {path.name}: cannot be read") from None
    except UnicodeDecodeError:
        raise ConfigError(f"schedule {path.name}: not UTF-8; export it as CSV UTF-8") from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        body = list(reader)
    except StopIteration:
        raise ConfigError(f"schedule {path.name}: empty file") from None
    except csv.Error as exc:
        raise ConfigError(f"schedule {path.name}: not a valid CSV ({exc})") from None
    unknown = [name for name in header if name not in FIELDS]
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(unknown)}")
        if len(set(header)) != len(header):
            parts.append("a column appears twice")
        raise ConfigError(f"schedule {path.name}: {'; '.join(parts)}")
    rows = []
    for index, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, e.g. the empty rows a spreadsheet exports at the end
        padded = cells + [""] * (len(header) - len(cells))
        record = dict(zip(header, padded, strict=False))
        rows.append(Row(index, record, extra_cells=len(cells) > len(header)))
    return rows


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
    return hashlib.sha256(path.read_bytes()).hexdigest()


_worker_site: Site | None = None


def _init_worker(site_path: str | None) -> None:
    global _worker_site
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _worker_site = load_site(Path(site_path) if site_path else None)


def _timeout(signum: int, frame: Any) -> None:
    raise DocgenError(f"rendering took longer than {RENDER_TIME_LIMIT} s", field="render")


def render_row(task: tuple[int, dict[str, str], str, str, RenderOptions]) -> dict[str, Any]:
    """In a worker: render one validated row and write its PDF atomically."""
    row, record, out_dir, name, options = task
    assert _worker_site is not None
    site = _worker_site
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(RENDER_TIME_LIMIT)
    try:
        request = validate_record(record, load_catalog(site.resources.procedures), site)
        packet = render_packet(request, site, options)
        write_atomic(Path(out_dir) / name, packet.pdf)
    except DocgenError as error:
        return {"row": row, "status": "error", "error": str(error)}
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


def write_manifest(out_dir: Path, items: list[dict[str, Any]]) -> None:
    ordered = sorted(items, key=lambda item: item["row"])
    data = json.dumps({"items": ordered}, indent=2, ensure_ascii=False) + "\n"
    write_atomic(out_dir / MANIFEST, data.encode("utf-8"))


def run_batch(
    schedule: Path,
    out_dir: Path,
    site_path: Path | None = None,
    jobs: int | None = None,
    options: RenderOptions = DEFAULT_OPTIONS,
    print_file: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
) -> BatchResult:
    site = load_site(site_path)
    catalog = load_catalog(site.resources.procedures)
    rows = read_schedule(schedule)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in out_dir.glob(".tmp-*"):  # left by a run that was killed mid-write
        stale.unlink()
    previous = _previous_items(out_dir)
    result = BatchResult()
    tasks = []
    for row in rows:
        try:
            if row.extra_cells:
                raise DocgenError("more cells than the header has columns", field="row")
            request = validate_record(row.record, catalog, site)
        except DocgenError as error:
            result.items.append({"row": row.number, "status": "error", "error": str(error)})
            result.rejected += 1
            continue
        fingerprint = input_fingerprint(request, site, options)
        if _is_current(previous.get(row.number), fingerprint, out_dir):
            result.items.append(previous[row.number])
            result.skipped += 1
            continue
        name = output_name(row.number, request)
        tasks.append(((row.number, row.record, str(out_dir), name, options), fingerprint))
    done = len(result.items)
    if progress:
        progress(done, len(rows), result.rejected)
    for item in _render_all(tasks, site_path, jobs, out_dir, result):
        result.items.append(item)
        if item["status"] == "ok":
            result.written += 1
        else:
            result.rejected += 1
        done += 1
        if progress:
            progress(done, len(rows), result.rejected)
    write_manifest(out_dir, result.items)
    if print_file and result.written + result.skipped:
        write_print_file(out_dir, result.items)
    return result


def _render_all(
    tasks: list[tuple[tuple[Any, ...], str]],
    site_path: Path | None,
    jobs: int | None,
    out_dir: Path,
    result: BatchResult,
) -> Iterator[dict[str, Any]]:
    if not tasks:
        return
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    fingerprints = {task[0]: fingerprint for task, fingerprint in tasks}
    # multiprocessing.Pool, not ProcessPoolExecutor: on Python 3.11 the executor's
    # max_tasks_per_child can deadlock once workers are replaced.
    with multiprocessing.Pool(
        processes=workers,
        initializer=_init_worker,
        initargs=(str(site_path) if site_path else None,),
        maxtasksperchild=TASKS_PER_WORKER,
    ) as pool:
        for item in pool.imap_unordered(render_row, [task for task, _ in tasks]):
            result.peak_worker_rss_kib = max(result.peak_worker_rss_kib, item.pop("rss_kib", 0))
            if item["status"] == "ok":
                item["input"] = fingerprints[item["row"]]
            yield item
            # Saved after every packet: a killed run's re-run knows what is already done.
            write_manifest(out_dir, result.items)


def write_print_file(out_dir: Path, items: list[dict[str, Any]]) -> None:
    """All packets in row order in one PDF; each packet has an even page count already,
    so every packet and every document starts on an odd page of the print job."""
    import pikepdf

    with pikepdf.new() as merged:
        page = 1
        for item in sorted(items, key=lambda i: i["row"]):
            if item["status"] != "ok":
                continue
            with pikepdf.open(out_dir / item["file"]) as packet:
                merged.pages.extend(packet.pages)
            item["print_first_page"] = page
            page += item["pages"]
        buffer = io.BytesIO()
        merged.save(buffer, deterministic_id=True)
    write_atomic(out_dir / PRINT_FILE, buffer.getvalue())
    write_manifest(out_dir, items)
