"""The batch's worker pool: a worker is replaced once its memory passes the bound."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

from docgen.workers import WorkerPool


def _answer(connection: Connection, rss_kib: int) -> None:
    """A worker that reports its process ID and the given peak memory for each row."""
    while (task := connection.recv()) is not None:
        connection.send({"row": task, "status": "ok", "pid": os.getpid(), "rss_kib": rss_kib})


def _run(pool: WorkerPool, rows: int) -> list[int]:
    pids = []
    try:
        for row in range(rows):
            worker = pool.idle()
            assert worker is not None
            pool.submit(worker, row, row)  # type: ignore[arg-type]
            pids += [item["pid"] for item in pool.results()]
    finally:
        pool.close()
    return pids


def test_a_worker_under_the_memory_bound_keeps_rendering() -> None:
    pool = WorkerPool(1, _answer, (100_000,), time_limit=30, grace=5, tasks_per_worker=1000,
                      memory_limit_kib=250_000)  # fmt: skip
    assert len(set(_run(pool, 5))) == 1


def test_a_worker_past_the_memory_bound_is_replaced_after_its_row() -> None:
    pool = WorkerPool(1, _answer, (300_000,), time_limit=30, grace=5, tasks_per_worker=1000,
                      memory_limit_kib=250_000)  # fmt: skip
    pids = _run(pool, 3)
    assert len(pids) == 3 and len(set(pids)) == 3


def test_a_worker_is_replaced_after_its_task_count_in_any_case() -> None:
    pool = WorkerPool(1, _answer, (100_000,), time_limit=30, grace=5, tasks_per_worker=2)
    pids = _run(pool, 4)
    assert pids[0] == pids[1] != pids[2] == pids[3]
