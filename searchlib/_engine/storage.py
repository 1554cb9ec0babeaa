"""Crash-safe commits, a write lock that names its holder, and the checks made before an index folder is opened.

Whoosh writes a commit as several files: new segment files (``MAIN_<id>.seg``), then a table of contents
(``_MAIN_<generation>.toc``) naming the segments of the new generation, renamed into place from a temporary
file, after which the files no generation uses any more are deleted. The newest TOC is the index. On its own it
does not flush anything to disk, so after a power cut a TOC can name segments whose data never reached the disk,
and a crashed writer leaves temporary TOCs and a ``MAIN.tmp`` folder behind for ever.

:class:`SafeFileStorage` is the Whoosh storage searchlib uses. Its commit, in order:

1. flushes (fsync) every segment file and the temporary TOC;
2. records the new generation's files (the TOC and its segments' files, each with its size and sha256), signed
   with this user's key (:mod:`.signing`), as *pending* in the manifest (``searchlib.json``);
3. renames the TOC into place and flushes the folder: this rename is the commit;
4. records the generation as committed.

Until step 3 the previous generation is the index and all its files are still there, so a process killed at any
point leaves either the previous commit or the new one, whole. Temporary files a dead writer left behind are
removed by the next writer, under the lock.

The write lock is Whoosh's own ``MAIN_WRITELOCK`` file, locked with ``flock`` (so plain Whoosh writers respect it
too, and the kernel releases it when its holder dies), holding who has it: process id, host, process start
time and since when. A lock whose recorded holder is dead is stale and is taken over, with a warning.

Reading, trust is decided before Whoosh unpickles anything (:meth:`SafeFileStorage.check_toc`); the schema is
read with a restricted unpickler and handed to Whoosh, every other pickle is read with those of
:mod:`.unpickling`, and a file is opened only by a name of the folder's own, never a path.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import re
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import orjson
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.util.filelock import LockBase

from ..analysis.stemtable import TABLE_FILE, WORDS_FILE
from ..errors import IndexLockedError, UntrustedIndexError
from . import signing
from .toc import schema_of, segments_of
from .unpickling import load_data, load_structure
from .whoosh_private import CheckedIndex, read_toc

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: Whoosh's own msvcrt lock is used instead
    fcntl = None  # type: ignore[assignment]  # None stands for the module Windows lacks

MANIFEST = "searchlib.json"
FORMAT_NAME = "searchlib-index"
INDEX_NAME = "MAIN"
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"

_TOC_RE = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
_TEMP_TOC_RE = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc\.[0-9.]+$")
_SEGMENT_RE = re.compile(rf"^{INDEX_NAME}_[0-9a-z]+\.[A-Za-z0-9_.]+$")
_TEMP_DIR = f"{INDEX_NAME}.tmp"
#: A writer's scratch folder: ``MAIN.tmp``, or a build's ``MAIN-<n>.tmp`` (a helper's) or ``MAIN-merged.tmp``.
_TEMP_DIR_RE = re.compile(rf"^{INDEX_NAME}(?:-[0-9a-z]+)?\.tmp$")
_MANIFEST_TMP_RE = re.compile(rf"^{re.escape(MANIFEST)}\.tmp(?:-\d+)?$")
#: The stem table and word list (searchlib/analysis/stemtable.py) and their temporary files.
_STEMS_RE = re.compile(rf"^(?:{re.escape(TABLE_FILE)}|{re.escape(WORDS_FILE)})(?:\.tmp-\d+)?$")


# -- manifest ----------------------------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the index folder ``path`` as a dict; empty when it is missing or not a JSON object."""
    try:
        data = orjson.loads((Path(path) / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def update_manifest(path: Path, **changes: Any) -> dict[str, Any]:
    """Write the manifest with ``changes`` applied (a value of None removes the key), atomically and durably.

    Called with the write lock held, or on a new index no other process sees yet.
    """
    from .. import __version__

    path = Path(path)
    manifest = read_manifest(path)
    manifest["searchlib_version"] = __version__
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    tmp = path / f"{MANIFEST}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path / MANIFEST)
    except BaseException:
        _remove(tmp)  # a full disk: the manifest stays as it was, and no part-written copy takes space
        raise
    _fsync_dir(path)
    return manifest


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms that cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the lock -----------------------------------------------------------------------------------------------------


def _process_start(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot (Linux), so a reused pid is not mistaken."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):  # pragma: no cover
        return None


def _alive(holder: dict[str, Any]) -> bool | None:
    """Whether the recorded holder is running: True, False, or None when it is on another host."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if holder.get("host") != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    except OSError:  # pragma: no cover
        return False
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # exited, not yet reaped by its parent
    except (OSError, IndexError):
        pass
    start = _process_start(pid)
    return not (start is not None and holder.get("start") is not None and start != holder.get("start"))


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "another process"
    return f"process {holder.get('pid')} on {holder.get('host')} (since {holder.get('since')})"


def lock_holder(path: Path) -> dict[str, Any]:
    """Who holds (or last held) the write lock of the index at ``path``: pid, host, start, since; {} if nobody."""
    try:
        data = orjson.loads((Path(path) / LOCK_FILE).read_bytes() or b"{}")
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def locked_error(path: Path | None, timeout: float) -> IndexLockedError:
    """The error for a writer that waited ``timeout`` seconds for the lock of ``path`` in vain."""
    holder = lock_holder(path) if path is not None else {}
    return IndexLockedError(
        f"{path} is being written by {_describe(holder)}; waited {timeout:g}s for it to finish",
        holder=holder,
    )


class WriteLock:
    """The index's write lock: an ``flock`` on ``MAIN_WRITELOCK``, with the holder written inside.

    ``acquire()`` never blocks (Whoosh retries it until its timeout). A lock file naming a holder that is no
    longer running (the kernel has released its ``flock``) is a stale lock: it is taken over, with a warning,
    and the temporary files the dead writer left are removed. A lock file naming a live process on this host
    is respected even when ``flock`` does not say so (a filesystem without working ``flock``).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.fd: int | None = None
        self.stale: dict[str, Any] = {}

    def acquire(self, blocking: bool = False) -> bool:
        if self.fd is not None:
            return False
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        holder = _read_fd(fd)
        if holder and holder.get("pid") != os.getpid() and _alive(holder) is True:
            os.close(fd)  # closing releases our flock
            return False
        # A record of this process's own is one a writer of it could not clear when it failed: not stale.
        own = holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname()
        self.stale = holder if holder.get("pid") and not own else {}
        mine = {"pid": os.getpid(), "host": socket.gethostname(), "start": _process_start(os.getpid())}
        mine["since"] = _now()
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, orjson.dumps(mine), 0)
            os.fsync(fd)
        except BaseException:  # a full disk: not taken, and not held either
            with suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)
            raise
        self.fd = fd
        if self.stale:
            warnings.warn(
                f"{self.folder}: cleared a stale write lock left by {_describe(self.stale)}, which is no longer "
                "running; papers it had not committed were not saved",
                stacklevel=4,
            )
        try:
            recover(self.folder)
        except BaseException:
            self.release()
            raise
        return True

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            with suppress(OSError):  # the holder's record is cleared if it can be; closing releases the lock
                os.ftruncate(fd, 0)
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __del__(self) -> None:
        self.release()


def _read_fd(fd: int) -> dict[str, Any]:
    data = os.pread(fd, 4096, 0)
    try:
        holder = orjson.loads(data) if data.strip() else {}
    except orjson.JSONDecodeError:
        return {"pid": -1}  # unreadable: whoever wrote it is gone (a live holder's file is always whole)
    return holder if isinstance(holder, dict) else {"pid": -1}


def recover(folder: Path) -> None:
    """Remove what a dead writer left: temporary TOCs, its temporary folder, a pending manifest entry.

    Called with the write lock held. Segment files no generation uses are removed by Whoosh at the next commit.
    """
    for name in os.listdir(folder):
        if _TEMP_TOC_RE.match(name) or (_MANIFEST_TMP_RE.match(name) and name != f"{MANIFEST}.tmp-{os.getpid()}"):
            _remove(folder / name)
    shutil.rmtree(folder / _TEMP_DIR, ignore_errors=True)
    manifest = read_manifest(folder)
    pending = manifest.get("pending")
    if isinstance(pending, dict) and manifest.get("format") == FORMAT_NAME:
        gen = latest_generation(folder)
        toc = (pending.get("files") or {}).get(toc_name(gen)) or {}
        if gen == pending.get("generation") and _sha256(folder / toc_name(gen)) == toc.get("sha256"):
            update_manifest(folder, **signing.record_fields(pending), pending=None)
        else:
            update_manifest(folder, pending=None)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# -- the storage --------------------------------------------------------------------------------------------------


#: How much :meth:`_View.peek` returns: enough for the pickles read while searching, little to copy.
_PEEK_BYTES = 256


class _View(threading.local):
    """A read-only file over a memory view: reading takes slices of the mapped file, nothing is copied.

    Each thread has its own position in it (a ``threading.local``), so threads sharing an open index read
    their own places: one thread's seek never moves another's read.
    """

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(self._pos + size, len(self._buf))
        out = bytes(self._buf[self._pos : end])
        self._pos = max(self._pos, end)
        return out

    def peek(self, size: int = 0) -> bytes:
        """Some of what the next reads would return, without moving: pickle reads ahead with it (one call, not
        dozens). It asks for 128 KiB each time and takes less; a postings block's header is about 40 bytes."""
        return bytes(self._buf[self._pos : self._pos + _PEEK_BYTES])

    def readline(self) -> bytes:
        end = self._pos
        while end < len(self._buf):
            chunk = bytes(self._buf[end : end + 4096])
            found = chunk.find(b"\n")
            if found >= 0:
                return self.read(end + found + 1 - self._pos)
            end += len(chunk)
        return self.read()

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        self._pos = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos}.get(whence, len(self._buf)) + pos
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


class _MappedFile(BufferFile):
    """Whoosh's ``BufferFile`` without its copy: Whoosh reads a memory-mapped segment through ``BytesIO``, which
    copies every part it opens (the postings, the terms) into memory, 2.5 GB for a 200,000-paper index."""

    def __init__(
        self, buf: memoryview, name: str | None = None, onclose: Any = None, structure: bool = False
    ) -> None:
        StructFile.__init__(self, _View(buf), name=name, onclose=onclose)  # not BufferFile's, which copies
        #: The mapped bytes, which :mod:`.postings` also reads directly.
        self.view = buf
        self.label = name
        self.structure = structure  # a TOC, whose pickles are a schema and segments; else a segment file's data

    def get(self, position: int, length: int) -> bytes:
        return bytes(self.view[position : position + length])

    def read_pickle(self) -> Any:
        """The next pickle, read with the unpickler for what this file holds (:mod:`.unpickling`)."""
        return load_structure(self.file) if self.structure else load_data(self.file)

    def subset(self, position: int, length: int, name: str | None = None) -> _MappedFile:
        return _MappedFile(self.view[position : position + length], name=name or self.label)


class SafeFileStorage(FileStorage):
    """A Whoosh ``FileStorage`` whose commits are durable and recorded in the manifest, and whose lock names
    its holder. Open or create indexes with it: ``SafeFileStorage(path).open_index()``.

    Files are read through memory maps without copying them (Whoosh's own compound-file reader copies).
    """

    def __init__(self, path: str, readonly: bool = False) -> None:
        # Whoosh then opens a segment's parts as subsets of the file this storage opens, which is mapped.
        super().__init__(path, supports_mmap=False, readonly=readonly)

    def open_file(self, name: str, **kwargs: Any) -> Any:
        """A file of the index to read: a TOC (read whole, and only once trusted: :meth:`check_toc`) or a
        segment file (mapped); nothing else, and nothing outside the folder."""
        if not (_TOC_RE.match(name) or _SEGMENT_RE.match(name)) or _outside(name):
            raise UntrustedIndexError(f"{self.folder}: asked to read {name!r}, no file of an index", self.folder)
        with open(os.path.join(self.folder, name), "rb") as f:
            if _TOC_RE.match(name):
                data = f.read()  # a copy: what is checked is what Whoosh reads
                self.check_toc(name, data)
                return _MappedFile(memoryview(data), name=name, structure=True, **kwargs)
            try:
                mapped: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):  # an empty file cannot be mapped, nor a file on some filesystems
                mapped = f.read()
        return _MappedFile(memoryview(mapped), name=name, **kwargs)

    def check_toc(self, name: str, data: bytes, full: bool = False) -> None:
        """Refuse the TOC ``name`` (its bytes ``data``) unless this user signed its generation, nothing signed
        with it has changed size (``full``: nor content), the folder holds nothing searchlib does not write and
        its segments are searchlib's. A generation a commit has just replaced raises ``FileNotFoundError``:
        :func:`retrying` then opens the newest."""
        folder = Path(self.folder)
        gen = int(name[len(INDEX_NAME) + 2 : -len(".toc")])
        try:
            check_names(folder)
            record = signing.signed_record(read_manifest(folder), gen)
            problem = signing.problem(folder, record, name, data, full=full)
        except FileNotFoundError:
            problem = "a file went missing"
        if not problem:
            segments_of(data, folder / name, INDEX_NAME)
            return
        if latest_generation(folder) > gen:
            raise FileNotFoundError(errno.ENOENT, "a newer commit replaced it", str(folder / name))
        raise signing.untrusted(folder, problem)

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        _refuse_outside(self.folder, name)
        return super().create_file(name, *args, **kwargs)

    def delete_file(self, name: str) -> None:
        _refuse_outside(self.folder, name)
        super().delete_file(name)

    def read_schema(self) -> Any:
        """The newest TOC's schema, read with the restricted unpickler (:mod:`.unpickling`); None if none."""
        gen = latest_generation(Path(self.folder))
        if gen < 0:
            return None
        toc = self.open_file(toc_name(gen))
        return schema_of(bytes(toc.view), Path(self.folder) / toc_name(gen))

    def read_toc(self, indexname: str) -> Any:
        """Whoosh's TOC of the newest generation, with :meth:`read_schema`'s schema; tried again when a commit
        replaces it meanwhile (:func:`retrying`)."""
        return retrying(lambda: read_toc(self, indexname, self.read_schema()))

    def open_index(self, indexname: str = INDEX_NAME, schema: Any = None, indexclass: Any = None) -> Any:
        """Whoosh's ``open_index``, each schema read with the restricted unpickler (:class:`.CheckedIndex`), so
        that Whoosh never unpickles one."""
        if schema is None and indexname == INDEX_NAME:
            schema, indexclass = self.read_schema(), CheckedIndex
            if schema is None:
                raise UntrustedIndexError(f"{self.folder} has a {MANIFEST} but no index files; rebuild it")
        return super().open_index(indexname, schema=schema, indexclass=indexclass)

    def lock(self, name: str) -> WriteLock | LockBase:
        if name == LOCK_FILE and fcntl is not None:
            return WriteLock(Path(self.folder))
        return super().lock(name)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        _refuse_outside(self.folder, oldname)
        _refuse_outside(self.folder, newname)
        m = _TOC_RE.match(newname)
        if not m:
            super().rename_file(oldname, newname, safe)
            return
        folder = Path(self.folder)
        for name in os.listdir(folder):
            if _SEGMENT_RE.match(name):
                _fsync_file(folder / name)
        temp = folder / oldname
        _fsync_file(temp)
        record = _signed_record(folder, temp.read_bytes(), newname, int(m.group(1)))
        update_manifest(folder, pending=record)
        super().rename_file(oldname, newname, safe)  # the commit
        _fsync_dir(folder)
        try:
            update_manifest(folder, **signing.record_fields(record), pending=None, last_change=_now())
        except OSError as exc:  # the pending entry names this commit: the next writer records it (recover)
            if read_manifest(folder).get("format") != FORMAT_NAME:
                raise  # a build's: it is committed when moved into place, so it fails whole
            warnings.warn(
                f"{folder}: the papers are committed, but {MANIFEST} could not be updated ({exc.strerror}); "
                "the next writer updates it",
                stacklevel=2,
            )


def toc_name(gen: int) -> str:
    return f"_{INDEX_NAME}_{gen}.toc"


def latest_generation(folder: Path) -> int:
    gens = [int(m.group(1)) for name in os.listdir(folder) if (m := _TOC_RE.match(name))]
    return max(gens, default=-1)


T = TypeVar("T")


def retrying(fn: Callable[[], T], attempts: int = 20, patience: float = 10.0) -> T:
    """``fn()``, tried again when a commit deleted the files of the generation it was opening.

    A reader lists the newest TOC and then opens its segment files; a commit landing in between may remove
    them. Reading the newest TOC again then gives a whole, newer generation. A writer committing faster than a
    busy machine lets a reader open its files can win many times in a row: as long as each try misses another
    file (newer generations), trying goes on for up to ``patience`` seconds; a file missing try after try is
    really gone, and ``attempts`` tries are enough to say so.
    """
    deadline = time.monotonic() + patience
    same = 0
    missed = None
    while True:
        try:
            return fn()
        except FileNotFoundError as exc:
            same = same + 1 if exc.filename == missed else 1
            missed = exc.filename
            if same >= attempts or time.monotonic() >= deadline:
                raise
            time.sleep(0.005 * same)


# -- a generation's signed record, and the checks before anything is unpickled --------------------------------


def _signed_record(folder: Path, data: bytes, toc: str, gen: int) -> dict[str, Any]:
    """The signed record of generation ``gen``, whose TOC ``toc`` holds ``data``: the TOC and its segments' files.
    Files of the committed generation's record keep their hashes (when this user signed it): segment files never
    change, so a commit hashes only the files it wrote."""
    names = generation_files(folder, data, toc)
    manifest = read_manifest(folder)
    committed = signing.signed_record(manifest, manifest.get("generation", -1))
    known = committed["files"] if committed is not None and signing.signed_by_me(committed) else {}
    files = signing.files_record(folder, names, known)
    files[toc] = signing.entry(data)
    return signing.sign({"generation": gen, "files": files})


def generation_files(folder: Path, data: bytes, toc: str) -> list[str]:
    """The files of the segments the TOC ``toc`` lists (its bytes ``data``)."""
    ids = {f"{INDEX_NAME}_{segment.segid}" for segment in segments_of(data, folder / toc, INDEX_NAME)}
    return [name for name in os.listdir(folder) if _SEGMENT_RE.match(name) and name.split(".", 1)[0] in ids]


def _outside(name: str) -> bool:
    """Whether ``name`` is anything but the name of a file in the folder itself (a path, '..', nothing)."""
    return name in ("", ".", "..") or any(c in name for c in "/\\\0\n")


def _refuse_outside(folder: str, name: str) -> None:
    if _outside(name):
        raise UntrustedIndexError(f"{folder}: refusing {name!r}, which is not a file of the folder itself", folder)


def check_names(folder: Path) -> None:
    """Refuse a folder holding a link, or anything that neither searchlib nor Whoosh writes."""
    for entry in os.scandir(folder):
        name = entry.name
        if entry.is_symlink():
            raise UntrustedIndexError(f"{folder} holds a link, {name!r}; searchlib writes no links", str(folder))
        if _TEMP_DIR_RE.match(name) and entry.is_dir(follow_symlinks=False):
            continue
        known = (
            name in (MANIFEST, LOCK_FILE)
            or _TOC_RE.match(name)
            or _TEMP_TOC_RE.match(name)
            or _SEGMENT_RE.match(name)
            or _MANIFEST_TMP_RE.match(name)
            or _STEMS_RE.match(name)
        )
        if not known or not entry.is_file(follow_symlinks=False):
            raise UntrustedIndexError(
                f"{folder} holds {name!r}, which searchlib does not write; it is not an index searchlib built "
                "as it is (remove what you did not put there, or rebuild it)",
                str(folder),
            )
