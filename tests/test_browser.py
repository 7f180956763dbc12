"""The ward web app in a real browser: Playwright driving Debian's Chromium.

The app is served by waitress on a free loopback port in a background thread, exactly as
``docgen serve`` serves it (CSRF on). Where Chromium is missing these tests are skipped with
one visible reason; with CI=true a skipped browser test fails the run (see conftest.py).
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STAFF_PASSWORD, add_staff, key_times, pages_text
from tests.test_batch import schedule_rows, write_csv

CHROMIUM = Path(os.environ.get("DOCGEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import waitress

    from docgen.web import create_app

    instance = tmp_path_factory.mktemp("instance")
    add_staff(instance)  # an administrator: may print packets and run lists
    app = create_app(None, instance)
    server: Any = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page: Any, base_url: str, name: str = "admin") -> None:
    page.goto(base_url + "/login")
    page.get_by_label("User name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A new browser (own cookies), signed in as the administrator."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, base_url)
    yield page
    context.close()


def fill_form(page: Any, **changes: str) -> None:
    values = {
        "Hospital number (MRN)": "0004567", "Family name": "Testperson", "Given name": "Robin",
        "Date of birth": "1960-05-14", "Spinal levels": "L5-S1",
        "Date and time of the procedure": "2026-12-02T08:30",
    }  # fmt: skip
    values.update(changes)
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Patient's language", exact=True).select_option("en")
    page.get_by_label("Procedure", exact=True).select_option("discectomy")
    page.get_by_label("Side", exact=True).select_option("left")


def test_a_nurse_fills_the_form_and_gets_the_packet(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    fill_form(page)
    # JavaScript shows the chosen procedure's limits only
    hints = page.locator(".procedure-hints li:visible")
    assert hints.count() == 1 and "side required" in hints.inner_text()
    # Chromium shows the PDF in its viewer; the route hands us the bytes it received.
    answers: list[Any] = []

    def keep(route: Any) -> None:
        answer = route.fetch()
        answers.append((answer, answer.body()))
        route.fulfill(response=answer)

    page.route("**/packet", keep)
    with page.expect_navigation():
        page.get_by_role("button", name="Print the packet").click()
    response, body = answers[0]
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'inline; filename="0004567-discectomy-en.pdf"'
    )
    pages = pages_text(body)
    assert all("Testperson, Robin" in text for text in pages)
    assert "Spinal level(s) L5–S1, lumbar spine" in pages[0] and "Side left" in pages[0]
    assert key_times(body)["No alcohol or smoking from"] == "Monday, 30 November 2026 at 08:30"


def test_a_bad_level_is_explained_beside_the_field(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    fill_form(page, **{"Spinal levels": "L9-L10"})
    page.get_by_role("button", name="Print the packet").click()
    message = page.locator("#levels-error")
    message.wait_for()
    assert '"L9-L10" is not a spinal level' in message.inner_text()
    summary = page.locator("#error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    summary.get_by_role("link").first.click()
    assert page.evaluate("location.hash") == "#levels"
    # the values are kept
    assert page.get_by_label("Family name", exact=True).input_value() == "Testperson"
    assert page.get_by_label("Procedure", exact=True).input_value() == "discectomy"


def test_an_administrator_runs_a_list_and_downloads_the_zip(
    page: Any, base_url: str, tmp_path: Path
) -> None:
    rows = schedule_rows(5, {4: ({"procedure": "hip-replacement"}, "")})
    schedule = write_csv(tmp_path / "tomorrow.csv", rows)
    page.goto(base_url + "/batch")
    page.get_by_label("Operating list (CSV file)").set_input_files(str(schedule))
    page.get_by_label("Worker processes (optional)").fill("2")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/batch/*")
    page.get_by_text("Finished: 4 packets written, 1 rows rejected.").wait_for(timeout=240_000)
    table = page.locator("#rows tbody tr")
    assert table.count() == 5
    row, mrn, procedure, language, status, error = table.nth(2).inner_text().split("\t")
    assert (row, mrn, procedure, language, status) == (
        "4", "000002", "hip-replacement", "de", "rejected"
    )
    # the message names the field and the choices; it never echoes the row's value
    assert error.startswith("procedure: not a known procedure; choose one of: discectomy,")
    assert "hip-replacement" not in error
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download packets.zip").click()
    data = Path(download_info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    assert [(i["row"], i["status"]) for i in manifest["items"]] == [
        (2, "ok"), (3, "ok"), (4, "error"), (5, "ok"), (6, "ok")
    ]  # fmt: skip
    assert sorted(i["file"] for i in manifest["items"] if i["status"] == "ok") == sorted(
        name for name in names if name.endswith(".pdf")
    )
