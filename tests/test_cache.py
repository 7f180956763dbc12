"""The render cache store (SPEC §11) and how it reaches the commands, the batch and the web app.

The store is tested on its own bytes; whether the packets it helps build are identical with a
cold cache, a warm cache and --no-cache is tested with the render pipeline.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import os
import re
import stat
import time
import zlib
from contextlib import suppress
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner

from docgen import cache as cache_module
from docgen.cache import RenderCache, open_cache
from docgen.cli import cli
from docgen.packet import Packet
from tests.conftest import BASE_RECORD, signed_in

MB = 1024 * 1024
ENTRY_OVERHEAD = len(b"docgen-render-cache 1\n") + 32  # format line and SHA-256


def key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def data_for(name: str, size: int = 1000) -> bytes:
    """Deterministic bytes for a key, so any reader knows what a whole entry holds."""
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- The store -------------------------------------------------------------------------------


def test_round_trip_in_a_private_folder(tmp_path: Path) -> None:
    store = RenderCache(tmp_path / "a" / "cache")
    assert store.get(key("x")) is None  # nothing yet, and no folder made by a read
    assert not store.folder.exists()
    store.put(key("x"), b"laid-out body")
    assert store.get(key("x")) == b"laid-out body"
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert [p.name for p in store.folder.iterdir()] == [key("x")]  # no temporary file left
    store.put(key("x"), b"replaced")
    assert store.get(key("x")) == b"replaced"
    assert store.get(key("y")) is None


def test_the_store_is_picklable_for_batch_workers(tmp_path: Path) -> None:
    import pickle

    store = RenderCache(tmp_path, 5 * MB)
    assert pickle.loads(pickle.dumps(store)) == store


@pytest.mark.parametrize("damage", ["flip a data byte", "flip the hash", "truncate", "empty"])
def test_a_damaged_entry_is_a_miss_and_is_removed(tmp_path: Path, damage: str) -> None:
    store = RenderCache(tmp_path)
    store.put(key("x"), data_for("x"))
    path = tmp_path / key("x")
    raw = bytearray(path.read_bytes())
    if damage == "flip a data byte":
        raw[-10] ^= 0x01
    elif damage == "flip the hash":
        raw[ENTRY_OVERHEAD - 5] ^= 0x80
    elif damage == "truncate":
        raw = raw[: len(raw) - 7]
    else:
        raw = bytearray()
    path.write_bytes(bytes(raw))
    assert store.get(key("x")) is None
    assert not path.exists()
    store.put(key("x"), data_for("x"))  # rendered again and stored whole
    assert store.get(key("x")) == data_for("x")


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "../" + "0" * 61, "0" * 63, "0" * 65, "A" * 64, "g" * 64, "0" * 63 + "/",
     "0" * 64 + "\n", "Testperson"],
)  # fmt: skip
def test_only_hex_sha256_keys_are_accepted(tmp_path: Path, bad: str) -> None:
    store = RenderCache(tmp_path / "cache")
    with pytest.raises(ValueError) as refused:
        store.put(bad, b"x")
    assert bad not in str(refused.value) or not bad  # the key is never echoed
    with pytest.raises(ValueError):
        store.get(bad)
    assert list(tmp_path.rglob("*")) == []  # no path was ever built from it


def _age(store: RenderCache, name: str, seconds: int) -> None:
    os.utime(store.folder / key(name), (seconds, seconds))


def test_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    size = 1000 + ENTRY_OVERHEAD
    store = RenderCache(tmp_path, max_bytes=3 * size)
    for name in ("a", "b", "c"):
        store.put(key(name), data_for(name))
    _age(store, "a", 1_000_000)
    _age(store, "b", 3_000_000)
    _age(store, "c", 2_000_000)
    assert store.get(key("a")) == data_for("a")  # a hit makes "a" the most recent
    store.put(key("d"), data_for("d"))  # over the bound: the least recent, "c", goes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(key(n) for n in "abd")
    _age(store, "d", 500_000)
    store.put(key("e"), data_for("e"))  # then "d", which was aged the most
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(key(n) for n in "abe")
    assert store.stats().bytes == 3 * size <= store.max_bytes


def test_an_entry_larger_than_the_bound_is_not_kept(tmp_path: Path) -> None:
    store = RenderCache(tmp_path, max_bytes=500)
    store.put(key("big"), data_for("big", 1000))
    assert store.get(key("big")) is None
    assert store.stats().entries == 0


def test_puts_well_below_the_bound_do_not_scan_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans: list[bool] = []
    real_scan = RenderCache._scan

    def counted(self: RenderCache, remove_stale: bool) -> list[tuple[int, str, int]]:
        scans.append(remove_stale)
        return real_scan(self, remove_stale)

    monkeypatch.setattr(RenderCache, "_scan", counted)
    store = RenderCache(tmp_path, max_bytes=64 * MB)
    for index in range(20):
        store.put(key(str(index)), data_for(str(index)))
    assert len(scans) == 1  # the first put learns the folder's size; the rest count
    small = RenderCache(tmp_path, max_bytes=25 * 1000)
    small.put(key("over"), data_for("over"))  # now over its bound: scanned and trimmed
    assert len(scans) == 2
    assert small.stats().bytes <= small.max_bytes


def test_stale_temporary_files_are_swept_and_not_counted(tmp_path: Path) -> None:
    store = RenderCache(tmp_path, max_bytes=MB)
    store.put(key("a"), b"a")
    stale, fresh = tmp_path / ".tmp-dead", tmp_path / ".tmp-writing"
    stale.write_bytes(b"x" * 100)
    fresh.write_bytes(b"x" * 100)
    os.utime(stale, (1_000_000, 1_000_000))
    assert store.stats().entries == 1
    assert store.clear() == 1
    assert not stale.exists() and fresh.exists()  # a live writer's file is left alone
    assert store.stats().entries == 0


def test_an_unusable_folder_never_stops_a_render(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    in_the_way = tmp_path / "file"
    in_the_way.write_bytes(b"not a folder")
    for store in (RenderCache(in_the_way), RenderCache(in_the_way / "cache")):
        with caplog.at_level(logging.WARNING, logger="docgen.cache"):
            store.put(key("x"), b"body")  # stores nothing, raises nothing
            store.put(key("y"), b"body")
        assert store.get(key("x")) is None
    assert in_the_way.read_bytes() == b"not a folder"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2  # once per folder and process
    assert all("cannot be used" in w and key("x") not in w for w in warnings)


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_folder_other_accounts_may_write_to_is_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int
) -> None:
    # Its entries become printed pages: whoever could write there could change a packet.
    store = RenderCache(tmp_path / "shared")
    store.put(key("x"), b"laid-out body")
    store.folder.chmod(mode)
    with caplog.at_level(logging.WARNING, logger="docgen.cache"):
        assert store.get(key("x")) is None  # a planted entry is never read
        store.put(key("y"), b"body")
    assert sorted(p.name for p in store.folder.iterdir()) == [key("x")]  # nothing written
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "may be written by other accounts" in warnings[0]
    store.folder.chmod(0o700)  # made private again: used again
    assert store.get(key("x")) == b"laid-out body"


# --- Several processes at once ---------------------------------------------------------------

SHARED = [f"shared-{n}" for n in range(4)]
ENTRY_SIZE = 64 * 1024


def _hammer(folder: str, worker: int, rounds: int, max_bytes: int) -> None:
    """Put and get shared and own keys; exit 1 if any read is neither a miss nor whole."""
    store = RenderCache(Path(folder), max_bytes)
    names = [*SHARED, *(f"own-{worker}-{n}" for n in range(3))]
    for round_ in range(rounds):
        for offset, name in enumerate(names):
            if (round_ + offset + worker) % 2:
                store.put(key(name), data_for(name, ENTRY_SIZE))
            got = store.get(key(names[(offset + round_) % len(names)]))
            expected = data_for(names[(offset + round_) % len(names)], ENTRY_SIZE)
            if got is not None and got != expected:
                os._exit(1)
    os._exit(0)


def test_concurrent_writers_and_readers_never_see_a_torn_entry(tmp_path: Path) -> None:
    entry = ENTRY_SIZE + ENTRY_OVERHEAD
    max_bytes = 6 * entry  # fewer than the keys in play: eviction races reads and writes
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_hammer, args=(str(tmp_path), n, 25, max_bytes))
        for n in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    store = RenderCache(tmp_path, max_bytes)
    names = [*SHARED, *(f"own-{w}-{n}" for w in range(4) for n in range(3))]
    left = {p.name for p in tmp_path.iterdir()}
    assert left <= {key(name) for name in names}  # no temporary file left behind
    assert left and store.stats().bytes <= max_bytes
    for name in names:
        assert store.get(key(name)) in (None, data_for(name, ENTRY_SIZE))


# --- Where the cache is ----------------------------------------------------------------------


def test_open_cache_takes_the_folder_then_the_environment_then_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert open_cache(tmp_path / "given") == RenderCache(tmp_path / "given", 512 * MB)
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("DOCGEN_CACHE_MAX_MB", "64")
    assert open_cache() == RenderCache(tmp_path / "env", 64 * MB)
    assert open_cache(tmp_path / "given", enabled=False) is None
    monkeypatch.delenv("DOCGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # platformdirs on Linux
    opened = open_cache()
    assert opened is not None and opened.folder == tmp_path / "xdg" / "docgen"
    assert not opened.folder.exists()  # opening makes nothing


@pytest.mark.parametrize("bad", ["0", "-5", "lots", "1.5"])
def test_a_bad_size_bound_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("DOCGEN_CACHE_MAX_MB", bad)
    result = run("cache", "stats", "--cache-dir", str(tmp_path))
    assert result.exit_code == 2
    assert result.output == (
        "error: DOCGEN_CACHE_MAX_MB: write a whole number of megabytes, at least 1\n"
    )


# --- docgen cache stats|clear ----------------------------------------------------------------


def test_cache_stats_and_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    store = RenderCache(folder)
    for name in ("a", "b"):
        store.put(key(name), data_for(name, 300_000))
    monkeypatch.setenv("DOCGEN_CACHE_MAX_MB", "100")
    result = run("cache", "stats", "--cache-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"folder   {folder}",
        "entries  2",
        "size     0.6 MB of 100 MB (least recently used entries go first)",
    ]
    result = run("cache", "clear", "--cache-dir", str(folder))
    assert (result.exit_code, result.output) == (0, f"removed 2 entries from {folder}\n")
    assert list(folder.iterdir()) == []
    result = run("cache", "stats", "--cache-dir", str(folder))
    assert "entries  0" in result.output


def test_cache_commands_honour_docgen_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "env"))
    RenderCache(tmp_path / "env").put(key("a"), b"a")
    result = run("cache", "stats")
    assert f"folder   {tmp_path / 'env'}" in result.output and "entries  1" in result.output
    assert run("cache", "clear").output == f"removed 1 entries from {tmp_path / 'env'}\n"


def test_cache_commands_on_a_missing_folder_make_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    assert run("cache", "stats", "--cache-dir", str(folder)).exit_code == 0
    assert run("cache", "clear", "--cache-dir", str(folder)).output.startswith("removed 0 ")
    assert not folder.exists()


@pytest.mark.parametrize("command", ["stats", "clear"])
def test_cache_commands_report_an_unusable_folder_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    in_the_way = tmp_path / "file"
    in_the_way.write_bytes(b"x")
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(in_the_way))
    result = run("cache", command)
    assert result.exit_code == 2
    assert result.output == (
        f"error: render cache {in_the_way}: not a folder: a file is in the way (it)\n"
    )
    result = run("cache", command, "--cache-dir", str(in_the_way))
    assert result.exit_code == 2 and result.output.startswith("error: render cache ")
    result = run("cache", command, "--cache-dir", str(in_the_way / "below"))
    assert result.exit_code == 2
    assert result.output == (
        f"error: render cache {in_the_way / 'below'}: not a folder: a file is in the way "
        f"({in_the_way})\n"
    )


def test_cache_commands_report_a_folder_without_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tests may run as root, for whom every folder is writable: the checks are faked.
    RenderCache(tmp_path).put(key("a"), b"a")
    with monkeypatch.context() as patch:
        patch.setattr(cache_module.os, "access", lambda *a, **k: False)
        result = run("cache", "stats", "--cache-dir", str(tmp_path))
    assert (result.exit_code, result.output) == (
        2, f"error: render cache {tmp_path}: the folder cannot be used (permission denied)\n"
    )  # fmt: skip

    def refused(path: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache_module.os, "scandir", refused)
    result = run("cache", "clear", "--cache-dir", str(tmp_path))
    assert (result.exit_code, result.output) == (
        2, f"error: render cache {tmp_path}: the folder cannot be read (Permission denied)\n"
    )  # fmt: skip


# --- The cache reaches every renderer --------------------------------------------------------

FAKE_PACKET = Packet(b"%PDF-1.4\n", 1, (), ())


@pytest.fixture
def seen_caches(monkeypatch: pytest.MonkeyPatch) -> list[RenderCache | None]:
    """The ``cache`` each render_packet call got; the render itself is skipped."""
    from docgen import batch, packet

    seen: list[RenderCache | None] = []

    def fake_render(*args: Any, cache: RenderCache | None = None, **kw: Any) -> Packet:
        seen.append(cache)
        return FAKE_PACKET

    monkeypatch.setattr(packet, "render_packet", fake_render)
    monkeypatch.setattr(batch, "render_packet", fake_render)  # forked workers inherit it
    return seen


@pytest.fixture
def patient(tmp_path: Path) -> Path:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(BASE_RECORD), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["packet", "demo"])
def test_packet_and_demo_take_the_cache_options(
    tmp_path: Path, patient: Path, seen_caches: list[RenderCache | None], command: str,
    private_cache_dir: Path,
) -> None:  # fmt: skip
    def render(*options: str) -> RenderCache | None:
        seen_caches.clear()
        target = ["-o", str(tmp_path / "out.pdf"), "--force", str(patient)]
        result = run(command, *(target if command == "packet" else ["-o", str(tmp_path)]),
                     *options)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert seen_caches and len(set(seen_caches)) == 1
        return seen_caches[0]

    assert render() == RenderCache(private_cache_dir)  # DOCGEN_CACHE_DIR
    assert render("--cache-dir", str(tmp_path / "mine")) == RenderCache(tmp_path / "mine")
    assert render("--no-cache") is None
    in_the_way = tmp_path / "file"
    in_the_way.write_bytes(b"x")  # unusable: still prints (the store misses and stores nothing)
    assert render("--cache-dir", str(in_the_way)) == RenderCache(in_the_way)
    assert render("--cache-dir", str(tmp_path / "mine"), "--no-cache") is None


def test_batch_workers_get_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seen_caches: list[RenderCache | None]
) -> None:
    from docgen import batch

    def fake_render(*args: Any, cache: RenderCache | None = None, **kw: Any) -> Packet:
        # In a worker process: the answer travels back in the written file.
        folder = str(cache.folder) if cache else "none"
        return Packet(b"%PDF-1.4\n% cache " + folder.encode() + b"\n", 1, (), ())

    monkeypatch.setattr(batch, "render_packet", fake_render)
    schedule = tmp_path / "s.csv"
    schedule.write_text(",".join(BASE_RECORD) + "\n" + ",".join(BASE_RECORD.values()) + "\n",
                        encoding="utf-8")  # fmt: skip
    for options, expected in (
        (["--cache-dir", str(tmp_path / "mine")], str(tmp_path / "mine")),
        (["--no-cache"], "none"),
    ):
        out = tmp_path / f"out-{len(options)}"
        result = run("batch", str(schedule), "-o", str(out), "--jobs", "1", *options)
        assert result.exit_code == 0, result.output
        (written,) = out.glob("row0002-*.pdf")
        assert written.read_bytes().endswith(f"% cache {expected}\n".encode())


def test_serve_takes_the_cache_options() -> None:
    result = run("serve", "--help")
    assert "--cache-dir DIR " in result.output and "--no-cache" in result.output


def test_the_web_app_renders_with_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache_dir: Path
) -> None:
    from docgen.web import create_app, nurse

    seen: list[RenderCache | None] = []

    def fake_in_child(*args: Any, cache: RenderCache | None = None, **kw: Any) -> Packet:
        seen.append(cache)
        return FAKE_PACKET

    monkeypatch.setattr(nurse, "render_packet_in_child", fake_in_child)
    mine = RenderCache(tmp_path / "mine")
    for config, expected in (
        ({}, RenderCache(private_cache_dir)),  # the default: open_cache()
        ({"DOCGEN_CACHE": mine}, mine),
        ({"DOCGEN_CACHE": None}, None),  # serve --no-cache
    ):
        app = create_app(None, tmp_path / "instance", {"WTF_CSRF_ENABLED": False, **config})
        assert app.extensions["docgen"].jobs.cache == expected  # batch jobs get it too
        client = signed_in(app, "nurse")
        seen.clear()
        answer = client.post("/api/packet", json=BASE_RECORD)
        assert answer.status_code == 200
        form = client.post("/packet", data={**BASE_RECORD, "docs": ["consent"]})
        assert form.status_code == 200, form.get_data(as_text=True)[:300]
        assert seen == [expected, expected]


def test_web_batch_jobs_pass_the_cache_to_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen.web import jobs

    got: list[Any] = []
    monkeypatch.setattr(jobs, "run_batch", lambda *a, **kw: got.append(kw.get("cache")))
    monkeypatch.setattr(jobs, "pack", lambda *a: None)
    mine = RenderCache(tmp_path / "mine")
    store = jobs.JobStore(tmp_path / "jobs", 24, None, mine)
    job = store.create(b"mrn\n", 0, 1, False)
    deadline = time.monotonic() + 10
    while (status := store.status(job)) and status.state not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert got == [mine]


# --- No patient data in the cache ------------------------------------------------------------

PATIENT = {**BASE_RECORD, "mrn": "8642097", "family_name": "Quennevillezab",
           "given_name": "Ottoline", "surgeon": "Dr Vasquezmirt"}  # fmt: skip


def _texts_in(data: bytes) -> list[bytes]:
    """The bytes, every Flate stream inside them inflated, and a PDF's extracted text."""
    found = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        with suppress(zlib.error):  # not every stream is Flate
            found.append(zlib.decompressobj().decompress(data[match.end() :], 50 * MB))
    start = data.find(b"%PDF-")
    if start >= 0:
        # Not a whole PDF: the raw and inflated bytes are still checked.
        with suppress(Exception):
            reader = pypdf.PdfReader(io.BytesIO(data[start:]))
            found.append(" ".join(p.extract_text() for p in reader.pages).encode())
    return found


def test_cache_entries_hold_no_patient_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    puts: list[str] = []
    real_put = RenderCache.put

    def counted_put(self: RenderCache, key: str, data: bytes) -> None:
        puts.append(key)
        real_put(self, key, data)

    monkeypatch.setattr(RenderCache, "put", counted_put)
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(PATIENT), encoding="utf-8")
    folder = tmp_path / "cache"
    result = run("packet", str(patient), "-o", str(tmp_path / "p.pdf"), "--cache-dir",
                 str(folder))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert puts, "render_packet stored nothing in the cache"
    entries = [path for path in folder.rglob("*") if path.is_file()]
    assert entries, "render_packet stored entries, but the folder is empty"
    store = RenderCache(folder)
    needles = [PATIENT[k] for k in ("family_name", "given_name", "mrn", "surgeon")]
    for path in entries:
        data = store.get(path.name) if cache_module.KEY.fullmatch(path.name) else None
        assert data is not None, f"{path.name} is not a whole entry"
        for text in _texts_in(data):
            for needle in needles:
                for variant in (needle, needle.upper()):
                    for encoding in ("utf-8", "utf-16-be", "utf-16-le"):
                        assert variant.encode(encoding) not in text, (path.name, needle)
