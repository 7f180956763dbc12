from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from docgen.catalog import Anaesthesia
from docgen.timing import abstinence_started, preop_timing, site_now

LONDON = ZoneInfo("Europe/London")


def test_morning_list_fasts_from_midnight() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 8, 30), Anaesthesia.SEDATION, LONDON, 60)
    assert timing.abstinence_from == datetime(2026, 11, 30, 8, 30)
    assert timing.arrival_at == datetime(2026, 12, 2, 7, 30)
    assert timing.last_food_at == timing.last_fluid_at == datetime(2026, 12, 2, 0, 0)


@pytest.mark.parametrize(
    ("clock", "food", "fluid"),
    [
        ((12, 0), (6, 0), (9, 0)),  # six hours beat the source's 09:00 for food
        ((13, 30), (7, 30), (9, 0)),
        ((14, 59), (8, 59), (9, 0)),
        ((17, 0), (9, 0), (9, 0)),  # the source's 09:00 beats the hours
    ],
)
def test_afternoon_general_anaesthetic_never_fasts_less_than_six_hours(
    clock: tuple[int, int], food: tuple[int, int], fluid: tuple[int, int]
) -> None:
    timing = preop_timing(datetime(2026, 12, 2, *clock), Anaesthesia.GENERAL, LONDON, 60)
    assert timing.last_food_at == datetime(2026, 12, 2, *food)
    assert timing.last_fluid_at == datetime(2026, 12, 2, *fluid)


def test_evening_list_follows_the_hours_alone() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 23, 30), Anaesthesia.GENERAL, LONDON, 60)
    assert timing.last_food_at == datetime(2026, 12, 2, 17, 30)
    assert timing.last_fluid_at == datetime(2026, 12, 2, 21, 30)


def test_site_hours_are_used() -> None:
    timing = preop_timing(
        datetime(2026, 12, 2, 20, 0), Anaesthesia.SEDATION, LONDON, 60, 8, 3
    )
    assert timing.last_food_at == datetime(2026, 12, 2, 12, 0)
    assert timing.last_fluid_at == datetime(2026, 12, 2, 17, 0)


def test_local_only_needs_no_fasting() -> None:
    timing = preop_timing(datetime(2026, 12, 2, 8, 30), Anaesthesia.LOCAL, LONDON, 60)
    assert timing.last_food_at is None and timing.last_fluid_at is None


def test_48_hours_are_real_hours_across_a_clock_change() -> None:
    # Clocks go back at 02:00 on Sunday 25 October 2026 in London: 48 real hours before
    # Monday 08:30 is Saturday 09:30 on the wall clock.
    timing = preop_timing(datetime(2026, 10, 26, 8, 30), Anaesthesia.SEDATION, LONDON, 60)
    assert timing.abstinence_from == datetime(2026, 10, 24, 9, 30)


def test_fasting_across_the_repeated_hour_uses_real_time() -> None:
    # 01:30 GMT on 31 October 2027 (the second 01:30): two real hours before is 00:30 BST.
    later = datetime(2027, 10, 31, 1, 30, fold=1)
    timing = preop_timing(later, Anaesthesia.SEDATION, LONDON, 60)
    assert timing.arrival_at == datetime(2027, 10, 31, 1, 30) and timing.arrival_at.fold == 0
    assert timing.last_food_at == datetime(2027, 10, 30, 20, 30)
    assert timing.last_fluid_at == datetime(2027, 10, 31, 0, 0)  # the morning rule is earlier


def test_now_is_pinned_by_docgen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_TODAY", "2026-11-30")
    assert site_now(LONDON) == datetime(2026, 11, 30, 0, 0)
    timing = preop_timing(datetime(2026, 12, 2, 8, 30), Anaesthesia.SEDATION, LONDON, 60)
    assert not abstinence_started(timing, LONDON)  # begins at 08:30 on the 30th
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-01")
    assert abstinence_started(timing, LONDON)
