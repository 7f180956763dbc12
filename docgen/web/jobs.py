"""Batch jobs of the web app: one folder per upload, run one at a time in the background.

A job folder (``<instance>/jobs/<32 hex digits>/``) holds the uploaded schedule, ``job.json``
(state and progress), the batch engine's output folder ``out/`` and, once done,
``packets.zip``. Job ids are 128-bit random numbers, and folders are deleted after the
site's retention time. Only the batch engine renders; this module queues and packs.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from docgen.batch import MANIFEST, PRINT_FILE, run_batch
from docgen.cache import RenderCache
from docgen.errors import DocgenError
from docgen.packet import write_atomic

JOB_ID = re.compile(r"[0-9a-f]{32}")
SCHEDULE = "schedule.csv"
ZIP_NAME = "packets.zip"
REPORT = "report.html"  # written by the batch engine when it has a report
STATES = ("queued", "running", "done", "failed")


@dataclass
class JobStatus:
    state: str
    rows_done: int = 0
    rows_total: int = 0
    error: str | None = None  # why a failed job failed; never patient data
    created: float = 0.0
    jobs: int | None = None
    print_file: bool = False


class JobStore:
    """Job folders under ``root``; a single background thread runs them in order."""

    def __init__(self, root: Path, retention_hours: int, site_path: Path | None,
                 cache: RenderCache | None = None) -> None:  # fmt: skip
        self.root = root
        self.retention_seconds = retention_hours * 3600
        self.site_path = site_path
        self.cache = cache  # handed to the batch engine's workers
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._live: dict[str, JobStatus] = {}  # jobs queued or running in this process
        self._queue: queue.Queue[str] = queue.Queue()
        self._runner: threading.Thread | None = None
        self._expired_at = -float("inf")

    # --- Folders -------------------------------------------------------------------------

    def folder(self, job_id: str) -> Path | None:
        """The job's folder, or None for anything that is not an existing job id."""
        if not JOB_ID.fullmatch(job_id):
            return None
        path = self.root / job_id
        return path if (path / "job.json").is_file() else None

    def create(self, schedule: bytes, rows_total: int, jobs: int | None,
               print_file: bool) -> str:  # fmt: skip
        job_id = secrets.token_hex(16)
        folder = self.root / job_id
        folder.mkdir(mode=0o700)
        write_atomic(folder / SCHEDULE, schedule)
        status = JobStatus("queued", 0, rows_total, created=time.time(), jobs=jobs,
                           print_file=print_file)  # fmt: skip
        with self._lock:
            self._live[job_id] = status
            self._save(job_id, status)
        self._queue.put(job_id)
        self._start_runner()
        return job_id

    def status(self, job_id: str) -> JobStatus | None:
        folder = self.folder(job_id)
        if folder is None:
            return None
        with self._lock:
            live = self._live.get(job_id)
            if live is not None:
                return JobStatus(**asdict(live))
        try:
            data = json.loads((folder / "job.json").read_text(encoding="utf-8"))
            status = JobStatus(**data)
        except (OSError, ValueError, TypeError):
            return JobStatus("failed", error="the job's record is unreadable")
        if status.state in ("queued", "running"):  # its process has gone (a restart)
            status.state = "failed"
            status.error = "the server was restarted during this run; upload the list again"
        return status

    def expire_now_and_then(self, every_seconds: float = 600) -> None:
        """expire(), at most once every ``every_seconds``: called on every request."""
        if time.monotonic() - self._expired_at >= every_seconds:
            self.expire()

    def expire(self) -> None:
        """Delete the folders of jobs older than the retention time."""
        self._expired_at = time.monotonic()
        limit = time.time() - self.retention_seconds
        for folder in self.root.iterdir():
            if not JOB_ID.fullmatch(folder.name) or folder.name in self._live:
                continue
            try:
                created = json.loads((folder / "job.json").read_text(encoding="utf-8"))["created"]
            except (OSError, ValueError, KeyError, TypeError):
                created = folder.stat().st_mtime
            if created < limit:
                shutil.rmtree(folder, ignore_errors=True)

    # --- Running -------------------------------------------------------------------------

    def _save(self, job_id: str, status: JobStatus) -> None:
        data = json.dumps(asdict(status)).encode("utf-8")
        write_atomic(self.root / job_id / "job.json", data)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            status = self._live[job_id]
            for key, value in changes.items():
                setattr(status, key, value)
            self._save(job_id, status)

    def _start_runner(self) -> None:
        with self._lock:
            if self._runner is None or not self._runner.is_alive():
                self._runner = threading.Thread(target=self._run_forever, name="docgen-batch",
                                                daemon=True)  # fmt: skip
                self._runner.start()

    def _run_forever(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                self._run(job_id)
            finally:
                with self._lock:
                    self._live.pop(job_id, None)

    def _progress(self, job_id: str) -> Callable[[int, int, int], None]:
        def report(done: int, total: int, rejected: int) -> None:
            self._update(job_id, rows_done=done, rows_total=total)

        return report

    def _run(self, job_id: str) -> None:
        folder = self.root / job_id
        status = self._live[job_id]
        self._update(job_id, state="running")
        try:
            run_batch(folder / SCHEDULE, folder / "out", self.site_path, status.jobs,
                      print_file=status.print_file, progress=self._progress(job_id),
                      cache=self.cache)  # fmt: skip
            pack(folder / "out", folder / ZIP_NAME)
        except DocgenError as error:
            self._update(job_id, state="failed", error=str(error))
            return
        except Exception as error:  # the type only: a message could quote the schedule
            self._update(job_id, state="failed", error=f"internal error ({type(error).__name__})")
            return
        self._update(job_id, state="done")


def pack(out_dir: Path, zip_path: Path) -> None:
    """The packets, manifest.json, the print file and the report, if there, in one ZIP."""
    names = sorted(p.name for p in out_dir.glob("*.pdf") if p.name != PRINT_FILE)
    names += [name for name in (MANIFEST, PRINT_FILE, REPORT) if (out_dir / name).is_file()]
    handle, temporary = tempfile.mkstemp(dir=zip_path.parent, prefix=".tmp-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for name in names:
                # PDFs are compressed already; the manifest and report are text.
                method = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
                archive.write(out_dir / name, arcname=name, compress_type=method)
        os.chmod(temporary, 0o600)
        os.replace(temporary, zip_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
