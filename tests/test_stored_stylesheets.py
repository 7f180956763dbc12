"""Issue 11, point 5: a new process takes WeasyPrint's user-agent stylesheets and the house
stylesheet parsed from the start-up store; the packets stay byte-identical, and a damaged or
foreign entry, a stylesheet with effects an entry cannot hold, or a folder others may write
to means the ordinary parse."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docgen import pdf, stylesheets
from docgen.cache import RenderCache, use_for_startup
from tests.conftest import pages_text

REPOSITORY = Path(__file__).resolve().parent.parent
HOUSE = REPOSITORY / "templates" / "styles" / "docgen.css"

# A fresh process: renders en and ar packets without a render cache (every page laid out
# with the stylesheets it got), then reports what came from the start-up store.
PROGRAM = """
import json, sys
from pathlib import Path
from docgen.cache import RenderCache, use_for_startup
if sys.argv[1]:
    use_for_startup(RenderCache(Path(sys.argv[1])))
from docgen.catalog import load_catalog
from docgen.packet import render_packet
from docgen.request import validate_record
from docgen.site import load_site
from docgen import stylesheets
site, catalog = load_site(), load_catalog()
record = json.loads(Path("examples/patient.json").read_text())
for language in ("en", "ar"):
    request = validate_record({**record, "language": language}, catalog, site)
    Path(sys.argv[2], language + ".pdf").write_bytes(render_packet(request, site).pdf)
import weasyprint, weasyprint.html
print(json.dumps({"loaded": stylesheets.loaded,
                  "put back": weasyprint.html.CSS is weasyprint.CSS
                  and isinstance(weasyprint.html.UA_STYLESHEET, weasyprint.CSS)
                  and type(weasyprint.html.__loader__).__name__ == "SourceFileLoader"
                  and type(weasyprint.html.__spec__.loader).__name__ == "SourceFileLoader"
                  and not any(type(f).__module__ == stylesheets.__name__ for f in sys.meta_path)}))
"""


def packets(store: Path | None, out: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    out.mkdir()
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(store or ""), str(out)],
        capture_output=True, text=True, timeout=300, cwd=REPOSITORY,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1795564800"},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.splitlines()[-1])
    return report, {language: (out / f"{language}.pdf").read_bytes() for language in ("en", "ar")}


def test_new_processes_print_byte_identical_packets_with_stylesheets_from_the_store(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    ways = {
        "no store": packets(None, tmp_path / "none"),
        "cold": packets(store, tmp_path / "cold"),
        "warm": packets(store, tmp_path / "warm"),
    }
    # Every stylesheet entry replaced by a whole entry (its hash holds) of foreign content.
    replaced = RenderCache(store)
    for path in store.iterdir():
        data = replaced.get(path.name)
        with contextlib.suppress(Exception):
            if data is not None and isinstance(stylesheets._loads(data), stylesheets._Parsed):
                replaced.put(path.name, pickle.dumps({"not": "an entry"}))
    ways["foreign"] = packets(store, tmp_path / "foreign")
    ways["warm again"] = packets(store, tmp_path / "warm-again")

    for way in ("no store", "cold", "foreign"):  # each parsed all four itself
        assert ways[way][0] == {"loaded": [], "put back": True}, way
    stored = {"loaded": ["user agent"] * 3 + [str(HOUSE)], "put back": True}
    assert ways["warm"][0] == ways["warm again"][0] == stored
    english, arabic = (pages_text(ways["warm"][1][name]) for name in ("en", "ar"))
    assert "Consent form Discectomy" in english[0] and "L4–L5" in english[0]
    assert "نوفمبر" in " ".join(arabic) and "Example" in " ".join(arabic)
    reference = ways["no store"][1]
    for way in ("cold", "warm", "foreign", "warm again"):
        assert ways[way][1]["en"] == reference["en"], way
        assert ways[way][1]["ar"] == reference["ar"], way


# --- In this process: the house stylesheet, and one user-agent parse -----------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RenderCache]:
    store = RenderCache(tmp_path / "store")
    use_for_startup(store)
    stylesheets.loaded.clear()
    pdf._house_style.cache_clear()
    yield store
    pdf._house_style.cache_clear()  # nothing parsed here outlives the test
    stylesheets.loaded.clear()


def code_text(code: types.CodeType) -> str:
    """A selector test's code as text: equal code, equal text (marshal's bytes also depend
    on which of its strings happen to be interned)."""
    consts = tuple(code_text(c) if isinstance(c, types.CodeType) else repr(c)
                   for c in code.co_consts)  # fmt: skip
    return repr((code.co_code, consts, code.co_names, code.co_varnames, code.co_cellvars,
                 code.co_freevars, code.co_flags, code.co_argcount, code.co_qualname))  # fmt: skip


class StatePickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType):
            assert stylesheets._is_selector_test(obj)
            return str, (code_text(obj.__code__),)
        return NotImplemented


def state(css: Any) -> bytes:
    """The parsed object as data: equal bytes, equal stylesheets, however its objects are
    shared (no memo) and with each selector test as its code."""
    buffer = io.BytesIO()
    pickler = StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(css.__dict__)
    return buffer.getvalue()


def fresh_house_style() -> tuple[Any, Any]:
    """The house stylesheet as WeasyPrint parses it without docgen's store."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = CSS(filename=str(HOUSE), font_config=fonts, url_fetcher=pdf._fetcher(HOUSE.parent.parent))
    return css, fonts


def registered_fonts(fonts: Any) -> list[str]:
    return sorted(path.name for path in fonts._folder.iterdir())


def house(folder: Path = HOUSE.parent.parent) -> tuple[Any, Any]:
    pdf._house_style.cache_clear()
    return pdf.house_style(folder)


def test_the_stored_house_stylesheet_is_the_parsed_one_with_its_fonts(
    store: RenderCache,
) -> None:
    expected, expected_fonts = fresh_house_style()
    cold, cold_fonts = house()
    assert stylesheets.loaded == []
    assert len(list(store.folder.iterdir())) == 1
    warm, warm_fonts = house()
    assert stylesheets.loaded == [str(HOUSE)]
    assert state(cold) == state(warm) == state(expected)
    assert warm is not cold and type(warm) is type(expected)
    # The five @font-face rules are registered again from the entry: the same font files.
    assert len(registered_fonts(expected_fonts)) == 5
    assert registered_fonts(warm_fonts) == registered_fonts(cold_fonts)
    assert registered_fonts(warm_fonts) == registered_fonts(expected_fonts)


def test_a_user_agent_parse_is_stored_with_its_counter_styles(store: RenderCache) -> None:
    from weasyprint import CSS, html
    from weasyprint.css.counters import CounterStyle

    results = []
    for _attempt in range(2):
        counters = CounterStyle()
        css = stylesheets._user_agent_css(CSS, string=html.UA, counter_style=counters)
        results.append((state(css), dict(counters)))
    assert stylesheets.loaded == ["user agent"]
    assert results[0] == results[1]
    assert results[1][0] == state(html.UA_STYLESHEET)
    assert results[1][1] == dict(html.UA_COUNTER_STYLE) != {}
    # Another call than weasyprint.html's is passed on as it is: nothing stored for it.
    before = set(store.folder.iterdir())
    stylesheets._user_agent_css(CSS, string="p { color: red }", media_type="screen")
    assert set(store.folder.iterdir()) == before


@pytest.mark.parametrize(
    "entry",
    [
        b"not a pickle",
        pickle.dumps({"state": {}}),  # a pickle, but not an entry
        pickle.dumps(os.getcwd),  # names something an entry may not hold
        pickle.dumps(stylesheets._Parsed({}, {"disc": {}})),  # the wrong kind of entry
    ],
)
def test_a_foreign_entry_is_parsed_again_and_replaced(store: RenderCache, entry: bytes) -> None:
    expected, _ = fresh_house_style()
    house()
    (key,) = (path.name for path in store.folder.iterdir())
    store.put(key, entry)  # whole (its hash holds), but not what docgen stored
    css, fonts = house()
    assert stylesheets.loaded == []
    assert state(css) == state(expected) and len(registered_fonts(fonts)) == 5
    house()
    assert stylesheets.loaded == [str(HOUSE)]  # stored again, whole


def test_a_damaged_entry_is_parsed_again(store: RenderCache) -> None:
    expected, _ = fresh_house_style()
    house()
    (entry,) = store.folder.iterdir()
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    css, _ = house()
    assert stylesheets.loaded == [] and state(css) == state(expected)


def test_nothing_is_stored_or_loaded_where_others_may_write(store: RenderCache) -> None:
    house()
    (entry,) = store.folder.iterdir()
    store.folder.chmod(0o770)  # a group may write: its entries could be anyone's code
    house()
    assert stylesheets.loaded == []
    entry.unlink()
    house()
    assert list(store.folder.iterdir()) == []
    store.folder.chmod(0o700)
    house()
    house()
    assert stylesheets.loaded == [str(HOUSE)]


@pytest.mark.parametrize(
    "extra",
    [
        '@import url("more.css");',  # reads another file: its effects are not in an entry
        "p { colr: red }",  # WeasyPrint warns: parsed, and warned about, each time
    ],
)
def test_a_stylesheet_with_effects_an_entry_cannot_hold_is_not_stored(
    store: RenderCache, tmp_path: Path, extra: str
) -> None:
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(HOUSE.parent.parent, templates)
    (templates / "styles" / "more.css").write_text("p { color: red }\n")
    sheet = templates / "styles" / "docgen.css"
    sheet.write_text(extra + "\n" + sheet.read_text())
    from weasyprint.text.fonts import FontConfiguration

    for _attempt in range(2):
        stylesheets.parsed_file(sheet.resolve(), FontConfiguration(), pdf._fetcher(templates))
    assert stylesheets.loaded == []
    assert not store.folder.exists() or list(store.folder.iterdir()) == []


def test_an_edited_stylesheet_is_a_new_entry(store: RenderCache, tmp_path: Path) -> None:
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(HOUSE.parent.parent, templates)
    original, _ = house(templates)
    sheet = templates / "styles" / "docgen.css"
    sheet.write_text(sheet.read_text() + "\nh1 { color: #123456 }\n")
    edited, _ = house(templates)
    assert stylesheets.loaded == []  # parsed: the stored entry was for the old text
    assert len(list(store.folder.iterdir())) == 2 and state(edited) != state(original)
    assert state(house(templates)[0]) == state(edited)
    assert stylesheets.loaded == [str(sheet.resolve())]
