"""The schedule CSV of a batch, and what the batch made of it.

Spreadsheet exports are taken as they come: header names in any case with spaces or
underscores, comma, semicolon or tab, extra columns (carried into the report), empty
trailing columns. The file is checked once up front; its rows are streamed later.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from docgen.errors import ConfigError
from docgen.request import FIELDS, REQUIRED_FIELDS

ROW_OPTION_COLUMNS = ("docs", "copies", "large_print")  # per-row render options


@dataclass(frozen=True)
class Row:
    number: int  # spreadsheet row: header is 1
    record: dict[str, str]  # patient fields (SPEC 6.1)
    extra_cells: bool = False  # more non-empty cells than the header has columns
    options: dict[str, str] = field(default_factory=dict)  # docs, copies, large_print
    extras: dict[str, str] = field(default_factory=dict)  # other columns, e.g. ward


@dataclass
class BatchResult:
    items: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    skipped: int = 0
    rejected: int = 0
    peak_worker_rss_kib: int = 0
    superseded: list[str] = field(default_factory=list)  # earlier packets moved aside
    notes: list[str] = field(default_factory=list)  # one line each, e.g. print file refused

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    @property
    def error_lines(self) -> list[str]:
        return [f"row {i['row']}: {i['error']}" for i in self.items if i["status"] == "error"]



# --- Reading the schedule ----------------------------------------------------------------


def column_key(name: str) -> str:
    """How a header cell is matched: ``Family Name``, ``family_name``, ``FAMILYNAME``."""
    return re.sub(r"[\s_\-]+", "", name).lower()


_KNOWN_COLUMNS = {column_key(name): name for name in (*FIELDS, *ROW_OPTION_COLUMNS)}


@dataclass(frozen=True)
class Schedule:
    """A schedule CSV, read lazily: rows are streamed from the file, never all held at once."""

    path: Path
    delimiter: str
    header: tuple[str, ...]  # the cells of row 1 as written
    columns: tuple[str | None, ...]  # per cell: the field or option it holds, or None
    extra_columns: tuple[tuple[int, str], ...]  # (cell index, name) of unknown columns
    preamble: int = 0  # lines before the header (Excel's "sep=;")

    def _reader(self, handle: TextIO) -> Iterator[list[str]]:
        reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
        try:
            yield from reader
        except csv.Error as exc:
            raise ConfigError(
                f"schedule {self.path.name}: not a valid CSV at row {reader.line_num} ({exc})"
            ) from None

    def cells(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row, cells) of every line after the header, blank lines included."""
        with _open_text(self.path) as handle:
            lines = self._reader(handle)
            for _ in range(self.preamble + 1):
                next(lines, None)
            yield from enumerate(lines, start=2)

    def rows(self) -> Iterator[Row]:
        width = len(self.columns)
        for number, cells in self.cells():
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, e.g. the empty rows a spreadsheet exports at the end
            padded = cells + [""] * (width - len(cells))
            record: dict[str, str] = {}
            options: dict[str, str] = {}
            for name, cell in zip(self.columns, padded, strict=False):
                if name in ROW_OPTION_COLUMNS:
                    options[name] = cell
                elif name is not None:
                    record[name] = cell
            extras = {name: padded[index].strip() for index, name in self.extra_columns}
            surplus = any(cell.strip() for cell in cells[width:])
            yield Row(number, record, extra_cells=surplus, options=options, extras=extras)


@contextmanager
def _open_text(path: Path) -> Iterator[TextIO]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError:
        raise ConfigError(f"schedule {path.name}: cannot be read") from None
    try:
        yield handle
    except UnicodeDecodeError:
        raise ConfigError(f"schedule {path.name}: not UTF-8; export it as CSV UTF-8") from None
    finally:
        handle.close()


def open_schedule(path: Path) -> Schedule:
    """Check the file's encoding and header once, up front; rows are read later."""
    with _open_text(path) as handle:
        for _ in handle:  # the whole file decodes, before any packet is written
            pass
        handle.seek(0)
        header_line = handle.readline()
        # Excel's "sep=;" line names the delimiter; Excel does not show it as a row.
        declared = header_line.strip() if header_line.lower().startswith("sep=") else ""
        if declared:
            header_line = handle.readline()
    if not header_line.strip():
        raise ConfigError(f"schedule {path.name}: empty file")
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    delimiter = declared[4:5] or max(counts, key=lambda d: counts[d])
    reader = csv.reader([header_line], delimiter=delimiter)
    header = tuple(cell.strip() for cell in next(reader))
    while header and not header[-1]:
        header = header[:-1]  # empty trailing columns
    columns = tuple(_KNOWN_COLUMNS.get(column_key(name)) for name in header)
    known = [name for name in columns if name]
    if not any(name in REQUIRED_FIELDS for name in known):
        # Its first row is not repeated: it may be a patient's.
        raise ConfigError(
            f"schedule {path.name}: the first row is not a header row; add a first row that "
            f"names the columns: {', '.join(REQUIRED_FIELDS)} (optional: side, surgeon, "
            "interpreter, docs, copies, large_print)"
        )
    problems = []
    missing = [name for name in REQUIRED_FIELDS if name not in known]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    twice = sorted({name for name in known if known.count(name) > 1})
    if twice:
        problems.append(f"columns appear twice: {', '.join(twice)}")
    if problems:
        raise ConfigError(f"schedule {path.name}: {'; '.join(problems)}")
    extra_columns = tuple(
        (index, name) for index, (name, key) in enumerate(zip(header, columns, strict=True))
        if key is None and name
    )  # fmt: skip
    return Schedule(path, delimiter, header, columns, extra_columns, 1 if declared else 0)


def read_schedule(path: Path) -> list[Row]:
    """Every row of a schedule (for small files and tests; batches stream instead)."""
    return list(open_schedule(path).rows())
