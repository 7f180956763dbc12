"""Renders for the web server's request threads run in a child process under a time limit."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from docgen.errors import ConfigError, DocgenError
from docgen.packet import Packet, render_packet_in_child
from docgen.request import validate_record
from tests.conftest import pages_text, record


def _in_a_thread(function: Any) -> Any:
    """Call ``function`` from a non-main thread, as a waitress request thread would."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_packet_rendered_in_a_child_is_the_same_packet(site: Any, catalog: Any) -> None:
    request = validate_record(record(), catalog, site)
    packet = _in_a_thread(lambda: render_packet_in_child(request, site))
    assert isinstance(packet, Packet) and packet.documents
    assert all("Testperson, Robin" in page for page in pages_text(packet.pdf))


def test_a_hanging_render_is_stopped(
    site: Any, catalog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("docgen.packet.render_packet", lambda *args, **kw: time.sleep(60))
    request = validate_record(record(), catalog, site)
    started = time.monotonic()
    with pytest.raises(DocgenError, match=r"rendering took longer than 1\.5 s") as caught:
        _in_a_thread(lambda: render_packet_in_child(request, site, seconds=0.5))
    assert caught.value.field == "render" and time.monotonic() - started < 30


def test_errors_come_back_with_their_field_and_kind(
    site: Any, catalog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kw: Any) -> None:
        raise ConfigError("templates: preop.html is missing")

    monkeypatch.setattr("docgen.packet.render_packet", refuse)
    request = validate_record(record(), catalog, site)
    with pytest.raises(ConfigError, match=r"templates: preop\.html is missing"):
        render_packet_in_child(request, site)


def test_a_child_that_dies_fails_the_request_with_one_line(
    site: Any, catalog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("docgen.packet.render_packet", lambda *args, **kw: os._exit(9))
    request = validate_record(record(), catalog, site)
    with pytest.raises(DocgenError, match="the renderer stopped unexpectedly"):
        render_packet_in_child(request, site)
