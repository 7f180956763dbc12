"""The administrator's batch report: ``report.html`` and ``rejects.csv`` in the output folder.

``report.html`` (printable, no script, no outside resources) gives the totals, then the
rejected rows first (row, MRN, field, what to fix), then every row by surgery time, grouped
by ward when the schedule has a ``ward`` column. It names no patient: a rejected row shows
its MRN only when the MRN itself was valid, and never a name or a date of birth.

``rejects.csv`` holds the rejected rows as they were in the schedule, plus an ``error``
column, ready to fix and run again. It carries the administrator's own patient data back to
her, so it is always written private (0600), whatever the umask.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from docgen.files import open_atomic, write_atomic
from docgen.resources import Resources

if TYPE_CHECKING:
    from docgen.schedule import BatchResult, Schedule

REPORT = "report.html"
REJECTS = "rejects.csv"
REJECTS_MODE = 0o600


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Resources.bundled().templates / "report"),
        autoescape=True,  # cells of a schedule are never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _generated() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _ward_column(extra_names: Iterable[str]) -> str | None:
    return next((name for name in extra_names if name.strip().lower() == "ward"), None)


def render_report(rows: list[dict[str, Any]], result: BatchResult, schedule: Schedule,
                  left_out: int = 0) -> str:  # fmt: skip
    statuses = {item["row"]: item for item in result.items}
    extra_names = [name for _, name in schedule.extra_columns]
    ward = _ward_column(extra_names)
    rejected = [row for row in sorted(rows, key=lambda r: r["row"]) if row["problems"]]
    listed = []
    for row in rows:
        item = statuses.get(row["row"], {})
        listed.append({**row, "status": item.get("status", "error"), "file": item.get("file", "")})

    def group(row: dict[str, Any]) -> tuple[int, str]:
        # A rejected row's cells are not shown (after a column shift its "ward" may hold a
        # name): such rows are listed last, in their own group.
        if row["problems"]:
            return (1, "")
        return (0, row["extras"].get(ward, "") if ward else "")

    listed.sort(key=lambda r: (group(r), r["surgery_at"] or "9999", r["row"]))
    groups: list[tuple[tuple[int, str], list[dict[str, Any]]]] = []
    for row in listed:
        key = group(row)
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(row)
    return _environment().get_template("report.html").render(
        schedule=schedule.path.name,
        generated=_generated(),
        totals={
            "rows": len(rows) + left_out,
            "written": result.written,
            "unchanged": result.skipped,
            "rejected": result.rejected,
            "superseded": len(result.superseded),
        },
        rejected=rejected,
        groups=groups,
        ward=ward,
        extra_names=[name for name in extra_names if name != ward],
        superseded=result.superseded,
        notes=result.notes,
        left_out=left_out,
    )


def write_report(out_dir: Path, rows: list[dict[str, Any]], result: BatchResult,
                 schedule: Schedule, mode: int, left_out: int = 0) -> None:  # fmt: skip
    html = render_report(rows, result, schedule, left_out)
    write_atomic(out_dir / REPORT, html.encode("utf-8"), mode)


def write_rejects(out_dir: Path, schedule: Schedule, result: BatchResult) -> None:
    """The rejected rows as they were, plus ``error``; removed when nothing was rejected."""
    errors = {item["row"]: item["error"] for item in result.items if item["status"] != "ok"}
    path = out_dir / REJECTS
    if not errors:
        path.unlink(missing_ok=True)  # an earlier run's rejects are fixed now
        return
    with open_atomic(path, REJECTS_MODE) as out:
        # With a BOM, as spreadsheets write "CSV UTF-8": it opens with the right characters.
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=schedule.delimiter, lineterminator="\r\n")
        writer.writerow([*schedule.header, "error"])
        width = len(schedule.header)
        for number, cells in schedule.cells():
            if number in errors:
                writer.writerow([*(cells + [""] * width)[:width], errors[number]])


def cover_sheet(missing: list[int], items: list[dict[str, Any]]) -> bytes:
    """The print file's first sheet when rows are missing from it: which, and why."""
    import pikepdf

    from docgen.pdf import import_weasyprint

    import_weasyprint()
    from weasyprint import HTML

    errors = {item["row"]: item.get("error", "") for item in items}
    html = _environment().get_template("cover.html").render(
        missing=[(row, errors.get(row, "")) for row in missing],
        printed=sum(1 for item in items if item["status"] == "ok"),
    )

    def refuse(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        raise ValueError("the cover sheet loads nothing")

    pdf = HTML(string=html, url_fetcher=refuse).write_pdf()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        if len(document.pages) % 2:  # keep every packet starting on an odd page
            box = document.pages[0].mediabox
            document.add_blank_page(page_size=(int(float(box[2])), int(float(box[3]))))
        buffer = io.BytesIO()
        document.save(buffer, deterministic_id=True)
    return buffer.getvalue()
