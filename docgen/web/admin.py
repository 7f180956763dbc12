"""The administrator's pages: upload the operating list, watch it run, download the ZIP.

The run itself is the batch engine's (docgen.batch.run_batch, as ``docgen batch`` runs it),
in the background through :class:`docgen.web.jobs.JobStore`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from docgen.batch import MANIFEST
from docgen.errors import DocgenError
from docgen.schedule import read_schedule
from docgen.web import auth
from docgen.web.jobs import SCHEDULE, ZIP_NAME, JobStatus
from docgen.web.state import _, state

blueprint = Blueprint("admin", __name__)
MAX_JOBS = 64  # as ``docgen batch --jobs``
_SCHEDULE_PREFIX = re.compile(r"^schedule [^:]*: ")


def _upload_page(errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    state().jobs.expire()
    return render_template("admin/upload.html", errors=errors or {}, max_jobs=MAX_JOBS), status


def _count_rows(schedule: bytes) -> int:
    """Read the upload as ``docgen batch`` would; its problems become a message on the form."""
    with tempfile.TemporaryDirectory(dir=state().jobs.root) as folder:
        path = Path(folder) / "list.csv"
        path.write_bytes(schedule)
        try:
            rows = read_schedule(path)
        except DocgenError as error:
            raise DocgenError(_SCHEDULE_PREFIX.sub("", error.message), field="schedule") from None
    if not rows:
        raise DocgenError(_("the file has a header row but no patient rows"), field="schedule")
    return len(rows)


@blueprint.get("/batch")
@auth.role_required("admin")
def upload() -> tuple[str, int]:
    return _upload_page()


@blueprint.post("/batch")
@auth.role_required("admin")
def start() -> Any:
    upload_ = request.files.get("schedule")
    errors: dict[str, str] = {}
    schedule = upload_.read() if upload_ is not None else b""
    if not schedule:
        errors["schedule"] = _("choose the operating list's CSV file")
    jobs_text = request.form.get("jobs", "").strip()
    jobs: int | None = None
    if jobs_text:
        if jobs_text.isascii() and jobs_text.isdigit() and 1 <= int(jobs_text) <= MAX_JOBS:
            jobs = int(jobs_text)
        else:
            errors["jobs"] = _("a whole number from 1 to %(max)s, or empty") % {"max": MAX_JOBS}
    print_file = request.form.get("print_file", "") != ""
    rows = 0
    if schedule:
        try:
            rows = _count_rows(schedule)
        except DocgenError as error:
            errors["schedule"] = error.message
    if errors:
        return _upload_page(errors, 422)
    job_id = state().jobs.create(schedule, rows, jobs, print_file)
    auth.audit_event("batch", job=job_id, rows=rows,
                     sha256=hashlib.sha256(schedule).hexdigest())  # fmt: skip
    return redirect(url_for("admin.job", job_id=job_id), 303)


def _status(job_id: str) -> tuple[Path, JobStatus]:
    jobs = state().jobs
    status = jobs.status(job_id)
    folder = jobs.folder(job_id)
    if status is None or folder is None:
        abort(404)
    return folder, status


def _table(folder: Path) -> list[dict[str, Any]]:
    """One line per row: the manifest's outcome beside the row's MRN, procedure, language."""
    try:
        items = json.loads((folder / "out" / MANIFEST).read_text(encoding="utf-8"))["items"]
        cells = {row.number: row.record for row in read_schedule(folder / SCHEDULE)}
    except (OSError, ValueError, KeyError, DocgenError):
        return []
    return [
        {
            "row": item["row"],
            "mrn": cells.get(item["row"], {}).get("mrn", ""),
            "procedure": cells.get(item["row"], {}).get("procedure", ""),
            "language": cells.get(item["row"], {}).get("language", ""),
            "ok": item["status"] == "ok",
            "error": item.get("error", ""),
        }
        for item in items
    ]


@blueprint.get("/batch/<job_id>")
@auth.role_required("admin")
def job(job_id: str) -> str:
    folder, status = _status(job_id)
    table = _table(folder) if status.state == "done" else []
    return render_template(
        "admin/job.html",
        job_id=job_id,
        status=status,
        table=table,
        written=sum(1 for line in table if line["ok"]),
        rejected=sum(1 for line in table if not line["ok"]),
    )


@blueprint.get("/batch/<job_id>/status.json")
@auth.role_required("admin")
def job_status(job_id: str) -> Response:
    _folder, status = _status(job_id)
    return jsonify(
        {"state": status.state, "rows_done": status.rows_done, "rows_total": status.rows_total}
    )


@blueprint.get("/batch/<job_id>/packets.zip")
@auth.role_required("admin")
def download(job_id: str) -> Response:
    folder, status = _status(job_id)
    path = folder / ZIP_NAME
    if status.state != "done" or not path.is_file():
        abort(404)
    data = path.read_bytes()
    printed = [line["mrn"] for line in _table(folder) if line["ok"]]  # whose forms left
    auth.audit_event("download", job=job_id, mrn=printed, rows=len(printed),
                     sha256=hashlib.sha256(data).hexdigest())  # fmt: skip
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=ZIP_NAME, max_age=0)  # fmt: skip
