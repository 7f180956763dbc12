"""Shared fixtures: the demo site, the catalog, and packets rendered once per session."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient

from docgen.cache import use_for_startup
from docgen.catalog import Catalog, load_catalog
from docgen.options import DOCUMENT_KINDS, RenderOptions
from docgen.packet import Packet, render_packet
from docgen.request import validate_record
from docgen.site import Site, load_site

BASE_RECORD: dict[str, Any] = {
    "mrn": "0004567",
    "family_name": "Testperson",
    "given_name": "Robin",
    "dob": "1960-05-14",
    "procedure": "nucleoplasty",
    "levels": "L4-L5",
    "surgery_at": "2026-12-02T08:30",
    "language": "en",
}


TODAY = "2026-11-25"  # the schedule's dates lie ahead of it, within a year


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never write to the user's real cache: DOCGEN_CACHE_DIR is a temporary folder."""
    folder = tmp_path_factory.mktemp("docgen-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCGEN_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def no_startup_store() -> Iterator[None]:
    """A command or app a test starts sets the process's start-up store: not for the next."""
    yield
    use_for_startup(None)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test depends on the real date (SPEC 4.2): "today" is DOCGEN_TODAY."""
    monkeypatch.setenv("DOCGEN_TODAY", TODAY)


def record(**changes: Any) -> dict[str, Any]:
    merged = {**BASE_RECORD, **changes}
    return {key: value for key, value in merged.items() if value is not None}


@pytest.fixture(scope="session")
def site() -> Site:
    return load_site()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def pages_text(pdf: bytes) -> list[str]:
    """Text of each page, whitespace folded, as a reader of the printout sees it."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    folded = (" ".join(page.extract_text().split()) for page in reader.pages)
    # A line that wraps after a hyphen ("X-" / "rays") comes out as "X- rays".
    return [re.sub(r"(?<=\w)- (?=\w)", "-", text) for text in folded]


KEY_TIME_LABELS = ("Date", "Procedure time", "Please arrive at", "No alcohol or smoking from",
                   "Last food", "Last drink")  # fmt: skip


def key_times(pdf: bytes) -> dict[str, str]:
    """The checklist's key-times table (English), label -> value, read by position.

    Patient values are placed onto the laid-out page (docgen.layer), so they come last in
    the page's text; here each value is read where it is printed: right of its label.
    """
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    rows: dict[str, str] = {}
    for page in document:
        text = page.get_textpage()
        if "Your appointment" not in text.get_text_range():
            continue
        width, _height = page.get_size()
        for label in KEY_TIME_LABELS:
            search = text.search(label.split(" smoking")[0], match_case=True,
                                 match_whole_word=True)  # fmt: skip
            found = search.get_next()
            if found is None:
                continue
            boxes = [text.get_charbox(found[0] + offset) for offset in range(found[1])]
            right = max(box[2] for box in boxes)
            bottom, top = min(box[1] for box in boxes), max(box[3] for box in boxes)
            column = max(right + 8, width * 0.34)  # the value column starts near 36 %
            value = text.get_text_bounded(column, bottom - 1, width, top + 1)
            rows[label] = " ".join(value.replace("\u00a0", " ").split())
        break
    return rows


class Rendered:
    def __init__(self, packet: Packet) -> None:
        self.packet = packet
        self.pages = pages_text(packet.pdf)
        self.key_times = key_times(packet.pdf)

    def document_pages(self, kind: str) -> list[str]:
        info = next(d for d in self.packet.documents if d.kind == kind)
        return self.pages[info.first_page - 1 : info.first_page - 1 + info.pages]

    def document_text(self, kind: str) -> str:
        return " ".join(self.document_pages(kind))


@pytest.fixture(scope="session")
def render(site: Site, catalog: Catalog) -> Callable[..., Rendered]:
    """render(**record_changes) -> Rendered; identical requests are rendered once."""

    @cache
    def cached(items: tuple[tuple[str, Any], ...], options: RenderOptions) -> Rendered:
        request = validate_record(dict(items), catalog, site)
        return Rendered(render_packet(request, site, options))

    def render_record(
        kinds: tuple[str, ...] = DOCUMENT_KINDS,
        options: RenderOptions | None = None,
        **changes: Any,
    ) -> Rendered:
        chosen = options or RenderOptions(documents=kinds)
        return cached(tuple(sorted(record(**changes).items())), chosen)

    return render_record


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under CI=true a skipped browser test is a failure: CI must have Chromium."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("browser") and os.environ.get("CI") == "true":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI=true: {reason}"


# The web app needs a signed-in user (SPEC 10.4): tests sign in as the real login form does.
STAFF_PASSWORD = "ward test password"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_staff(instance: Path, name: str = "admin", role: str = "admin") -> str:
    """A user with ``STAFF_PASSWORD`` in ``instance``'s users file; returns the name."""
    from docgen.users import USERS_FILE_NAME, UserStore

    store = UserStore(instance / USERS_FILE_NAME)
    if name not in store.load():
        store.add(name, role, STAFF_PASSWORD)
    return name


def signed_in(app: Flask, role: str = "admin") -> FlaskClient:
    """A test client of ``app`` signed in through ``/login`` as a user of ``role``."""
    name = add_staff(Path(app.instance_path), role, role)
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": name, "password": STAFF_PASSWORD,
                                         "csrf_token": token[1] if token else ""})  # fmt: skip
    assert answer.status_code == 303, answer.status
    return client
