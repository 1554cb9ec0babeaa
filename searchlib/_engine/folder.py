"""An index folder's life: checked before a build replaces it, built beside it and moved in whole, its manifest
stamped with the format, the format checked before it is opened, and a folder from elsewhere trusted (or its
every byte checked) on request. In-memory indexes get private scratch space.

The manifest (``searchlib.json``) says a folder is a searchlib index and which format it is in; each commit also
records itself there, signed with this user's key (:mod:`.storage`, :mod:`.signing`).
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
from typing import Any

from whoosh.filedb.filestore import FileStorage, RamStorage

from ..errors import SearchlibError
from . import signing
from .failures import remove_dead_builds, staging_name, storage_errors
from .storage import (
    FORMAT_NAME,
    INDEX_NAME,
    MANIFEST,
    SafeFileStorage,
    WriteLock,
    check_names,
    generation_files,
    latest_generation,
    locked_error,
    read_manifest,
    retrying,
    toc_name,
    update_manifest,
)
from .toc import schema_of, segments_of
from .whoosh_private import compound_directory

#: 4 added the words as written (``title_exact``, ``abstract_exact``) and dropped positions from the stemmed
#: fields; 5 keeps records and ids in columns, as JSON, with no stored fields (Whoosh pickles those), and signs
#: each commit. An index of an earlier format must be rebuilt.
FORMAT_VERSION = 5


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
    remove_dead_builds(target)
    staged = staging_name(target)
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
        old = staging_name(target, "old")
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
            stack.callback(_locked(folder, timeout).release)
        yield


def _locked(target: Path, timeout: float) -> WriteLock:
    """The write lock of the index at ``target``, waited for up to ``timeout`` seconds."""
    lock = WriteLock(target)
    deadline = time.monotonic() + timeout
    while not lock.acquire():
        if time.monotonic() >= deadline:
            raise locked_error(target, timeout)
        time.sleep(0.05)
    return lock


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
    version = manifest.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        # A format this searchlib does not know, whatever it looks like: a later searchlib's.
        raise SearchlibError(
            f"{target} was made by a newer searchlib (index format {version!r}; this one reads format "
            f"{FORMAT_VERSION}); upgrade searchlib to open it"
        )
    if version < FORMAT_VERSION:
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


def verify(target: Path) -> None:
    """Refuse the index at ``target`` unless this user signed its newest generation and every byte of every file
    signed with it is as it was signed (opening checks the table of contents' bytes and the other files' sizes)."""

    def check() -> None:
        name = toc_name(latest_generation(target))
        SafeFileStorage(str(target)).check_toc(name, (target / name).read_bytes(), full=True)

    retrying(check)


def trust(target: Path, timeout: float = 5.0) -> int:
    """Sign the index at ``target`` with this user's key, once its structure is checked, so that it opens; returns
    how many files were signed.

    The folder must hold only what searchlib writes; its table of contents must hold a schema and segments (read
    with the restricted unpickler, :mod:`.unpickling`) whose files are all there, each segment's directory
    readable as data. Every file of the newest generation is hashed and the record signed, under the write lock.
    """
    with storage_errors(target):  # trusting writes the manifest: a folder one may only read cannot be trusted
        lock = _locked(target, timeout)
    try:
        check_names(target)
        gen = latest_generation(target)
        if gen < 0:
            raise SearchlibError(f"{target} has a {MANIFEST} but no index files; rebuild it")
        name = toc_name(gen)
        data = (target / name).read_bytes()
        schema_of(data, target / name)
        names = generation_files(target, data, name)
        storage = SafeFileStorage(str(target))
        for segment in segments_of(data, target / name, INDEX_NAME):
            _check_segment(storage, segment, names)
        files = signing.files_record(target, names, {})
        files[name] = signing.entry(data)
        record = signing.signed_record(read_manifest(target), gen)
        same = record is not None and record.get("files") == files  # others who trusted it: still valid
        signed = signing.sign(record if record is not None and same else {"generation": gen, "files": files}, same)
        with storage_errors(target):
            update_manifest(target, **signing.record_fields(signed), pending=None)
        return len(files)
    finally:
        lock.release()


def _check_segment(storage: SafeFileStorage, segment: Any, names: list[str]) -> None:
    """Refuse a segment whose files are missing, or whose compound file's directory is not data."""
    if not segment.is_compound():
        return
    compound = segment.make_filename(".seg")
    if compound not in names:
        raise SearchlibError(f"{storage.folder}: {compound}, a file its table of contents names, is missing")
    try:
        directory = compound_directory(storage.open_file(compound))
    except Exception as exc:
        directory = exc
    if not isinstance(directory, dict):
        raise SearchlibError(f"{storage.folder}: {compound} is not a segment searchlib writes ({directory!r:.80})")
