"""An index folder's life: checked before a build replaces it, built beside it and moved in whole, its manifest
stamped with the format, and the format checked before it is opened. In-memory indexes get private scratch space.

The manifest (``searchlib.json``) says a folder is a searchlib index and which format it is in; each commit also
records itself there (:mod:`.storage`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from whoosh.filedb.filestore import FileStorage, RamStorage

from ..errors import SearchlibError
from .storage import FORMAT_NAME, MANIFEST, WriteLock, locked_error, read_manifest, update_manifest

#: 4 added the words as written (``title_exact``, ``abstract_exact``) and dropped positions from the stemmed
#: fields; an index of an earlier format must be rebuilt.
FORMAT_VERSION = 4


def check_build_target(target: Path, overwrite: bool, found: bool = False) -> None:
    """Refuse to build over a file, over an index without ``overwrite``, or over a folder of other files
    (``found``: the caller knows an index is there, a sharded one)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise SearchlibError(f"{target} exists and is not a folder")
    if found or (target / MANIFEST).exists():
        if not overwrite:
            raise SearchlibError(
                f"an index already exists at {target}; pass overwrite=True to replace it, "
                f"or open_index({str(target)!r}).add(...) to add to it"
            )
    elif any(target.iterdir()):
        raise SearchlibError(
            f"{target} is a folder with other files in it, not a searchlib index; not touching it"
        )


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A new folder beside ``target`` to build in; removed if the block does not complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{target.name}.building-{os.getpid()}-{int(time.time() * 1000)}"
    staged.mkdir()
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def swap_into_place(staged: Path, target: Path, timeout: float, locked: list[Path] | None = None) -> None:
    """Move a complete index into place; the old one is removed only after the new one is there.

    The old index's write lock (each of the ``locked`` folders', a sharded index's shards) is held across the
    swap, so no writer is midway through a commit to it.
    """
    if not target.exists():
        staged.rename(target)
        return
    with all_locked(locked or [target], timeout):
        old = target.parent / f".{target.name}.old-{os.getpid()}-{int(time.time() * 1000)}"
        target.rename(old)
        try:
            staged.rename(target)
        except BaseException:
            old.rename(target)
            raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def all_locked(folders: list[Path], timeout: float) -> Iterator[None]:
    """Every folder's write lock held (taken in order, so two processes never hold one each and wait forever)."""
    with ExitStack() as stack:
        for folder in folders:
            lock = WriteLock(folder)
            deadline = time.monotonic() + timeout
            while not lock.acquire():
                if time.monotonic() >= deadline:
                    raise locked_error(folder, timeout)
                time.sleep(0.05)
            stack.callback(lock.release)
        yield


def stamp_manifest(path: Path) -> None:
    """Stamp a new index's manifest with its format (each commit records itself: see :mod:`.storage`)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    update_manifest(path, format=FORMAT_NAME, version=FORMAT_VERSION, created_by="searchlib", last_change=now)


def check_format(target: Path) -> None:
    """Refuse what is not a folder, not a searchlib index, or an index of another format version."""
    if not target.is_dir():
        raise SearchlibError(f"no index at {target}: {'not a folder' if target.exists() else 'no such folder'}")
    manifest = read_manifest(target)
    if manifest.get("format") != FORMAT_NAME:
        found = sorted(p.name for p in target.iterdir())[:5]
        raise SearchlibError(
            f"{target} is not a searchlib index (no valid {MANIFEST}; found: {', '.join(found) or 'nothing'})"
        )
    if manifest.get("version", 0) > FORMAT_VERSION:
        raise SearchlibError(
            f"{target} was written by a newer searchlib (format {manifest.get('version')}); upgrade searchlib"
        )
    if manifest.get("version", 0) < FORMAT_VERSION:
        raise SearchlibError(
            f"{target} was written by an older searchlib (format {manifest.get('version')}, now "
            f"{FORMAT_VERSION}); rebuild it with build_index(..., overwrite=True) or `searchlib index --overwrite`"
        )


class PrivateRamStorage(RamStorage):
    """Whoosh's in-memory storage, with scratch files in a folder of its own.

    Whoosh's RamStorage puts the scratch files of a commit in ``$TMPDIR/MAIN.tmp``, the same folder for every
    in-memory index on the machine, so two processes committing at once delete each other's files. Here each
    name is one private folder while it exists: a writer and its column writer share it, and the writer
    removes it when it finishes, as it does an on-disk index's.
    """

    def __init__(self) -> None:
        super().__init__()
        self._temps: dict[str, FileStorage] = {}

    def temp_storage(self, name: str | None = None) -> FileStorage:
        key = name or ""
        storage = self._temps.get(key)
        if storage is None or not os.path.isdir(storage.folder):
            storage = self._temps[key] = FileStorage(tempfile.mkdtemp(prefix="searchlib-")).create()
        return storage
