"""Patient-specific times for the pre-operative checklist, computed from the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from docgen.catalog import Anaesthesia

ABSTINENCE = timedelta(hours=48)  # no alcohol, no smoking
NOON = time(12, 0)
AFTERNOON_LAST_FOOD = time(9, 0)  # afternoon lists: early breakfast, nothing after 09:00


class Fasting(StrEnum):
    NOT_REQUIRED = "not-required"  # local anaesthetic only
    MORNING = "morning"  # nothing to eat or drink that morning
    AFTERNOON = "afternoon"  # early breakfast, then nothing after 09:00


@dataclass(frozen=True)
class PreopTiming:
    surgery_at: datetime
    arrival_at: datetime
    abstinence_from: datetime
    fasting: Fasting
    last_food_at: datetime | None


def hours_before(local: datetime, hours: timedelta, zone: ZoneInfo) -> datetime:
    """Real elapsed time, not wall-clock: 48 hours across a clock change stay 48 hours."""
    aware = local.replace(tzinfo=zone).astimezone(UTC) - hours
    return aware.astimezone(zone).replace(tzinfo=None)


def preop_timing(
    surgery_at: datetime, anaesthesia: Anaesthesia, zone: ZoneInfo, arrival_lead_minutes: int
) -> PreopTiming:
    if not anaesthesia.needs_fasting:
        fasting, last_food_at = Fasting.NOT_REQUIRED, None
    elif surgery_at.time() < NOON:
        fasting, last_food_at = Fasting.MORNING, None
    else:
        fasting = Fasting.AFTERNOON
        last_food_at = datetime.combine(surgery_at.date(), AFTERNOON_LAST_FOOD)
    return PreopTiming(
        surgery_at=surgery_at,
        arrival_at=hours_before(surgery_at, timedelta(minutes=arrival_lead_minutes), zone),
        abstinence_from=hours_before(surgery_at, ABSTINENCE, zone),
        fasting=fasting,
        last_food_at=last_food_at,
    )
