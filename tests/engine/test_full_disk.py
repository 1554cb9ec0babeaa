"""A full disk at every file operation of ``add``, ``delete``, ``optimize`` and ``build_index``: one
:class:`StorageError` saying what to do, the write lock free at once, the index at its last commit with nothing
half written left in its folder, and the same call succeeding once there is space again. A disk that fills just
after a commit leaves the papers committed, with a warning.

The full disk is simulated: each operation that may need space (opening a file for writing, its first write and
its close, fsync, rename, mkdir, the lock's own writes) is counted, and the n-th raises ``OSError(ENOSPC)``.
"""

from __future__ import annotations

import errno
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

import searchlib
from searchlib import StorageError
from searchlib._engine.storage import WriteLock
from searchlib.cli import main
from tests.engine.crashkit import NEED_SPACE, batch, batch_ids, index_ids, pytestmark, watch_file_operations

pytestmark = [pytestmark, pytest.mark.heavy]


class Disk:
    """Fails the ``at``-th operation that needs space with ``OSError(code)``, once; ``count`` says how many ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self.at = 0
        self.code = errno.ENOSPC
        self.only_in: Callable[[], bool] = lambda: True
        monkeypatch.setattr(os, "fsync", lambda fd: None)  # a simulated disk: nothing to wait for
        watch_file_operations(self._tick, monkeypatch.setattr, NEED_SPACE, files=True)

    def _tick(self) -> None:
        self.count += 1
        if self.count == self.at and self.only_in():
            raise OSError(self.code, os.strerror(self.code))

    def fill(self, at: int, code: int = errno.ENOSPC) -> None:
        self.count, self.at, self.code = 0, at, code

    def free(self) -> None:
        self.at = 0


@pytest.fixture
def disk(monkeypatch):
    return Disk(monkeypatch)


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "ix"
    searchlib.build_index(batch(0) + batch(1), path).close()
    return path


def lock_is_free(path: Path) -> bool:
    """Whether another writer gets the write lock at once (flock is per open file, so this holds in-process)."""
    lock = WriteLock(path)
    taken = lock.acquire()
    lock.release()
    return taken


def every_failure(path: Path, disk: Disk, call: Callable[[], object], after: Callable[[], set[str]]) -> int:
    """Run ``call`` with the disk full at its 1st, 2nd, ... operation until it runs out of operations; check each
    failure, and each commit that a failure just after it did not undo. Returns how many failed."""
    failed = 0
    at = 1
    while True:
        before_ids, before_files = index_ids(path), set(os.listdir(path))
        disk.fill(at)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call()
        except StorageError as exc:
            disk.free()
            failed += 1
            assert str(exc).startswith("no space left on ") and "; free some space and try again" in str(exc)
            assert exc.errno == errno.ENOSPC and exc.path == str(path)
            assert lock_is_free(path), f"lock kept after a failure at operation {at}"
            assert index_ids(path) == before_ids, f"failure at operation {at} changed the papers"
            assert set(os.listdir(path)) <= before_files, f"failure at operation {at} left files behind"
        else:
            disk.free()
            if disk.count < at:  # every operation of the call has now failed once
                return failed
            # The disk filled after the commit (or where a failure costs nothing, a folder's fsync).
            assert index_ids(path) == after(), f"failure at operation {at} after the commit lost papers"
            assert all("the papers are committed" in str(w.message) for w in caught)
            assert lock_is_free(path)
        at += 1


def test_add_commits_or_raises_and_commits_nothing(path, disk):
    index = searchlib.open_index(path)  # one Index kept open, as an embedding application keeps it
    state = {"next": 2}

    def add() -> None:
        index.add(batch(state["next"]), timeout=0)
        state["next"] += 1  # committed: the next call adds the next batch; failed: it tries the same one again

    failed = every_failure(path, disk, add, lambda: set().union(*(batch_ids(i) for i in range(state["next"]))))
    assert failed > 40  # dozens of operations, each failed once
    assert index_ids(path) == set().union(*(batch_ids(i) for i in range(state["next"])))
    assert index.search("audited").total == len(index) == 4 * state["next"]


def test_delete_and_optimize_fail_whole(path, disk):
    index = searchlib.open_index(path)
    index.add(batch(2))  # a second segment, for optimize to merge
    gone, kept = sorted(batch_ids(1)), batch_ids(0) | batch_ids(2)
    assert every_failure(path, disk, lambda: index.delete(gone, timeout=0), lambda: kept) > 10
    assert every_failure(path, disk, lambda: index.optimize(timeout=0), lambda: kept) > 10
    assert index.stats()["segments"] == 1 and index_ids(path) == kept


def test_a_build_that_fails_leaves_the_folder_as_it_was(tmp_path, disk):
    target = tmp_path / "ix"
    searchlib.build_index(batch(0), target).close()
    papers = batch_ids(0)
    at = 1
    while True:
        disk.fill(at)
        try:
            searchlib.build_index(batch(5), target, overwrite=True, timeout=0).close()
        except StorageError as exc:
            disk.free()
            assert str(exc).startswith("no space left on ") and exc.path == str(target), at
            assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"], at  # no staging folder left
            assert index_ids(target) == papers and lock_is_free(target), at
        else:
            disk.free()
            if disk.count < at:
                break
            assert index_ids(target) == batch_ids(5), at  # built: the failure was where it costs nothing
            papers = batch_ids(5)
        at += 1
    assert at > 30 and index_ids(target) == batch_ids(5)
    new = tmp_path / "new"
    failed = 0
    for at in range(2, 40, 6):  # a new index: nothing left beside it either
        disk.fill(at)
        try:
            searchlib.build_index(batch(5), new).close()
        except StorageError:
            failed += 1
        else:
            shutil.rmtree(new)  # the failure was where it costs nothing
        disk.free()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]
    assert failed >= 4


def test_an_in_memory_build_names_the_temporary_folder(disk):
    disk.fill(1)
    with pytest.raises(StorageError, match=r"^no space left on .*; free some space and try again"):
        searchlib.build_index(batch(0))


@pytest.mark.parametrize(
    "code, message",
    [
        (errno.EDQUOT, r"^no space left on .*disk quota exceeded.*; free some space and try again"),
        (errno.EACCES, r"^permission denied writing .*; make .* writable, or use another folder"),
        (errno.EROFS, r" is on a read-only file system; use a folder you can write to"),
        (errno.EIO, r"^cannot write .*: Input/output error"),
    ],
)
def test_other_refusals_are_one_clear_error_too(path, disk, code, message):
    index = searchlib.open_index(path)
    for at in (1, 12):  # taking the lock, writing the segment
        disk.fill(at, code)
        with pytest.raises(StorageError, match=message) as info:
            index.add(batch(2))
        disk.free()
        assert info.value.errno == code and lock_is_free(path)
    assert index.add(batch(2), timeout=0) == 4


@pytest.mark.parametrize("command", [["index", "NEW"], ["index", "ADD"], ["delete", "10.5555/w0-0"], ["optimize"]])
def test_the_cli_says_it_in_one_line(path, disk, capsys, command, tmp_path):
    records = tmp_path / "more.jsonl"
    records.write_text("\n".join(f'{{"title": "More {i}", "doi": "10.9/m{i}"}}' for i in range(3)))
    argv = {"NEW": [str(records), "--index", str(tmp_path / "new")], "ADD": [str(records), "--index", str(path)]}
    args = [command[0], *argv.get(command[-1], [*command[1:], "--index", str(path)])]
    disk.fill(2)  # (the first is making the index's parent folder, which is there)
    assert main(args) == 1
    disk.free()
    out, err = capsys.readouterr()
    assert err.startswith("searchlib: error: no space left on ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err
    assert main(args) == 0


def test_an_index_that_cannot_be_read_is_one_clear_error(path, monkeypatch):
    listdir = os.listdir

    def refused(folder="."):  # a folder not ours to read (tests may run as root, whom chmod does not stop)
        if Path(folder) == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
        return listdir(folder)

    monkeypatch.setattr(os, "listdir", refused)
    with pytest.raises(searchlib.SearchlibError, match=r"^cannot read the index at .*Permission denied\); check"):
        searchlib.open_index(path)
