"""Screenshots of the ward web app for the README, taken with Debian's Chromium.

    .venv/bin/python docs/screenshots.py      # or: make screenshots

Serves the app (demo site, fictional patients) on a free loopback port and saves
docs/web-form.png, docs/web-form-error.png and docs/web-batch.png at 1366x768.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import waitress
from playwright.sync_api import sync_playwright

from docgen.users import USERS_FILE_NAME, UserStore
from docgen.web import create_app

DOCS = Path(__file__).resolve().parent
PASSWORD = "screenshot password"
CHROMIUM = os.environ.get("DOCGEN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCHEDULE = """mrn,family_name,given_name,dob,procedure,levels,side,surgery_at,language
0001001,Rivers,Ann,1958-04-17,nucleoplasty,L4-L5,,2026-12-02T08:30,en
0001002,García,Lucía,1971-09-02,discectomy,L5-S1,left,2026-12-02T10:00,es
0001003,Yılmaz,Mehmet,1966-01-23,endoscopic-discectomy,L4-L5,right,2026-12-02T11:30,tr
0001004,Okafor,Chidi,1980-06-30,hip-replacement,L3-L4,,2026-12-02T13:00,en
0001005,Haddad,Layla,1975-11-11,percutaneous-discectomy,L3-L4,left,2026-12-02T14:30,ar
"""


def fill(page: Any, levels: str) -> None:
    page.get_by_label("Hospital number (MRN)", exact=True).fill("0001001")
    page.get_by_label("Family name", exact=True).fill("Rivers")
    page.get_by_label("Given name", exact=True).fill("Ann")
    page.get_by_label("Date of birth", exact=True).fill("1958-04-17")
    page.get_by_label("Patient's language", exact=True).select_option("es")
    page.get_by_label("Procedure", exact=True).select_option("discectomy")
    page.get_by_label("Spinal levels", exact=True).fill(levels)
    page.get_by_label("Side", exact=True).select_option("left")
    page.get_by_label("Date and time of the procedure", exact=True).fill("2026-12-02T08:30")


def main() -> None:
    with tempfile.TemporaryDirectory() as instance:
        UserStore(Path(instance) / USERS_FILE_NAME).add("admin", "admin", PASSWORD)
        server: Any = waitress.create_server(create_app(None, Path(instance)),
                                             host="127.0.0.1", port=0)  # fmt: skip
        threading.Thread(target=server.run, daemon=True).start()
        url = f"http://127.0.0.1:{server.effective_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(url + "/login")
            page.get_by_label("User name", exact=True).fill("admin")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(url + "/")
            fill(page, "L5-S1")
            page.locator("h1").click()  # no focus ring in the picture
            page.screenshot(path=DOCS / "web-form.png")
            fill(page, "L5-S1; L9-L10")
            page.get_by_role("button", name="Print the packet").click()
            page.locator("#error-summary").wait_for()
            page.screenshot(path=DOCS / "web-form-error.png")
            schedule = Path(instance) / "tomorrow.csv"
            schedule.write_text(SCHEDULE, encoding="utf-8")
            page.goto(url + "/batch")
            page.get_by_label("Operating list (CSV file)").set_input_files(str(schedule))
            page.get_by_role("button", name="Start").click()
            page.locator("#rows").wait_for(timeout=300_000)
            page.screenshot(path=DOCS / "web-batch.png")
            browser.close()
        server.close()
    for name in ("web-form.png", "web-form-error.png", "web-batch.png"):
        print(f"wrote {DOCS / name}")


if __name__ == "__main__":
    main()
