import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen.errors import DocgenError
from docgen.levels import Region, all_levels, parse_level, parse_levels


@pytest.mark.parametrize(
    ("raw", "code", "label"),
    [
        ("L4-L5", "L4-L5", "L4–L5"),
        ("L4/L5", "L4-L5", "L4–L5"),
        ("l4-5", "L4-L5", "L4–L5"),
        ("L4–L5", "L4-L5", "L4–L5"),
        (" l5 / s1 ", "L5-S1", "L5–S1"),
        ("C7-T1", "C7-T1", "C7–T1"),
        ("t12-l1", "T12-L1", "T12–L1"),
    ],
)
def test_written_forms_normalise(raw: str, code: str, label: str) -> None:
    level = parse_level(raw)
    assert (level.code, level.label) == (code, label)


def test_regions_follow_the_spec() -> None:
    assert parse_level("C2-C3").region is Region.CERVICAL
    assert parse_level("C7-T1").region is Region.CERVICAL
    assert parse_level("T1-T2").region is Region.THORACIC
    assert parse_level("T12-L1").region is Region.THORACIC
    assert parse_level("L1-L2").region is Region.LUMBAR
    assert parse_level("L5-S1").region is Region.LUMBAR
    assert len(all_levels()) == 6 + 12 + 5


@pytest.mark.parametrize("raw", ["L9-L10", "L4-L6", "C1-C2", "S1-S2", "L5", "", "<b>"])
def test_not_a_level(raw: str) -> None:
    with pytest.raises(DocgenError) as caught:
        parse_level(raw)
    assert str(caught.value).startswith("levels: ")
    assert "C2-C3 … L5-S1" in str(caught.value)


def test_quoted_input_is_shown() -> None:
    with pytest.raises(DocgenError, match='"L9-L10" is not a spinal level'):
        parse_level("L9-L10")


def test_several_levels_are_ordered_and_deduplicated() -> None:
    levels = parse_levels("L5-S1; l4/5;L4-L5")
    assert [level.code for level in levels] == ["L4-L5", "L5-S1"]
    assert [level.code for level in parse_levels(["C6-C7", "C5-C6"])] == ["C5-C6", "C6-C7"]


def test_mixed_regions_are_refused() -> None:
    with pytest.raises(DocgenError, match="more than one region"):
        parse_levels("C5-C6;L4-L5")


def test_no_level_is_refused() -> None:
    with pytest.raises(DocgenError, match="at least one level"):
        parse_levels(" ; ")


@given(st.sampled_from(all_levels()), st.sampled_from(["-", "/", "–", " / "]), st.booleans())
def test_every_level_round_trips(level, separator, lower) -> None:  # type: ignore[no-untyped-def]
    upper, below = level.code.split("-")
    written = f"{upper}{separator}{below}"
    assert parse_level(written.lower() if lower else written) == level
    assert parse_level(level.label) == level
