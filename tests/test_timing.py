from datetime import datetime
from zoneinfo import ZoneInfo

from docgen.catalog import Anaesthesia
from docgen.timing import Fasting, preop_timing

LONDON = ZoneInfo("Europe/London")


def test_morning_list_under_sedation() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 8, 30), Anaesthesia.SEDATION, LONDON, 60)
    assert timing.abstinence_from == datetime(2026, 11, 30, 8, 30)
    assert timing.arrival_at == datetime(2026, 12, 2, 7, 30)
    assert timing.fasting is Fasting.MORNING
    assert timing.last_food_at is None


def test_afternoon_list_under_general_anaesthetic() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 14, 0), Anaesthesia.GENERAL, LONDON, 60)
    assert timing.fasting is Fasting.AFTERNOON
    assert timing.last_food_at == datetime(2026, 12, 2, 9, 0)


def test_noon_counts_as_afternoon() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 12, 0), Anaesthesia.SEDATION, LONDON, 60)
    assert timing.fasting is Fasting.AFTERNOON


def test_local_only_needs_no_fasting() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 8, 30), Anaesthesia.LOCAL, LONDON, 60)
    assert timing.fasting is Fasting.NOT_REQUIRED


def test_48_hours_are_real_hours_across_a_clock_change() -> None:
    # Clocks go back at 02:00 on Sunday 25 October 2026 in London: 48 real hours before
    # Monday 08:30 is Saturday 09:30 on the wall clock.
    timing = preop_timing(datetime(2026, 10, 26, 8, 30), Anaesthesia.SEDATION, LONDON, 60)
    assert timing.abstinence_from == datetime(2026, 10, 24, 9, 30)
