"""Helpers for the crash and concurrency tests: numbered batches of papers, writer processes that can be killed
at chosen file-system operations, and a check that an index holds whole batches only.

Child processes are forked (they start in milliseconds with searchlib already imported), so these tests run on
POSIX systems only.
"""

from __future__ import annotations

import builtins
import multiprocessing
import os
import shutil
import signal
import sys
import warnings
from collections.abc import Callable, Iterable

import pytest

import searchlib

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="forks processes and sends SIGKILL")

CTX = multiprocessing.get_context("fork") if sys.platform != "win32" else None
PER_BATCH = 4
#: Seconds before a child process (or a wait for the write lock) counts as hung: far beyond what a busy machine
#: takes, so it never decides a test that works.
HANG_GUARD = 600.0
WORDS = ["ward", "safety", "audit", "sepsis", "handover", "falls", "equity", "feedback"]


def batch(i: int, writer: str = "w") -> list[dict]:
    """Batch ``i``: PER_BATCH papers whose DOIs say which batch they belong to."""
    return [
        {
            "doi": f"10.5555/{writer}{i}-{j}",
            "title": f"Paper {j} of batch {i}: {WORDS[(i + j) % len(WORDS)]} on the ward",
            "authors": [f"Author{i} Writer{j}", "Jane Roe"],
            "publicationDate": f"{2000 + i % 25}-01-01",
            "abstract": f"<p><strong>Methods: </strong>We audited {WORDS[i % len(WORDS)]} in ward {i}.</p>"
            f"<p><strong>Results: </strong>{j} events. " + "More text. " * (20 * (j + 1)) + "</p>",
        }
        for j in range(PER_BATCH)
    ]


def batch_ids(i: int, writer: str = "w") -> set[str]:
    return {f"10.5555/{writer}{i}-{j}" for j in range(PER_BATCH)}


def whole_batches(ids: set[str], writer: str = "w") -> int:
    """How many batches (0..k-1) ``ids`` holds, asserting it is exactly those batches, each whole."""
    k = 0
    expected: set[str] = set()
    while batch_ids(k, writer) <= ids:
        expected |= batch_ids(k, writer)
        k += 1
    mine = {i for i in ids if i.startswith(f"10.5555/{writer}")}
    assert mine == expected, f"partial or stray papers: {sorted(mine ^ expected)[:8]}"
    return k


def index_ids(path) -> set[str]:
    with searchlib.open_index(path) as index:
        ids = {record.id for record in index}
        assert len(index) == len(ids)
        return ids


# -- killing a writer (or failing it) at its n-th file-system operation -------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
#: The ``os`` functions that change files, each a place to kill a writer.
CHANGES = ("rename", "replace", "remove", "unlink", "fsync", "ftruncate", "mkdir", "rmdir")
#: Those where a full disk shows (removing a file never needs space), and ``pwrite`` (the lock's holder).
NEED_SPACE = ("rename", "replace", "fsync", "ftruncate", "mkdir", "pwrite")


def watch_file_operations(
    tick: Callable[[], None],
    patch: Callable[[object, str, object], None] = setattr,
    names: Iterable[str] = CHANGES,
    files: bool = False,
) -> None:
    """Call ``tick()`` before every operation that changes files: opening one for writing, the ``os`` functions
    ``names`` and ``shutil.rmtree``; with ``files``, also before the first write to each file opened for writing
    and before it is closed (where a buffered write meets a full disk). ``patch`` installs each wrapper
    (``monkeypatch.setattr`` to have them undone).
    """

    def wrap(
        fn: Callable, is_write: Callable[..., bool] = lambda *a, **k: True, watched: bool = False
    ) -> Callable:
        def wrapper(*args, **kwargs):
            if is_write(*args, **kwargs):
                tick()
                if watched:
                    return _WatchedFile(fn(*args, **kwargs), tick)
            return fn(*args, **kwargs)

        return wrapper

    def open_writes(file, mode="r", *args, **kwargs):
        return isinstance(mode, str) and any(c in mode for c in "wax+")

    def os_open_writes(path, flags, *args, **kwargs):
        return bool(flags & _WRITE_FLAGS)

    patch(builtins, "open", wrap(builtins.open, open_writes, files))
    patch(os, "open", wrap(os.open, os_open_writes))
    for name in names:
        patch(os, name, wrap(getattr(os, name)))
    if "rmdir" in names:
        patch(shutil, "rmtree", wrap(shutil.rmtree))


class _WatchedFile:
    """A file opened for writing whose first write and whose close call ``tick()`` first; a close that fails
    still closes the file, as Python's own do when their last flush fails."""

    def __init__(self, f, tick: Callable[[], None]) -> None:
        self._f, self._tick, self._written = f, tick, False

    def write(self, data):
        if not self._written:
            self._written = True
            self._tick()
        return self._f.write(data)

    def close(self) -> None:
        if not self._f.closed:
            try:
                self._tick()
            except BaseException:
                self._f.close()
                raise
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getattr__(self, name: str):
        return getattr(self._f, name)


def install_kill_switch(kill_at: int, counter: list[int]) -> None:
    """In this (child) process, count every operation that changes files; SIGKILL ourselves before the
    ``kill_at``-th (never when ``kill_at`` is 0). ``counter[0]`` holds the count.
    """

    def tick() -> None:
        counter[0] += 1
        if counter[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    watch_file_operations(tick)


def writer_main(
    path: str, batches: Iterable[int], kill_at: int, report_fd: int, writer: str = "w", timeout: float = HANG_GUARD
) -> None:
    """Child: add each batch as one commit, writing its number to ``report_fd`` once the commit returned."""
    counter = [0]
    warnings.simplefilter("ignore")
    try:
        install_kill_switch(kill_at, counter)
        index = searchlib.open_index(path)
        for i in batches:
            index.add(batch(i, writer), timeout=timeout)
            os.write(report_fd, f"{i}\n".encode())
        os.write(report_fd, f"ops {counter[0]}\n".encode())
    except BaseException as exc:  # pragma: no cover - reported to the parent, which fails the test
        os.write(report_fd, f"error {type(exc).__name__}: {exc}\n".encode())
    finally:
        os._exit(0)


def run_writer(path, batches, kill_at: int = 0, kill_after: float | None = None, writer: str = "w") -> list[str]:
    """Run a writer child to its end, or kill it at op ``kill_at`` / after ``kill_after`` seconds; its report."""
    read_fd, write_fd = os.pipe()
    proc = CTX.Process(target=writer_main, args=(str(path), list(batches), kill_at, write_fd, writer))
    proc.start()
    os.close(write_fd)
    if kill_after is not None:
        proc.join(kill_after)
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
    proc.join(HANG_GUARD)
    assert not proc.is_alive(), "writer hung"
    chunks = []
    while data := os.read(read_fd, 65536):
        chunks.append(data)
    os.close(read_fd)
    return b"".join(chunks).decode().splitlines()
