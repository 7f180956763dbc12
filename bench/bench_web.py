"""Benchmark: the ward web app, form POST to PDF, on a warm server.

    .venv/bin/python bench/bench_web.py [--requests 20] [--clients 4]

Starts ``docgen serve`` (waitress, CSRF on) on a free loopback port, then measures
1. one packet at a time: the median of 20 form POSTs after a warm-up, and
2. 20 requests from 4 concurrent clients (each with its own session): every answer must be
   the right patient's PDF.
Speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf

RECORD = {
    "mrn": "B000001", "family_name": "Benchperson", "given_name": "Pat", "dob": "1965-03-14",
    "procedure": "nucleoplasty", "levels": "L4-L5", "side": "", "surgery_at": "2026-12-07T08:30",
    "language": "en", "surgeon": "", "interpreter": "",
}  # fmt: skip


USER, PASSWORD = "bench", "bench password 1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """A browser-like session: a cookie jar, signed in, and the form's CSRF token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login = self.opener.open(url + "login", timeout=60).read().decode()
        found = CSRF.search(login)
        assert found, "no CSRF token on the sign-in page"
        body = urllib.parse.urlencode(
            {"username": USER, "password": PASSWORD, "csrf_token": found[1]}
        ).encode()
        page = self.opener.open(url + "login", data=body, timeout=60).read().decode()
        found = CSRF.search(page)  # the form, after the redirect
        assert found and "Print the packet" in page, "could not sign in"
        self.token = found[1]

    def packet(self, **changes: str) -> tuple[float, bytes, str]:
        fields = [*{**RECORD, **changes}.items(), ("csrf_token", self.token),
                  *(("docs", kind) for kind in ("consent", "preop", "discharge"))]  # fmt: skip
        body = urllib.parse.urlencode(fields).encode()
        started = time.perf_counter()
        with self.opener.open(self.url + "packet", data=body, timeout=120) as response:
            data = response.read()
            kind = response.headers["Content-Type"]
        return time.perf_counter() - started, data, kind


def correct(data: bytes, kind: str, family_name: str, mrn: str) -> bool:
    if kind != "application/pdf":
        return False
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    return all(family_name in page and mrn in page for page in pages)


def baseline() -> float:
    """The engine alone, for comparison: what the web app adds is the rest."""
    from docgen.catalog import load_catalog
    from docgen.packet import render_packet
    from docgen.request import validate_record
    from docgen.site import load_site

    site = load_site()
    request = validate_record(RECORD, load_catalog(site.resources.procedures), site)
    render_packet(request, site)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        render_packet(request, site)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(f"baseline, render_packet in this process: median {baseline() * 1000:.0f} ms of 5")
    with tempfile.TemporaryDirectory() as instance:
        from docgen.users import USERS_FILE_NAME, UserStore

        UserStore(Path(instance) / USERS_FILE_NAME).add(USER, "nurse", PASSWORD)
        server = subprocess.Popen(
            [sys.executable, "-m", "docgen", "serve", "--port", "0", "--instance", instance],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[-1]
            client = Client(url)
            for _ in range(3):  # warm-up: imports, fonts, catalogs
                client.packet()
            times = []
            for _ in range(args.requests):
                elapsed, data, kind = client.packet()
                assert correct(data, kind, "Benchperson", "B000001")
                times.append(elapsed)
            print(f"one at a time: median {statistics.median(times) * 1000:.0f} ms, "
                  f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
                  f"over {args.requests} form POSTs")  # fmt: skip

            clients = [Client(url) for _ in range(args.clients)]

            def one(index: int) -> tuple[float, bool]:
                family, mrn = f"Concurrent{chr(65 + index % 26)}{index}", f"C{index:06d}"
                elapsed, data, kind = clients[index % args.clients].packet(
                    family_name=family, mrn=mrn
                )
                return elapsed, correct(data, kind, family, mrn)

            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                results = list(pool.map(one, range(args.requests)))
            wall = time.perf_counter() - started
            right = sum(ok for _, ok in results)
            latencies = [elapsed for elapsed, _ in results]
            print(f"{args.requests} requests from {args.clients} clients: {right} correct, "
                  f"{wall:.1f} s wall, {args.requests / wall:.2f} packets/s, latency median "
                  f"{statistics.median(latencies) * 1000:.0f} ms, max "
                  f"{max(latencies) * 1000:.0f} ms")  # fmt: skip
            if right != args.requests:
                sys.exit(1)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
