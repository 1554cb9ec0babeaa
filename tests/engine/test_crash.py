"""A writer killed (SIGKILL) at every file-system operation of its adds and commits, and after random delays:
the index always opens, holds exactly the batches of the last commit that completed, and takes more papers.
"""

from __future__ import annotations

import os
import random
import signal
import socket

import orjson
import pytest

import searchlib
from searchlib._engine.storage import LOCK_FILE, WriteLock
from tests.engine.crashkit import CTX, batch, index_ids, pytestmark, run_writer, whole_batches  # noqa: F401

pytestmark = [pytestmark, pytest.mark.heavy]

#: Batches added (one commit each) by the writer processes of one test; every kill point is inside one of them.
BATCHES = 3


def committed(report: list[str]) -> int:
    """The number of batches the writer reported committed, counting from where it started."""
    errors = [line for line in report if line.startswith("error")]
    assert not errors, errors
    return len([line for line in report if line.isdigit()])


@pytest.fixture
def index_path(tmp_path):
    path = tmp_path / "ix"
    searchlib.build_index(batch(0), path).close()
    return path


def check_after_kill(path, start: int, report: list[str]) -> int:
    """The index opens and holds batches 0..k-1 whole, k the reported commits or one more (the commit landed,
    the report had not been written yet). Returns k."""
    k = whole_batches(index_ids(path))
    done = start + committed(report)
    assert k in (done, done + 1), f"index has {k} batches; the writer reported {done} committed"
    return k


def test_every_file_operation_of_a_commit_is_a_safe_place_to_die(index_path):
    report = run_writer(index_path, range(1, 1 + BATCHES))
    total_ops = int(report[-1].split()[1])
    assert whole_batches(index_ids(index_path)) == 1 + BATCHES
    searchlib.build_index(batch(0), index_path, overwrite=True).close()

    start = 1
    survived = 0
    for kill_at in range(1, total_ops + 1):
        report = run_writer(index_path, range(start, start + BATCHES), kill_at=kill_at)
        assert not report or not report[-1].startswith("ops"), "the writer was not killed"
        start = check_after_kill(index_path, start, report)
        survived += 1
    # After all those deaths, indexing resumes where it stopped and nothing is lost.
    report = run_writer(index_path, range(start, start + 2))
    assert committed(report) == 2 and whole_batches(index_ids(index_path)) == start + 2
    assert survived == total_ops and total_ops > 3 * 20  # dozens of operations per commit, each one survived


@pytest.mark.filterwarnings("ignore:.*stale write lock")
def test_kills_at_random_moments(index_path):
    # Where each kill lands depends on the machine's speed; the checks hold wherever it lands.
    rng = random.Random(8)
    start = 1
    for _ in range(30):
        report = run_writer(index_path, range(start, start + BATCHES), kill_after=rng.uniform(0.0, 0.4))
        start = check_after_kill(index_path, start, report)
    with searchlib.open_index(index_path) as index:
        assert index.search("audited").total == len(index) == start * 4
        assert index.add(batch(start)) == 4


def test_a_dead_writers_lock_is_cleared_with_a_warning(index_path):
    holder = CTX.Process(target=_hold_lock, args=(str(index_path), None))
    holder.start()
    holder.join()  # exits holding nothing but leaves its record in the lock file
    _fake_holder(index_path, pid=holder.pid)
    with searchlib.open_index(index_path) as index:
        with pytest.warns(UserWarning, match=f"stale write lock left by process {holder.pid}"):
            assert index.add(batch(1)) == 4
    assert whole_batches(index_ids(index_path)) == 2


def test_a_lock_file_naming_a_live_process_is_respected(index_path):
    _fake_holder(index_path, pid=os.getppid())  # alive on this host, though it holds no flock
    with searchlib.open_index(index_path) as index:
        with pytest.raises(searchlib.IndexLockedError, match=f"process {os.getppid()} on "):
            index.add(batch(1), timeout=0.2)
    _fake_holder(index_path, pid=os.getppid(), host="elsewhere.example")  # unknown liveness: flock decides
    with searchlib.open_index(index_path) as index, pytest.warns(UserWarning, match="stale write lock"):
        assert index.add(batch(1)) == 4


def test_a_killed_holder_unreaped_or_garbled_lock_does_not_block(index_path):
    ready_r, ready_w = os.pipe()
    holder = CTX.Process(target=_hold_lock, args=(str(index_path), ready_w))
    holder.start()
    assert os.read(ready_r, 1) == b"1"
    with searchlib.open_index(index_path) as index:
        with pytest.raises(searchlib.IndexLockedError) as info:
            index.add(batch(1), timeout=0.3)
        assert info.value.holder["pid"] == holder.pid
        os.kill(holder.pid, signal.SIGKILL)
        os.waitid(os.P_PID, holder.pid, os.WEXITED | os.WNOWAIT)  # dead but not reaped: a zombie
        with pytest.warns(UserWarning, match=f"process {holder.pid}"):
            assert index.add(batch(1)) == 4
        holder.join()
        (index_path / LOCK_FILE).write_bytes(b'{"pid": 12')  # torn by something other than searchlib
        with pytest.warns(UserWarning, match="stale"):
            assert index.add(batch(2)) == 4
    assert whole_batches(index_ids(index_path)) == 3


def _hold_lock(path: str, ready_fd: int | None) -> None:
    lock = WriteLock(path)
    assert lock.acquire()
    if ready_fd is not None:
        os.write(ready_fd, b"1")
        signal.pause()
    os._exit(0)  # never releases: the record of this process stays in the lock file


def _fake_holder(path, pid: int, host: str | None = None) -> None:
    from searchlib._engine.storage import _process_start

    holder = {"pid": pid, "host": host or socket.gethostname(), "start": _process_start(pid), "since": "2020"}
    (path / LOCK_FILE).write_bytes(orjson.dumps(holder))


def test_the_next_writer_removes_the_staging_folders_of_dead_builds_only(index_path):
    dead = CTX.Process(target=os._exit, args=(0,))
    dead.start()
    dead.join()
    host = socket.gethostname()
    names = {
        "dead": f".ix.building-{dead.pid}-1700000000000-{host}",
        "dead, named before hosts were": f".ix.old-{dead.pid}-1700000000000",
        "running": f".ix.building-{os.getpid()}-1700000000000-{host}",  # a build of this process, under way
        "elsewhere": f".ix.building-{dead.pid}-1700000000000-another.host",  # its process may be running there
        "another index's": f".other.building-{dead.pid}-1700000000000-{host}",
    }
    for name in names.values():
        (index_path.parent / name).mkdir()
        (index_path.parent / name / "MAIN_x.seg").write_bytes(b"segment")
    with searchlib.open_index(index_path) as index:
        index.add(batch(1))
    left = {p.name for p in index_path.parent.iterdir()}
    assert left == {"ix", names["running"], names["elsewhere"], names["another index's"]}
