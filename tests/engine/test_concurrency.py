"""One writer and several readers in separate processes at once; a second writer that waits for the lock.

Readers never see part of a commit and pick up each commit when it lands; two writers never lose a paper; a
writer that cannot get the lock in time gets an IndexLockedError naming the holder, and the CLI prints one line.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

import searchlib
from searchlib.cli import main
from tests.engine.crashkit import (
    CTX,
    HANG_GUARD,
    batch,
    batch_ids,
    index_ids,
    pytestmark,
    run_writer,
    whole_batches,
)  # noqa: F401

pytestmark = [pytestmark, pytest.mark.heavy]

READERS = 3
WRITER_BATCHES = 15


def reader_main(path: str, final: int, report_fd: int, ready_fd: int) -> None:
    """Child: read until the index holds ``final`` batches; report each state seen, or what went wrong."""
    seen: list[int] = []
    try:
        index = searchlib.open_index(path)
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:
            ids = {record.id for record in index}
            k = whole_batches(ids)  # raises on a partial commit
            hits, count = index.search("audited").total, len(index)
            if {record.id for record in index} == ids:  # no commit landed meanwhile: all calls saw one state
                assert hits == count == 4 * k, (hits, count, k)
            assert not seen or k >= seen[-1], f"went back from {seen[-1]} to {k} batches"
            if not seen or k != seen[-1]:
                seen.append(k)
                if len(seen) == 1:
                    os.write(ready_fd, b"1")  # the writer starts once every reader has read the first state
            if k == final:
                break
        os.write(report_fd, ("ok " + " ".join(map(str, seen)) + "\n").encode())
    except BaseException as exc:
        os.write(report_fd, f"error {type(exc).__name__}: {exc}\n".encode())
    finally:
        os._exit(0)


def test_readers_see_whole_commits_and_pick_up_each_new_one(tmp_path):
    path = tmp_path / "ix"
    searchlib.build_index(batch(0), path).close()
    read_fd, write_fd = os.pipe()
    ready_r, ready_w = os.pipe()
    readers = [
        CTX.Process(target=reader_main, args=(str(path), WRITER_BATCHES, write_fd, ready_w))
        for _ in range(READERS)
    ]
    for r in readers:
        r.start()
    for _ in range(READERS):
        assert os.read(ready_r, 1) == b"1"
    report = run_writer(path, range(1, WRITER_BATCHES))
    for r in readers:
        r.join(HANG_GUARD)
    os.close(write_fd)
    lines = os.read(read_fd, 1 << 16).decode().splitlines()
    assert report[-1].startswith("ops") and len(report) == WRITER_BATCHES
    assert len(lines) == READERS and all(line.startswith("ok") for line in lines), lines
    for line in lines:
        states = [int(s) for s in line.split()[1:]]
        assert states[0] == 1 and states[-1] == WRITER_BATCHES  # every reader saw the commits land
    assert whole_batches(index_ids(path)) == WRITER_BATCHES


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = tmp_path / "ix"
    searchlib.build_index(batch(0, "a"), path).close()
    read_fd, write_fd = os.pipe()
    from tests.engine.crashkit import writer_main

    writers = [
        CTX.Process(target=writer_main, args=(str(path), batches, 0, write_fd, name))
        for name, batches in (("a", range(1, 10)), ("b", range(9)))
    ]
    for w in writers:
        w.start()
    for w in writers:
        w.join(HANG_GUARD)
    os.close(write_fd)
    lines = os.read(read_fd, 1 << 16).decode().splitlines()
    assert not [line for line in lines if line.startswith("error")], lines
    ids = index_ids(path)
    assert whole_batches(ids, "a") == 10 and whole_batches(ids, "b") == 9 and len(ids) == 19 * 4


def _hold_lock(path: str, ready_fd: int) -> None:
    from searchlib._engine.storage import WriteLock

    lock = WriteLock(path)
    assert lock.acquire()
    os.write(ready_fd, b"1")
    signal.pause()


@pytest.fixture
def held_lock(tmp_path):
    """An index whose write lock a live process holds; yields (path, that process's pid)."""
    path = tmp_path / "ix"
    searchlib.build_index(batch(0), path).close()
    ready_r, ready_w = os.pipe()
    holder = CTX.Process(target=_hold_lock, args=(str(path), ready_w))
    holder.start()
    assert os.read(ready_r, 1) == b"1"
    yield path, holder.pid
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()


def test_a_second_writer_waits_then_names_the_holder(held_lock):
    path, pid = held_lock
    index = searchlib.open_index(path)
    started = time.monotonic()
    with pytest.raises(searchlib.IndexLockedError) as info:
        index.add(batch(1), timeout=0.5)
    assert time.monotonic() - started >= 0.5  # it waited before giving up
    message = str(info.value)
    assert f"process {pid} on {os.uname().nodename}" in message and "since 20" in message
    assert info.value.holder["pid"] == pid
    assert len(index) == 4 and index.search("audited").total == 4  # reading is never blocked


def test_a_rebuild_does_not_replace_an_index_being_written(held_lock, tmp_path):
    path, pid = held_lock
    with pytest.raises(searchlib.IndexLockedError) as info:
        searchlib.build_index(batch(1) + batch(2), path, overwrite=True, timeout=0.3)
    assert info.value.holder["pid"] == pid
    assert index_ids(path) == batch_ids(0)  # the old index, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]  # no staging folder left behind


def test_the_cli_prints_one_line_when_the_index_is_locked(held_lock, capsys, tmp_path):
    path, pid = held_lock
    records = tmp_path / "more.jsonl"
    import orjson

    records.write_bytes(b"\n".join(orjson.dumps(r) for r in batch(1)))
    assert main(["index", str(records), "--index", str(path), "--wait", "0.2"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("searchlib: error: ") and f"process {pid}" in err[0]


def builder_main(report_fd: int) -> None:
    try:
        for i in range(6):
            index = searchlib.build_index(batch(i) * 30)  # in memory
            assert len(index) == 4
        os.write(report_fd, b"ok\n")
    except BaseException as exc:
        os.write(report_fd, f"error {type(exc).__name__}: {exc}\n".encode())
    finally:
        os._exit(0)


def test_in_memory_indexes_built_at_once_by_several_processes():
    read_fd, write_fd = os.pipe()
    builders = [CTX.Process(target=builder_main, args=(write_fd,)) for _ in range(4)]
    for b in builders:
        b.start()
    for b in builders:
        b.join(HANG_GUARD)
    os.close(write_fd)
    assert os.read(read_fd, 1 << 16).decode().splitlines() == ["ok"] * 4


def test_a_reader_outlasts_a_writer_that_keeps_deleting_what_it_opens_but_not_a_missing_file():
    """Opening an index retries while each try misses another (newer) generation's file, however many times;
    a file missing try after try is reported."""
    from searchlib._engine.storage import retrying

    tries = []

    def opens_after_30_commits() -> str:
        tries.append(1)
        if len(tries) <= 30:
            raise FileNotFoundError(2, "gone", f"_MAIN_{len(tries)}.toc")
        return "opened"

    assert retrying(opens_after_30_commits) == "opened" and len(tries) == 31

    def always_missing() -> str:
        tries.append(1)
        raise FileNotFoundError(2, "gone", "seg_abc.seg")

    tries.clear()
    with pytest.raises(FileNotFoundError, match="seg_abc"):
        retrying(always_missing)
    assert len(tries) == 20


def test_a_reader_that_loses_a_race_to_a_commit_tries_again_cleanly(tmp_path, monkeypatch):
    # A commit deleted a file the reader was about to open: it retries, and the old searcher is closed once.
    from whoosh import reading

    path = tmp_path / "ix"
    searchlib.build_index(batch(0), path).close()
    index = searchlib.open_index(path)
    assert len(index) == 4
    searchlib.open_index(path).add(batch(1))
    opened = reading.SegmentReader.__init__
    failures = [FileNotFoundError(2, "gone", str(path / "MAIN_gone.seg"))]

    def racing(self, *args, **kwargs):
        if failures:
            raise failures.pop()
        opened(self, *args, **kwargs)

    monkeypatch.setattr(reading.SegmentReader, "__init__", racing)
    assert len(index) == 8
    assert not failures
    assert whole_batches({record.id for record in index}) == 2
