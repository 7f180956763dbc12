"""Sample patients for ``docgen demo``: fictional people, a spread of procedures and times."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from docgen.request import PacketRequest

DEMO_FIRST_DAY = date(2026, 12, 2)  # the first surgery day of DEMO_RECORDS

DEMO_RECORDS: tuple[dict[str, str], ...] = (
    {
        "mrn": "D000101", "family_name": "Rivers", "given_name": "Ann", "dob": "1958-04-17",
        "procedure": "nucleoplasty", "levels": "L4-L5", "surgery_at": "2026-12-02T08:30",
        "language": "en", "surgeon": "Dr Sam Demo",
    },
    {
        "mrn": "D000102", "family_name": "Okafor", "given_name": "Ben", "dob": "1971-09-02",
        "procedure": "nucleoplasty", "levels": "C5-C6", "surgery_at": "2026-12-02T14:00",
        "language": "en",
    },
    {
        "mrn": "D000103", "family_name": "Jansen", "given_name": "Clara", "dob": "1966-01-23",
        "procedure": "discectomy", "levels": "L5-S1", "side": "left",
        "surgery_at": "2026-12-03T09:15", "language": "en", "surgeon": "Ms Priya Example",
    },
    {
        "mrn": "D000104", "family_name": "Moreau", "given_name": "Daniel", "dob": "1980-06-30",
        "procedure": "endoscopic-discectomy", "levels": "L4/L5", "side": "right",
        "surgery_at": "2026-12-03T13:30", "language": "en",
    },
    {
        "mrn": "D000105", "family_name": "Yılmaz", "given_name": "Elif", "dob": "1975-11-11",
        "procedure": "percutaneous-discectomy", "levels": "l3-4", "side": "left",
        "surgery_at": "2026-12-04T10:00", "language": "en",
    },
    {
        "mrn": "D000106", "family_name": "García López", "given_name": "Lucía",
        "dob": "1969-02-08", "procedure": "discectomy", "levels": "C5-C6", "side": "right",
        "surgery_at": "2026-12-04T11:30", "language": "es",
    },
    {
        "mrn": "D000107", "family_name": "حداد", "given_name": "سمير", "dob": "1963-05-21",
        "procedure": "nucleoplasty", "levels": "L5-S1", "surgery_at": "2026-12-04T15:00",
        "language": "ar",
    },
)  # fmt: skip


def demo_records(today: date) -> tuple[dict[str, str], ...]:
    """The sample list, moved by whole weeks so that it starts at least a week after today.

    Surgery dates in the past are refused, so a fixed sample list would stop working; whole
    weeks keep each patient's weekday and time.
    """
    late_by = (today + timedelta(days=7) - DEMO_FIRST_DAY).days
    shift = timedelta(weeks=-(-late_by // 7)) if late_by > 0 else timedelta(0)
    return tuple(
        {**record, "surgery_at": (datetime.fromisoformat(record["surgery_at"]) + shift)
         .isoformat(timespec="minutes")}
        for record in DEMO_RECORDS
    )  # fmt: skip


def demo_file_name(index: int, request: PacketRequest) -> str:
    """No names or birth dates in file names: number, procedure, first level, language."""
    return f"{index:02d}-{request.procedure.id}-{request.levels[0].code}-{request.language}.pdf"
