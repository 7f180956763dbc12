"""Patient-specific times for the pre-operative checklist, computed from the schedule.

Every interval is real elapsed time: the computation runs in UTC and only the results are
turned back into the site's wall clock, so a fast or a 48-hour abstinence that crosses a
clock change keeps its length. Local datetimes are naive and carry ``fold`` for the repeated
hour when the clocks go back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from docgen.catalog import Anaesthesia
from docgen.errors import ConfigError

ABSTINENCE = timedelta(hours=48)  # no alcohol, no smoking
# The source's own sedation rule (seed 000): a morning list eats and drinks nothing that
# morning; an afternoon list has an early light breakfast and nothing after 09:00. Evening
# and night lists are outside that rule: the site's fasting hours alone decide.
NOON = time(12, 0)
EVENING = time(18, 0)
AFTERNOON_LAST_FOOD = time(9, 0)
TODAY_VARIABLE = "DOCGEN_TODAY"


@dataclass(frozen=True)
class PreopTiming:
    surgery_at: datetime
    arrival_at: datetime
    abstinence_from: datetime
    last_food_at: datetime | None  # None: no fasting needed (local anaesthetic only)
    last_fluid_at: datetime | None


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)  # replace() keeps fold


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)  # astimezone() sets fold


def hours_before(local: datetime, hours: timedelta, zone: ZoneInfo) -> datetime:
    """Real elapsed time, not wall-clock: 48 hours across a clock change stay 48 hours."""
    return to_local(to_utc(local, zone) - hours, zone)


def source_rule_limit(surgery_at: datetime) -> datetime | None:
    """The latest food and drink the source's sedation rule allows, or None (evening lists)."""
    if surgery_at.time() < NOON:  # nothing that morning: the fast starts at midnight
        return datetime.combine(surgery_at.date(), time(0, 0))
    if surgery_at.time() < EVENING:
        return datetime.combine(surgery_at.date(), AFTERNOON_LAST_FOOD)
    return None


def _earliest(zone: ZoneInfo, *moments: datetime | None) -> datetime:
    present = [moment for moment in moments if moment is not None]
    return min(present, key=lambda moment: to_utc(moment, zone))


def preop_timing(
    surgery_at: datetime,
    anaesthesia: Anaesthesia,
    zone: ZoneInfo,
    arrival_lead_minutes: int,
    fasting_food_hours: float = 6,
    fasting_fluid_hours: float = 2,
    fasting_local: bool = False,
) -> PreopTiming:
    """``fasting_local``: the site asks patients under local anaesthetic only to fast too."""
    last_food = last_fluid = None
    if anaesthesia.needs_fasting or fasting_local:
        # Whichever is earlier: the hours before surgery, or the source's own rule.
        limit = source_rule_limit(surgery_at)
        last_food = _earliest(
            zone, hours_before(surgery_at, timedelta(hours=fasting_food_hours), zone), limit
        )
        last_fluid = _earliest(
            zone, hours_before(surgery_at, timedelta(hours=fasting_fluid_hours), zone), limit
        )
    return PreopTiming(
        surgery_at=surgery_at,
        arrival_at=hours_before(surgery_at, timedelta(minutes=arrival_lead_minutes), zone),
        abstinence_from=hours_before(surgery_at, ABSTINENCE, zone),
        last_food_at=last_food,
        last_fluid_at=last_fluid,
    )


def site_now(zone: ZoneInfo) -> datetime:
    """The site's local time now; DOCGEN_TODAY=YYYY-MM-DD pins it to the start of that day.

    Tests and re-prints of an old list set DOCGEN_TODAY so that what is printed does not
    depend on the day it is printed.
    """
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if pinned:
        try:
            return datetime.combine(date.fromisoformat(pinned), time(0, 0))
        except ValueError:
            raise ConfigError(f"{TODAY_VARIABLE} must be a date written YYYY-MM-DD") from None
    return datetime.now(zone).replace(tzinfo=None)


def site_today(zone: ZoneInfo) -> date:
    return site_now(zone).date()


START_NOW_WARNING = (
    "the 48 hours without alcohol or smoking have already begun; "
    "the checklist tells the patient to start now"
)


def abstinence_started(timing: PreopTiming, zone: ZoneInfo) -> bool:
    """True when the 48 hours without alcohol or smoking began before now."""
    return to_utc(timing.abstinence_from, zone) < to_utc(site_now(zone), zone)
