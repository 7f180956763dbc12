"""The batch's render workers: processes the parent can stop, each task with a deadline.

A task is a tuple sent down a pipe; the worker answers with one result item (a dict with
``row``, ``status`` and ``error``, and ``rss_kib``: its peak memory so far). A worker that dies
fails its row; one that runs past its deadline is killed; a worker is replaced once its memory
passes a bound (or after a large number of tasks).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any


@dataclass
class Worker:
    process: BaseProcess
    connection: Connection
    row: int | None = None  # the row it is rendering
    deadline: float = 0.0
    done: int = 0


class WorkerPool:
    """Worker processes the parent can stop: a dead worker fails its row, a runaway one is
    killed at its deadline. (multiprocessing.Pool waits forever for a worker killed by the
    out-of-memory killer, and ProcessPoolExecutor's max_tasks_per_child can deadlock on
    Python 3.11 once workers are replaced.)"""

    def __init__(self, size: int, target: Callable[..., None], args: tuple[Any, ...],
                 time_limit: int, grace: int, tasks_per_worker: int,
                 memory_limit_kib: int | None = None) -> None:  # fmt: skip
        self.size = size
        self.target = target  # target(connection, *args): answers each task until it gets None
        self.args = args
        self.time_limit = time_limit  # seconds for one task (the message names it)
        self.grace = grace  # seconds past the limit before a worker that ignores it is killed
        self.tasks_per_worker = tasks_per_worker
        self.memory_limit_kib = memory_limit_kib  # replaced after a task that took it past this
        self.context = multiprocessing.get_context()
        self.workers: list[Worker] = []

    def _start(self) -> Worker:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(
            target=self.target, args=(child_end, *self.args), daemon=True
        )
        process.start()
        child_end.close()
        worker = Worker(process, parent_end)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: Worker, kill: bool = False) -> None:
        self.workers.remove(worker)
        if kill:
            worker.process.kill()
        else:
            with suppress(OSError):
                worker.connection.send(None)
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()

    def idle(self) -> Worker | None:
        for worker in self.workers:
            if worker.row is None:
                return worker
        return self._start() if len(self.workers) < self.size else None

    def submit(self, worker: Worker, row: int, task: tuple[Any, ...]) -> None:
        try:
            worker.connection.send(task)
        except OSError:  # it died while idle (out of memory between rows): use a new one
            self._retire(worker, kill=True)
            worker = self._start()
            worker.connection.send(task)
        worker.row = row
        worker.deadline = time.monotonic() + self.time_limit + self.grace

    @property
    def busy(self) -> bool:
        return any(worker.row is not None for worker in self.workers)

    def results(self) -> Iterator[dict[str, Any]]:
        """Wait for the next finished rows (or the next deadline) and yield them."""
        busy = [worker for worker in self.workers if worker.row is not None]
        timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
        waitables: list[Any] = [w.connection for w in busy] + [w.process.sentinel for w in busy]
        ready = set(wait(waitables, timeout=timeout))
        for worker in busy:
            row = worker.row
            assert row is not None
            if worker.connection in ready:
                try:
                    item: dict[str, Any] = worker.connection.recv()
                except (EOFError, OSError):
                    item = self._died(worker)
                else:
                    worker.row = None
                    worker.done += 1
                    grown = (self.memory_limit_kib is not None
                             and item.get("rss_kib", 0) > self.memory_limit_kib)  # fmt: skip
                    if grown or worker.done >= self.tasks_per_worker:
                        self._retire(worker)
                yield item
            elif worker.process.sentinel in ready:
                yield self._died(worker)
            elif time.monotonic() >= worker.deadline:
                self._retire(worker, kill=True)
                yield {"row": row, "status": "error", "error": (
                    f"render: rendering took longer than {self.time_limit} s and was stopped"
                )}  # fmt: skip

    def _died(self, worker: Worker) -> dict[str, Any]:
        row = worker.row
        self._retire(worker, kill=True)
        code = worker.process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else "stopped"
        return {"row": row, "status": "error", "error": (
            f"render: the worker process {how} (out of memory?); the row was not written"
        )}  # fmt: skip

    def close(self) -> None:
        for worker in list(self.workers):
            self._retire(worker, kill=worker.row is not None)
