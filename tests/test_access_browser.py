"""Signing in and out in a real browser: after the sign-out, Back shows no patient data."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docgen.audit import AuditLog
from tests.conftest import add_staff, pages_text
from tests.test_browser import browser, fill_form, sign_in  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
PATIENT_DATA = ("Testperson", "Robin", "0004567", "1960-05-14", "14/05/1960")


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("instance")
    add_staff(folder, "nina", "nurse")
    return folder


@pytest.fixture(scope="module")
def served(instance: Path) -> Iterator[str]:
    import waitress

    from docgen.web import create_app

    server: Any = waitress.create_server(create_app(None, instance), host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def shows_patient_data(page: Any) -> list[str]:
    """Patient data on the page, in its text or in any field's value."""
    text = page.content()
    values = page.evaluate("[...document.querySelectorAll('input, select, textarea')]"
                           ".map(field => field.value).join(' ')")  # fmt: skip
    return [item for item in PATIENT_DATA if item in text or item in values]


def test_sign_in_print_sign_out_and_back_shows_nothing(
    browser: Any,  # noqa: F811 (the fixture imported above)
    served: str,
    instance: Path,
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(served + "/")
        assert page.url == served + "/login"  # no session: straight to the sign-in page
        sign_in(page, served, "nina")
        assert page.url == served + "/"
        assert "Signed in as nina" in page.content()
        assert page.get_by_role("link", name="Operating list").count() == 0  # a nurse

        fill_form(page)
        answers: list[bytes] = []

        def keep(route: Any) -> None:
            answer = route.fetch()
            answers.append(answer.body())
            route.fulfill(response=answer)

        page.route("**/packet", keep)
        with page.expect_navigation():
            page.get_by_role("button", name="Print the packet").click()
        assert all("Testperson, Robin" in text for text in pages_text(answers[0]))

        page.go_back()  # to the form, to sign out as a nurse would
        page.wait_for_load_state()
        assert page.url == served + "/"
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()
        assert page.url == served + "/login"
        assert "You are signed out." in page.content()

        page.go_back()  # to the form: not kept by the browser (no-store), asked for again...
        page.wait_for_load_state()
        assert page.url == served + "/login"  # ...and the server sends the sign-in page
        assert shows_patient_data(page) == []
        for _step in range(2):  # further back: the sign-in pages, never patient data
            page.go_back()
            page.wait_for_load_state()
            assert shows_patient_data(page) == [], page.url
        page.goto(served + "/")
        assert page.url == served + "/login"
    finally:
        context.close()
    actions = [(e.user, e.action) for e in AuditLog.in_instance(instance).events()]
    assert actions == [("nina", "login"), ("nina", "packet"), ("nina", "logout")]
