"""A validated packet request: the patient record checked against the catalog and site.

The same rules serve ``docgen packet`` (JSON file or options) and every CSV row of
``docgen batch``. Each violation is a :class:`DocgenError` naming the field; messages never
repeat a patient's name or date of birth.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from docgen.catalog import Catalog, Procedure
from docgen.errors import DocgenError, InvalidRecord
from docgen.fonts import unprintable
from docgen.i18n import check_packet_language
from docgen.languages import language_codes
from docgen.levels import Level, Region, parse_levels
from docgen.site import Site
from docgen.timing import abstinence_started, preop_timing, site_today

FIELDS = (
    "mrn", "family_name", "given_name", "dob", "procedure", "levels", "side", "surgery_at",
    "language", "surgeon", "interpreter",
)  # fmt: skip
# What each field takes, for --help and the web form (the same words as the messages).
FIELD_HELP = {
    "mrn": "hospital number: 1 to 32 letters, digits or hyphens; leading zeros are kept",
    "family_name": "family name as on the ID band, any script",
    "given_name": "given name as on the ID band, any script",
    "dob": "date of birth, YYYY-MM-DD (e.g. 1961-03-12)",
    "procedure": "nucleoplasty, discectomy, endoscopic-discectomy or percutaneous-discectomy "
    "(any case; names such as microdiscectomy are understood; see 'docgen procedures')",
    "levels": "disc levels such as L4-L5, several separated by ';', all in one region "
    "(C2-C3 ... C7-T1, T1-T2 ... T12-L1, L1-L2 ... L5-S1)",
    "side": "left, right, bilateral or central; required for the discectomies",
    "surgery_at": "date and time of surgery, site's local time: YYYY-MM-DDTHH:MM "
    "(e.g. 2026-12-02T08:30)",
    "language": "language of the packet: en, es, tr, de, fr or ar",
    "surgeon": "practitioner's name (optional; a blank line is printed without it)",
    "interpreter": "yes or no (default: yes when the language differs from the site's)",
}
REQUIRED_FIELDS = ("mrn", "family_name", "given_name", "dob", "procedure", "levels",
                   "surgery_at", "language")  # fmt: skip

_MRN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Harmless forms that are read as they are meant (docgen writes them back in ISO form).
_LOOSE_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOCAL_DATE_RE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")  # 26/11/2026, 26.11.2026
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_OFFSET_RE = re.compile(r"^(.*?)(Z|[+-]\d{2}:\d{2})?$")  # 08:30+01:00 -> 08:30, +01:00
# Damage a spreadsheet does to a column it took for numbers.
_SERIAL_DATE_RE = re.compile(r"^\d{5}(\.\d+)?$")  # days since 1899-12-30
_SCIENTIFIC_RE = re.compile(r"^\d+(\.\d+)?[eE]\+\d+$")  # 1.23457E+11 (not 12E45: an MRN)
_NUMBER_WITH_DECIMALS_RE = re.compile(r"^\d+\.0+$")  # 123456.0
# A value is echoed only when it has its field's own shape, never when it could be a name.
_LANGUAGE_SHAPE_RE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z]{2})?$")
_SIDE_SHAPE_RE = re.compile(r"^[LRBClrbc]$")  # "L": write it in full
_YES = ("yes", "y", "true", "1")
_NO = ("no", "n", "false", "0")
_DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})?$")
_MAX_NAME = 100
_MAX_MARKS = 3  # combining marks on one letter: Vietnamese needs 2, Arabic vowels 2
# Zero-width joiners shape Arabic and Indic names correctly; every other format character
# (bidi overrides, isolates, invisible marks) could make a printed name read differently.
_ALLOWED_FORMAT_CHARS = {"\u200c", "\u200d"}
T = TypeVar("T")


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    CENTRAL = "central"


@dataclass(frozen=True)
class PacketRequest:
    mrn: str
    family_name: str
    given_name: str
    dob: date
    procedure: Procedure
    levels: tuple[Level, ...]
    side: Side | None
    surgery_at: datetime  # naive, local time of the site
    language: str
    surgeon: str | None
    interpreter: bool

    @property
    def region(self) -> Region:
        return self.levels[0].region

    def abstinence_started(self, site: Site) -> bool:
        """The 48 hours without alcohol or smoking began before now: the checklist then
        tells the patient to start now, and whoever prints it is warned too."""
        timing = preop_timing(self.surgery_at, self.procedure.anaesthesia, site.timezone,
                              site.arrival_lead_minutes)  # fmt: skip
        return abstinence_started(timing, site.timezone)


def _text(record: Mapping[str, object], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DocgenError("must be text", field=key)
    return str(value).strip()


def _required(record: Mapping[str, object], key: str) -> str:
    value = _text(record, key)
    if not value:
        raise DocgenError("is required", field=key)
    return value


def _person_name(value: str, key: str, site: Site) -> str:
    name = unicodedata.normalize("NFC", value)
    if len(name) > _MAX_NAME:
        raise DocgenError(f"longer than {_MAX_NAME} characters", field=key)
    if name[0] in "-‐‑" or name[-1] in "-‐‑":
        raise DocgenError("starts or ends with a hyphen; check the name", field=key)
    marks = 0
    previous = ""
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Zl", "Zp"):  # U+2028 / U+2029 would split the printed name
            raise DocgenError("contains a line or paragraph separator", field=key)
        if ch == "\ufffd":
            raise DocgenError(
                "contains U+FFFD, the mark of a broken character encoding; "
                "save the file as UTF-8 and try again",
                field=key,
            )
        if category in ("Cc", "Cs", "Co", "Cn") or (
            category == "Cf" and ch not in _ALLOWED_FORMAT_CHARS
        ):
            raise DocgenError(
                f"contains an invisible control or direction character (U+{ord(ch):04X})",
                field=key,
            )
        marks = marks + 1 if category.startswith("M") else 0
        if marks > _MAX_MARKS:  # stacked marks print over the lines above and below
            raise DocgenError(
                f"has more than {_MAX_MARKS} accents or marks on one letter", field=key
            )
        if marks > 1 and ch == previous:  # the same mark twice: a sign of broken input
            raise DocgenError("has the same accent or mark twice on one letter", field=key)
        previous = ch
    missing = unprintable(name, site.resources.fonts)
    if missing:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:3])
        raise DocgenError(
            f"contains characters the bundled fonts cannot print ({codes})", field=key
        )
    return name


def _mrn(value: str, site: Site) -> str:
    # The value is never echoed: after a column shift it may be a name or a birth date.
    if _SCIENTIFIC_RE.match(value):
        raise DocgenError(
            "MRN in scientific notation (a spreadsheet turned it into a number and lost "
            "digits); format the MRN column as text and export again",
            field="mrn",
        )
    if _NUMBER_WITH_DECIMALS_RE.match(value):
        raise DocgenError(
            "looks like a spreadsheet number (ends in .0); format the MRN column as text",
            field="mrn",
        )
    if _LOOSE_ISO_DATE_RE.match(value) or _LOCAL_DATE_RE.match(value):
        raise DocgenError("looks like a date, not an MRN; are the columns shifted?", field="mrn")
    if not _MRN_RE.match(value):
        raise DocgenError("use 1 to 32 letters, digits or hyphens", field="mrn")
    if site.mrn_digits and value.isdigit() and len(value) < site.mrn_digits:
        if not site.mrn_pad:
            raise DocgenError(
                f"MRN shorter than the site's mrn_digits ({site.mrn_digits}): leading zeros "
                "lost? Format the MRN column as text and export again",
                field="mrn",
            )
        return value.zfill(site.mrn_digits)
    return value


def _local_date(first: str, second: str, year: str, site: Site, example: str) -> str:
    """``26/11/2026`` read in the site's ``date_order``; without one it is ambiguous."""
    if site.date_order == "DMY":
        day, month = first, second
    elif site.date_order == "MDY":
        month, day = first, second
    else:
        raise DocgenError(
            f"write it as {example}; a date such as 26/11/2026 is read only when the site "
            'file sets date_order = "DMY" or "MDY"'
        )
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _normalise_date(value: str, site: Site, example: str) -> str:
    """A date in ISO form ``YYYY-MM-DD``, from the harmless forms people type.

    Raises DocgenError without a field (the caller names it) and never with the value.
    """
    loose = _LOOSE_ISO_DATE_RE.match(value)
    if loose:
        year, month, day = loose.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    local = _LOCAL_DATE_RE.match(value)
    if local:
        return _local_date(local[1], local[2], local[3], site, example)
    if _SERIAL_DATE_RE.match(value):
        raise DocgenError(
            "looks like a spreadsheet serial date (a day number); format the column as a "
            f"date and export again, or write {example}"
        )
    raise DocgenError(f"not a valid date; write it as {example}")


def _normalise_datetime(value: str, site: Site) -> str:
    """``YYYY-MM-DDTHH:MM`` from ``2026-12-02T8:30``, ``2026-12-02 08:30:00``, or
    ``26/11/2026 08:30`` when the site sets ``date_order``; a bare date asks for the time.

    Only the form is handled here; whether the time exists is for :func:`_surgery_at`.
    """
    example = "YYYY-MM-DDTHH:MM (e.g. 2026-12-02T08:30)"
    parts = value.replace("T", " ", 1).split()
    try:
        day = _normalise_date(parts[0], site, example) if parts else ""
    except DocgenError as error:
        raise DocgenError(error.message, field="surgery_at") from None
    if len(parts) == 1:
        raise DocgenError("add the time, e.g. 2026-12-02T08:30", field="surgery_at")
    written = _OFFSET_RE.match(parts[1]) if len(parts) == 2 else None
    clock, offset = written.groups("") if written else ("", "")
    time_match = _TIME_RE.match(clock)
    if not day or not time_match or (time_match[3] or "00") != "00":
        raise DocgenError(f"not a valid date and time; write it as {example}", field="surgery_at")
    # A written UTC offset is kept: it says which of a repeated hour is meant.
    return f"{day}T{int(time_match[1]):02d}:{time_match[2]}{offset}"


def _date(value: str, key: str, site: Site) -> date:
    example = "YYYY-MM-DD (e.g. 1961-03-12)"
    try:
        value = _normalise_date(value, site, example)
    except DocgenError as error:
        raise DocgenError(error.message, field=key) from None
    if _DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    # The value itself is not echoed: for dob it is patient data.
    raise DocgenError(f"not a valid date; write it as {example}", field=key)


def _surgery_at(value: str, site: Site) -> datetime:
    match = _DATETIME_RE.match(value)
    if match:
        try:
            local = datetime.fromisoformat(f"{match[1]}T{match[2]}")
            written = datetime.fromisoformat(value.replace(" ", "T")) if match[3] else None
        except ValueError:
            pass
        else:
            return _in_site_zone(local, written, site)
    raise DocgenError(
        "not a valid date and time; write it as YYYY-MM-DDTHH:MM (e.g. 2026-12-02T08:30)",
        field="surgery_at",
    )


def _in_site_zone(local: datetime, written: datetime | None, site: Site) -> datetime:
    """The wall-clock time at the site, checked against its clock changes and the calendar.

    Returns a naive local time whose ``fold`` says which of a repeated hour is meant.
    """
    zone = site.timezone
    earlier, later = (local.replace(fold=fold, tzinfo=zone) for fold in (0, 1))
    try:
        round_trip = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # e.g. 9999-12-31 23:30 in New York is past the end of year 9999
        raise DocgenError(
            "lies too far from today to work out in the site's time zone", field="surgery_at"
        ) from None
    if round_trip != local:
        raise DocgenError(
            f"this time does not exist in the site's time zone ({zone.key}): the clocks go "
            "forward then; check the time",
            field="surgery_at",
        )
    if written is not None:
        matching = [t for t in (earlier, later) if t.utcoffset() == written.utcoffset()]
        if not matching:
            raise DocgenError(
                f"the UTC offset does not match the site's time zone ({zone.key}) at that time",
                field="surgery_at",
            )
        local = local.replace(fold=matching[-1].fold)
    elif earlier.utcoffset() != later.utcoffset():  # the clocks go back: the hour repeats
        if site.ambiguous_time is None:
            first = earlier.isoformat(timespec="minutes")
            raise DocgenError(
                f"this time happens twice in the site's time zone ({zone.key}) because the "
                f"clocks go back then; write it with its UTC offset (e.g. {first} for the "
                "first time) or set ambiguous_time in the site file",
                field="surgery_at",
            )
        local = local.replace(fold=0 if site.ambiguous_time == "earlier" else 1)
    _check_surgery_date(local.date(), site)
    return local


def _check_surgery_date(day: date, site: Site) -> None:
    today = site_today(site.timezone)
    if day < today:
        raise DocgenError(
            f"the date is in the past (today is {today.isoformat()} at the site)",
            field="surgery_at",
        )
    try:
        horizon = today.replace(year=today.year + 1)
    except ValueError:  # 29 February: a year ahead is 28 February
        horizon = today.replace(year=today.year + 1, day=28)
    if day > horizon:
        raise DocgenError("the date is more than a year ahead; check the year", field="surgery_at")


def _choice(value: str, key: str, choices: tuple[str, ...], shape: re.Pattern[str]) -> str:
    """One of ``choices`` in any case; the value is echoed only when it has the field's own
    shape (a language code, a one-letter side), never when it could be a name."""
    lowered = value.lower()
    if lowered not in choices:
        shown = f'"{value}" ' if shape.match(value) else ""
        raise DocgenError(f"{shown}is not one of: {', '.join(choices)}", field=key)
    return lowered


def _yes_no(value: str, key: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _YES or lowered in _NO:
        return lowered in _YES
    raise DocgenError("write yes or no", field=key)


def _interpreter(record: Mapping[str, object], language: str, site: Site) -> bool:
    value = record.get("interpreter")
    if isinstance(value, bool):  # JSON true / false
        return value
    text = _text(record, "interpreter")
    if not text:
        return language != site.staff_language
    return _yes_no(text, "interpreter")


class _Problems:
    """Collects field errors so that one pass reports every problem of a record."""

    def __init__(self) -> None:
        self.found: list[DocgenError] = []

    def check(self, function: Callable[..., T], *args: object) -> T | None:
        try:
            return function(*args)
        except InvalidRecord as errors:
            self.found.extend(errors.problems)
        except DocgenError as error:
            self.found.append(error)
        return None

    def raise_if_any(self) -> None:
        if self.found:
            raise InvalidRecord(self.found)


def _levels(record: Mapping[str, object], procedure: Procedure | None) -> tuple[Level, ...]:
    raw_levels = record.get("levels")
    levels = parse_levels(raw_levels if isinstance(raw_levels, list) else _text(record, "levels"))
    if procedure is not None:
        procedure.check_levels(levels)
    return levels


def _side(record: Mapping[str, object], procedure: Procedure | None) -> Side | None:
    side_text = _text(record, "side")
    side = (
        Side(_choice(side_text, "side", tuple(s.value for s in Side), _SIDE_SHAPE_RE))
        if side_text
        else None
    )
    if side is None and procedure is not None and procedure.side_required:
        raise DocgenError(
            f"is required for {procedure.id} (left, right, bilateral or central)", field="side"
        )
    return side


def _surgeon(record: Mapping[str, object], site: Site) -> str | None:
    surgeon_text = _text(record, "surgeon")
    return _person_name(surgeon_text, "surgeon", site) if surgeon_text else None


def validate_record(record: Mapping[str, object], catalog: Catalog, site: Site) -> PacketRequest:
    """Check one patient record (JSON object, CSV row or CLI options) and build the request.

    Every field is checked; all problems are raised together as :class:`InvalidRecord`.
    """
    problems = _Problems()
    for key in sorted(set(record) - set(FIELDS)):
        problems.found.append(
            DocgenError(f"unknown field; the fields are: {', '.join(FIELDS)}", field=key)
        )
    mrn = problems.check(lambda: _mrn(_required(record, "mrn"), site))
    family_name = problems.check(
        lambda: _person_name(_required(record, "family_name"), "family_name", site)
    )
    given_name = problems.check(
        lambda: _person_name(_required(record, "given_name"), "given_name", site)
    )
    dob = problems.check(lambda: _date(_required(record, "dob"), "dob", site))
    procedure = problems.check(lambda: catalog.get(_required(record, "procedure")))
    levels = problems.check(_levels, record, procedure)
    side = problems.check(_side, record, procedure)
    surgery_at = problems.check(
        lambda: _surgery_at(_normalise_datetime(_required(record, "surgery_at"), site), site)
    )
    if dob is not None and surgery_at is not None:
        problems.check(_dob_range, dob, surgery_at)
    # The languages are the catalogs installed here (locales/<lang>/), plus English; the site
    # must also name itself in the packet's language.
    language = problems.check(lambda: check_packet_language(site, _choice(
        _required(record, "language"), "language", language_codes(site.resources),
        _LANGUAGE_SHAPE_RE)))  # fmt: skip
    surgeon = problems.check(_surgeon, record, site)
    interpreter = problems.check(_interpreter, record, language or site.staff_language, site)
    problems.raise_if_any()
    assert mrn and family_name and given_name and dob and procedure and levels
    assert surgery_at and language and interpreter is not None
    return PacketRequest(
        mrn=mrn,
        family_name=family_name,
        given_name=given_name,
        dob=dob,
        procedure=procedure,
        levels=levels,
        side=side,
        surgery_at=surgery_at,
        language=language,
        surgeon=surgeon,
        interpreter=interpreter,
    )


def _dob_range(dob: date, surgery_at: datetime) -> None:
    if not date(1900, 1, 1) <= dob <= surgery_at.date():
        raise DocgenError("must lie between 1900 and the day of the procedure", field="dob")


def padded_mrn(value: str, site: Site) -> str:
    """An MRN cell as it is printed: padded to the site's ``mrn_digits`` when allowed."""
    value = value.strip()
    if site.mrn_digits and site.mrn_pad and value.isdigit():
        return value.zfill(site.mrn_digits)
    return value


def identity_key(record: Mapping[str, object], site: Site) -> tuple[str, bytes]:
    """(MRN, person) as a schedule compares rows: one MRN must mean one person.

    The person part is a hash of the names (case and spacing folded) and the birth date
    (read as validation reads it), so two spellings of one record compare equal while the
    key itself holds no patient data.
    """
    mrn = padded_mrn(_text(record, "mrn"), site).upper()

    def folded(key: str) -> str:
        return " ".join(unicodedata.normalize("NFC", _text(record, key)).casefold().split())

    dob = _text(record, "dob")
    with suppress(DocgenError):
        dob = _normalise_date(dob, site, "")
    person = "\x1f".join((folded("family_name"), folded("given_name"), dob))
    return mrn, hashlib.sha256(person.encode()).digest()[:16]


def read_record_file(patient: Path | None) -> dict[str, object]:
    """One patient's fields from a JSON file (``-``: standard input); ``{}`` for None."""
    # The file's name is not repeated: people name files after patients.
    if patient is None:
        return {}
    try:
        text = sys.stdin.read() if str(patient) == "-" else patient.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except OSError:
        raise DocgenError("the file cannot be read", field="patient") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", "?")
        raise DocgenError(f"not valid UTF-8 JSON (line {line})", field="patient") from None
    if not isinstance(data, dict):
        raise DocgenError("expected one JSON object", field="patient")
    return data


def example_record(today: date) -> dict[str, str]:
    """A filled-in record for a fictional patient (``docgen packet --template``): surgery
    tomorrow at 08:30, so that it validates as it is."""
    tomorrow = date.fromordinal(today.toordinal() + 1)
    return {
        "mrn": "0001234",
        "family_name": "Example",
        "given_name": "Alex",
        "dob": "1961-03-12",
        "procedure": "discectomy",
        "levels": "L4-L5",
        "side": "left",
        "surgery_at": f"{tomorrow.isoformat()}T08:30",
        "language": "en",
        "surgeon": "Dr Sam Demo",
        "interpreter": "no",
    }
