"""A validated packet request: the patient record checked against the catalog and site.

The same rules serve ``docgen packet`` (JSON file or options) and every CSV row of
``docgen batch``. Each violation is a :class:`DocgenError` naming the field; messages never
repeat a patient's name or date of birth.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from docgen.catalog import Catalog, Procedure
from docgen.errors import DocgenError, InvalidRecord
from docgen.fonts import unprintable
from docgen.i18n import check_packet_language, language_codes
from docgen.levels import Level, Region, parse_levels
from docgen.site import Site

FIELDS = (
    "mrn", "family_name", "given_name", "dob", "procedure", "levels", "side", "surgery_at",
    "language", "surgeon", "interpreter",
)  # fmt: skip
REQUIRED_FIELDS = ("mrn", "family_name", "given_name", "dob", "procedure", "levels",
                   "surgery_at", "language")  # fmt: skip

_MRN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$")
_MAX_NAME = 100
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
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co", "Cn") or (
            category == "Cf" and ch not in _ALLOWED_FORMAT_CHARS
        ):
            raise DocgenError(
                f"contains an invisible control or direction character (U+{ord(ch):04X})",
                field=key,
            )
    missing = unprintable(name, site.resources.fonts)
    if missing:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:3])
        raise DocgenError(
            f"contains characters the bundled fonts cannot print ({codes})", field=key
        )
    return name


def _mrn(value: str) -> str:
    if not _MRN_RE.match(value):
        raise DocgenError("use 1 to 32 letters, digits or hyphens", field="mrn")
    return value


def _date(value: str, key: str) -> date:
    if _DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    # The value itself is not echoed: for dob it is patient data.
    raise DocgenError("not a valid date; write it as YYYY-MM-DD (e.g. 1961-03-12)", field=key)


def _surgery_at(value: str) -> datetime:
    match = _DATETIME_RE.match(value)
    if match:
        try:
            return datetime.fromisoformat(f"{match[1]}T{match[2]}")
        except ValueError:
            pass
    raise DocgenError(
        "not a valid date and time; write it as YYYY-MM-DDTHH:MM (e.g. 2026-12-02T08:30)",
        field="surgery_at",
    )


def _choice(value: str, key: str, choices: tuple[str, ...]) -> str:
    lowered = value.lower()
    if lowered not in choices:
        shown = "".join(ch for ch in value if ch.isprintable())[:20]
        raise DocgenError(f'"{shown}" is not one of: {", ".join(choices)}', field=key)
    return lowered


def _interpreter(record: Mapping[str, object], language: str, site: Site) -> bool:
    value = record.get("interpreter")
    if isinstance(value, bool):  # JSON true / false
        return value
    text = _text(record, "interpreter")
    if not text:
        return language != site.staff_language
    return _choice(text, "interpreter", ("yes", "no")) == "yes"


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
    side = Side(_choice(side_text, "side", tuple(s.value for s in Side))) if side_text else None
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
    mrn = problems.check(lambda: _mrn(_required(record, "mrn")))
    family_name = problems.check(
        lambda: _person_name(_required(record, "family_name"), "family_name", site)
    )
    given_name = problems.check(
        lambda: _person_name(_required(record, "given_name"), "given_name", site)
    )
    dob = problems.check(lambda: _date(_required(record, "dob"), "dob"))
    procedure = problems.check(lambda: catalog.get(_required(record, "procedure")))
    levels = problems.check(_levels, record, procedure)
    side = problems.check(_side, record, procedure)
    surgery_at = problems.check(lambda: _surgery_at(_required(record, "surgery_at")))
    if dob is not None and surgery_at is not None:
        problems.check(_dob_range, dob, surgery_at)
    # The languages are the catalogs installed here (locales/<lang>/), plus English; the site
    # must also name itself in the packet's language.
    language = problems.check(lambda: check_packet_language(site, _choice(
        _required(record, "language"), "language", language_codes(site.resources))))  # fmt: skip
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
