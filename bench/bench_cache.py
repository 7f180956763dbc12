"""Benchmark: the render cache (SPEC §11) on a realistic mixed operating list, in one run.

    .venv/bin/python bench/bench_cache.py [--rows 200] [--jobs 2] [--keep DIR]

Writes a schedule of distinct patients (all four procedures, every region each allows, one
and two levels, sides, six languages, ~10% large print and ~5% consent copies as per-row
columns, surgery times over a morning and an afternoon list on 2026-12-07), then runs
``docgen batch --jobs N`` as a new process three times:

1. ``--no-cache``;
2. cold cache: a fresh ``--cache-dir``;
3. warm cache: the same ``--cache-dir`` again, into a new output folder;

and ``docgen packet`` as a new process, five times each with the warm cache and with
``--no-cache`` (the median is reported). For every pass: wall time from process start to
exit, packets/s, and the peak resident memory (VmHWM) of each worker process, sampled from
/proc over the batch's process tree while it runs (a single packet's peak comes from
wait4). The three batch passes must give byte-identical PDFs row by row: any difference is
printed as a MISMATCH line (a bug, not a timing) and the exit code is 1.

With a docgen that has no cache options yet (``--no-cache`` missing from ``docgen batch
--help``), only the current path is measured, once, and the output says so.

Speed and memory are measured here, never asserted in the test suite. The machine is
shared: the load average before each pass is printed with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

TODAY = "2026-11-25"  # DOCGEN_TODAY: the list below is 12 days ahead
LIST_DAY = "2026-12-07"
SOURCE_DATE_EPOCH = "1795564800"  # 2026-11-25T00:00Z: fixed dates make the PDFs comparable
SINGLE_RUNS = 5
SAMPLE_SECONDS = 0.05

# Targets of issue 11, point 5.
WARM_RATIO = 10.0
WARM_RATE = 20.0  # packets/s on 2 cores (team goal 60)
TEAM_RATE = 60.0
SINGLE_SECONDS = 1.0
WORKER_MB = 300.0

# (procedure, levels, side): every region a procedure allows, one and two levels. Ordered
# so that the first dozen rows already cover all four procedures and all three regions.
MIX = [
    ("nucleoplasty", "L4-L5", ""),
    ("discectomy", "C6-C7", "right"),
    ("endoscopic-discectomy", "L5-S1", "left"),
    ("percutaneous-discectomy", "L4-L5", "left"),
    ("nucleoplasty", "C5-C6", ""),
    ("discectomy", "L5-S1", "left"),
    ("nucleoplasty", "T7-T8", ""),
    ("endoscopic-discectomy", "L4-L5;L5-S1", "right"),
    ("discectomy", "L4-L5;L5-S1", "bilateral"),
    ("percutaneous-discectomy", "L5-S1", "right"),
    ("nucleoplasty", "C4-C5;C5-C6", "central"),
    ("discectomy", "C5-C6;C6-C7", "central"),
    ("nucleoplasty", "T10-T11;T11-T12", ""),
    ("nucleoplasty", "L3-L4;L4-L5", "central"),
    ("endoscopic-discectomy", "L3-L4", "left"),
    ("discectomy", "L4-L5", "right"),
    ("percutaneous-discectomy", "L3-L4", "left"),
]  # 17 entries: prime to the 6 languages, so 102 rows hold every pairing
LANGUAGES = ["en", "es", "tr", "de", "fr", "ar"]

# (given names, family names) by origin; some in Arabic, Greek and Cyrillic script.
NAMES = [
    (["Margaret", "John", "Aisha", "David", "Priya"], ["O'Connor", "Smith", "Okafor", "Patel"]),
    (["María José", "Javier", "Lucía", "Andrés"], ["García Núñez", "Peña", "Ibáñez", "Ortega"]),
    (["Ayşe", "Mehmet", "Gülşen", "İbrahim"], ["Yılmaz", "Öztürk", "Çelik", "Şahin"]),
    (["Jürgen", "Anneliese", "Björn", "Käthe"], ["Müller-Lüdenscheidt", "Groß", "Schäfer"]),
    (["Hélène", "François", "Zoé", "Gaël"], ["Lefèvre", "Côté", "Dubois-Bérenger"]),
    (["فاطمة", "محمد", "خديجة", "يوسف"], ["الحسيني", "العتيبي", "حداد", "منصور"]),
    (["Fatima", "Omar", "Layla"], ["Al-Rashid", "Haddad", "El Amrani"]),
    (["Ελένη", "Γιώργος"], ["Παπαδοπούλου", "Νικολάου"]),
    (["Мария", "Дмитрий"], ["Иванова", "Смирнов"]),
]
SURGEONS = ["Mr A. Okafor", "Dr Lena Hoffmann", "Prof. Ayşe Demir", ""]
THEATRES = ["Theatre 1", "Theatre 2", "Theatre 3", "Day unit"]
HEADER = ["theatre", "mrn", "family_name", "given_name", "dob", "procedure", "levels", "side",
          "surgery_at", "language", "surgeon", "large_print", "copies"]  # fmt: skip


def list_times() -> list[str]:
    """Slots of a morning (07:30-12:15) and an afternoon (13:30-17:15) list."""
    morning = [(7 * 60 + 30) + 15 * n for n in range(20)]
    afternoon = [(13 * 60 + 30) + 15 * n for n in range(16)]
    return [f"{LIST_DAY}T{m // 60:02d}:{m % 60:02d}" for m in morning + afternoon]


def schedule_rows(count: int) -> list[list[str]]:
    """The operating list: one distinct patient per row, the same list on every run."""
    rng = random.Random(20261207)
    times = list_times()
    rows = []
    for index in range(count):
        procedure, levels, side = MIX[index % len(MIX)]
        given, family = NAMES[rng.randrange(len(NAMES))]
        born = date(1938, 1, 1) + timedelta(days=rng.randrange(67 * 365))
        rows.append([
            THEATRES[index % len(THEATRES)],
            f"{4_100_000 + 37 * index:07d}",
            rng.choice(family),
            rng.choice(given),
            born.isoformat(),
            procedure,
            levels,
            side,
            times[(index // len(THEATRES) + index) % len(times)],
            LANGUAGES[index % len(LANGUAGES)],
            SURGEONS[index % len(SURGEONS)],
            "yes" if index % 10 == 4 else "",  # ~10% large print
            "patient;record" if index % 20 == 9 else "",  # ~5% consent copies
        ])  # fmt: skip
    return rows


def write_schedule(path: Path, rows: list[list[str]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


# --- Processes and their memory ------------------------------------------------------------


def docgen_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "docgen", *args]


def accepts(command: str, option: str) -> bool:
    """Does ``docgen COMMAND`` know OPTION (the cache is merged later than this script)?"""
    help_text = subprocess.run(
        docgen_command(command, "--help"), capture_output=True, text=True, check=False
    ).stdout
    return option in help_text.split()


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:  # it has just exited
        pass
    return found


def _peak_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _is_helper(pid: int) -> bool:
    """multiprocessing's resource tracker or fork server: not a worker that renders."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read()
    except OSError:
        return False
    return b"resource_tracker" in command or b"forkserver" in command


@dataclass
class TreeMemory:
    """Peak resident memory (VmHWM, KiB) of a process and of each of its workers.

    A worker is a child of the process (multiprocessing's fork) or of a fork server under
    it, alive for at least two samples. The programs a worker runs (WeasyPrint's library
    search starts gcc and ld) and the short-lived forks before them are not workers.
    """

    root: int
    root_kib: int = 0
    workers_kib: dict[int, int] = field(default_factory=dict)
    samples: dict[int, int] = field(default_factory=dict)
    helpers: set[int] = field(default_factory=set)

    def sample(self) -> None:
        self.root_kib = max(self.root_kib, _peak_kib(self.root) or 0)
        parents = [self.root]
        while parents:
            for pid in _children(parents.pop()):
                if pid in self.helpers or (pid not in self.samples and _is_helper(pid)):
                    self.helpers.add(pid)
                    parents.append(pid)  # a fork server's children are workers
                    continue
                peak = _peak_kib(pid)
                if peak is not None:
                    self.samples[pid] = self.samples.get(pid, 0) + 1
                    self.workers_kib[pid] = max(self.workers_kib.get(pid, 0), peak)

    @property
    def workers(self) -> list[int]:
        return [pid for pid, count in self.samples.items() if count >= 2]

    @property
    def worker_mb(self) -> float:
        return max((self.workers_kib[pid] for pid in self.workers), default=0) / 1024


@contextmanager
def sampling(memory: TreeMemory) -> Iterator[None]:
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            memory.sample()
            stop.wait(SAMPLE_SECONDS)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_measured(command: list[str], env: dict[str, str], tree: bool
                 ) -> tuple[float, int, str, str, TreeMemory, int]:  # fmt: skip
    """(wall s, exit code, stdout, stderr, per-process peaks, wait4's peak KiB of the tree)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        memory = TreeMemory(process.pid)
        if tree:
            with sampling(memory):
                _, status, usage = os.wait4(process.pid, 0)
        else:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return wall, process.returncode, out.read(), err.read(), memory, usage.ru_maxrss


# --- Passes --------------------------------------------------------------------------------


@dataclass
class BatchPass:
    label: str
    wall: float
    written: int
    rejected: int
    worker_mb: float
    parent_mb: float
    workers: int
    hashes: dict[str, str]
    load: float

    @property
    def rate(self) -> float:
        return self.written / self.wall if self.wall else 0.0


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def batch_pass(label: str, schedule: Path, out_dir: Path, jobs: int, extra: list[str],
               env: dict[str, str]) -> BatchPass:  # fmt: skip
    load = os.getloadavg()[0]
    command = docgen_command("batch", str(schedule), "-o", str(out_dir), "--jobs", str(jobs),
                             *extra)  # fmt: skip
    wall, code, _, stderr, memory, _ = run_measured(command, env, tree=True)
    hashes = {path.name: sha256_file(path) for path in sorted(out_dir.glob("row*.pdf"))}
    try:
        items = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))["items"]
    except (OSError, ValueError, KeyError):
        items = []
    rejected = sum(item.get("status") != "ok" for item in items)
    if code not in (0, 1) or rejected:  # the error lines name rows and fields, never names
        print(f"  {label}: docgen batch exit {code}\n{stderr.strip()}", file=sys.stderr)
    result = BatchPass(label, wall, len(hashes), rejected, memory.worker_mb,
                       memory.root_kib / 1024, len(memory.workers), hashes, load)  # fmt: skip
    print(f"  {label}: {result.written} packets in {wall:.1f} s = {result.rate:.2f} packets/s; "
          f"peak {result.worker_mb:.0f} MB per worker ({result.workers} worker processes), "
          f"parent {result.parent_mb:.0f} MB; load before {load:.2f}")  # fmt: skip
    return result


@dataclass
class SinglePass:
    label: str
    walls: list[float]
    mb: float
    sha256: str

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def single_pass(label: str, patient: Path, out: Path, extra: list[str],
                env: dict[str, str]) -> SinglePass:  # fmt: skip
    walls, peaks = [], []
    for _ in range(SINGLE_RUNS):
        command = docgen_command("packet", str(patient), "-o", str(out), "--force", *extra)
        wall, code, _, stderr, _, peak_kib = run_measured(command, env, tree=False)
        if code != 0:
            print(f"  {label}: docgen packet exit {code}\n{stderr.strip()}", file=sys.stderr)
            sys.exit(2)
        walls.append(wall)
        peaks.append(peak_kib)
    result = SinglePass(label, walls, max(peaks) / 1024, sha256_file(out))
    shown = ", ".join(f"{wall:.2f}" for wall in walls)
    print(f"  {label}: median {result.median:.2f} s of {SINGLE_RUNS} ({shown}); "
          f"peak {result.mb:.0f} MB")  # fmt: skip
    return result


def compare(passes: list[BatchPass], rows: int) -> int:
    """Byte-identical PDFs row by row across the passes; returns the number of mismatches."""
    first = passes[0]
    mismatches = 0
    for other in passes[1:]:
        for name in sorted(set(first.hashes) | set(other.hashes)):
            mine, theirs = first.hashes.get(name), other.hashes.get(name)
            if mine != theirs:
                mismatches += 1
                what = "missing" if mine is None or theirs is None else "differs"
                print(f"MISMATCH {name}: {first.label} vs {other.label}: {what}")
    if len(first.hashes) != rows:
        print(f"MISMATCH: {len(first.hashes)} PDFs written for {rows} rows ({first.label})")
        mismatches += 1
    return mismatches


def entries(folder: Path) -> tuple[int, float]:
    files = [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []
    return len(files), sum(path.stat().st_size for path in files) / 1e6


# --- Report --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def table(batches: list[BatchPass], singles: list[SinglePass]) -> list[str]:
    lines = ["| path | packets/s | wall s | MB per worker |", "|---|---:|---:|---:|"]
    for result in batches:
        lines.append(f"| {result.label} | {result.rate:.2f} | {result.wall:.1f} | "
                     f"{result.worker_mb:.0f} |")  # fmt: skip
    for single in singles:
        lines.append(f"| {single.label} | {1 / single.median:.2f} | {single.median:.2f} | "
                     f"{single.mb:.0f} |")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the schedule, PDFs and cache here "
        "(a new or empty folder: a batch skips rows already written)",
    )
    args = parser.parse_args()
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: not empty")
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        sys.exit(bench(folder, args.rows, args.jobs))


def interpreter() -> str:
    """The Python docgen runs on: a build with profile-guided optimisation (a distribution's)
    renders markedly faster than a plain source build on the same machine."""
    return f"Python {platform.python_version()} ({os.path.realpath(sys.executable)})"


def bench(folder: Path, rows: int, jobs: int) -> int:
    env = {**os.environ, "DOCGEN_TODAY": TODAY}
    env.setdefault("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    # Never the user's own cache: a pass without --cache-dir must not find or fill it.
    env["DOCGEN_CACHE_DIR"] = str(folder / "env-cache")
    cached = accepts("batch", "--no-cache") and accepts("batch", "--cache-dir")
    # The warm cache for one packet is the one the batch filled.
    packet_cached = cached and accepts("packet", "--no-cache") and accepts("packet", "--cache-dir")
    schedule = folder / "schedule.csv"
    listing = schedule_rows(rows)
    write_schedule(schedule, listing)
    cache = folder / "cache"
    print(
        f"{rows} rows, docgen batch --jobs {jobs}, {os.cpu_count()} cores; "
        f"DOCGEN_TODAY={TODAY}, SOURCE_DATE_EPOCH={env['SOURCE_DATE_EPOCH']}; {interpreter()}"
    )
    if not cached:
        print(
            "DEGRADED: this docgen's batch has no --no-cache/--cache-dir: measuring the "
            "current path only (one pass, no cache, no comparison between passes)"
        )

    batches = []
    if cached:
        batches.append(batch_pass("no cache (`--no-cache`)", schedule, folder / "out-no-cache",
                                  jobs, ["--no-cache"], env))  # fmt: skip
        stray = entries(folder / "env-cache")[0]
        if stray:
            print(f"MISMATCH: --no-cache left {stray} files in DOCGEN_CACHE_DIR")
        batches.append(
            batch_pass(
                "cold cache (fresh `--cache-dir`)",
                schedule,
                folder / "out-cold",
                jobs,
                ["--cache-dir", str(cache)],
                env,
            )
        )
        count, size = entries(cache)
        print(f"  cache after the cold pass: {count} files, {size:.1f} MB")
        batches.append(
            batch_pass(
                "warm cache (same `--cache-dir`)",
                schedule,
                folder / "out-warm",
                jobs,
                ["--cache-dir", str(cache)],
                env,
            )
        )
    else:
        batches.append(batch_pass("current path (no cache in this docgen)", schedule,
                                  folder / "out-current", jobs, [], env))  # fmt: skip
    mismatches = compare(batches, rows)
    if cached and not mismatches:
        print(f"  identical: all {rows} PDFs byte for byte across the three passes")

    # One packet, a new process each time: the first row without per-row options, whose
    # body the warm cache holds.
    index = next((i for i, row in enumerate(listing) if not row[-1] and not row[-2]), 0)
    patient = folder / "patient.json"
    patient.write_text(json.dumps(dict(zip(HEADER[1:11], listing[index][1:11], strict=True)),
                                  ensure_ascii=False), encoding="utf-8")  # fmt: skip
    singles = []
    if packet_cached:
        singles.append(
            single_pass(
                "single packet, new process, warm cache",
                patient,
                folder / "single-warm.pdf",
                ["--cache-dir", str(cache)],
                env,
            )
        )
        singles.append(
            single_pass(
                "single packet, new process, `--no-cache`",
                patient,
                folder / "single-no-cache.pdf",
                ["--no-cache"],
                env,
            )
        )
    else:
        print("DEGRADED: this docgen's packet has no --no-cache/--cache-dir: current path only")
        singles.append(single_pass("single packet, new process (no cache in this docgen)",
                                   patient, folder / "single.pdf", [], env))  # fmt: skip
    batch_file = next((name for name in batches[0].hashes if name.startswith(
        f"row{index + 2:04d}-")), None)  # fmt: skip
    for single in singles:
        if batch_file and single.sha256 != batches[0].hashes[batch_file]:
            mismatches += 1
            print(f"MISMATCH {batch_file}: {single.label} differs from the batch's PDF")
        elif batch_file:
            print(f"  identical: {single.label} and the batch's {batch_file}")

    print()
    print(
        f"{rows}-row mixed list, `docgen batch --jobs {jobs}` on {os.cpu_count()} cores, "
        f"{interpreter()}, {time.strftime('%Y-%m-%d')}:"
    )
    print()
    print("\n".join(table(batches, singles)))
    print()
    worst_mb = max([b.worker_mb for b in batches] + [s.mb for s in singles])
    first_single = singles[0]
    if cached:
        none, warm = batches[0], batches[-1]
        ratio = warm.rate / none.rate if none.rate else 0.0
        print(
            f"- warm / no cache: {ratio:.1f}× (target ≥ {WARM_RATIO:.0f}×): "
            f"{verdict(ratio >= WARM_RATIO)}"
        )
        print(f"- warm batch: {warm.rate:.1f} packets/s on {jobs} workers (target ≥ "
              f"{WARM_RATE:.0f}): {verdict(warm.rate >= WARM_RATE)}; team goal "
              f"{TEAM_RATE:.0f}: {verdict(warm.rate >= TEAM_RATE)}")  # fmt: skip
    else:
        print(f"- warm / no cache (target ≥ {WARM_RATIO:.0f}×): not measured (no cache)")
        print(
            f"- warm batch (target ≥ {WARM_RATE:.0f} packets/s): not measured (no cache); "
            f"current path {batches[0].rate:.2f} packets/s"
        )
    print(
        f"- {first_single.label}: {first_single.median:.2f} s (target ≤ "
        f"{SINGLE_SECONDS:.1f} s): {verdict(first_single.median <= SINGLE_SECONDS)}"
    )
    print(
        f"- memory: {worst_mb:.0f} MB per worker at most (target ≤ {WORKER_MB:.0f}): "
        f"{verdict(worst_mb <= WORKER_MB)}"
    )
    rejected = sum(b.rejected for b in batches)
    if rejected:
        print(f"ERROR: {rejected} rows rejected: the benchmark's list itself is wrong")
    return 1 if mismatches or rejected else 0


if __name__ == "__main__":
    main()
