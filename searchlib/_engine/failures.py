"""When a write fails: the file system's refusal as one clear error, and nothing left behind.

A full disk, a quota, a folder made read-only or not ours: each :class:`OSError` a writer meets is a
:class:`~searchlib.errors.StorageError` that says what to do (:func:`storage_errors`). A writer that fails before
its commit removes what it wrote and releases the write lock (:func:`abandon`), so the index stays at its last
commit and the next writer, in this process or another, gets the lock at once. A failure after the commit (the
table of contents is renamed into place: :mod:`.storage`) leaves the papers committed; what follows it is
bookkeeping, done as far as it goes, with a warning.

A build killed outright (SIGKILL, a power cut) leaves its staging folder beside the index; the next writer of
that index removes it (:func:`remove_dead_builds`), once the process named in its name no longer runs on this host.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from ..errors import SearchlibError, StorageError
from .storage import _TEMP_TOC_RE, _alive, toc_name

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM}


def storage_error(exc: OSError, folder: str | os.PathLike[str] | None) -> StorageError:
    """``exc``, met writing the index at ``folder`` (None: in memory, its scratch files in the temporary folder),
    as one line that says what to do."""
    where = Path(folder) if folder is not None else Path(exc.filename or tempfile.gettempdir())
    if exc.errno in _NO_SPACE:
        quota = " (disk quota exceeded)" if exc.errno != errno.ENOSPC else ""
        message = f"no space left on {_mount(where)} (writing {where}){quota}; free some space and try again"
    elif exc.errno in _DENIED:
        message = (
            f"permission denied writing {exc.filename or where}; make {where} writable, or use another folder"
        )
    elif exc.errno == errno.EROFS:
        message = f"{where} is on a read-only file system; use a folder you can write to"
    else:
        message = f"cannot write {exc.filename or where}: {exc.strerror or exc}"
    return StorageError(message, str(where), exc.errno)


def _mount(path: Path) -> str:
    """The mount point of the device ``path`` is on, as a user finds it in ``df``."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    with suppress(OSError):
        while not os.path.ismount(path) and path != path.parent:
            path = path.parent
    return str(path)


@contextmanager
def storage_errors(folder: str | os.PathLike[str] | None) -> Iterator[None]:
    """Inside: an :class:`OSError` is raised as a :class:`StorageError` about ``folder``."""
    try:
        yield
    except OSError as exc:
        raise storage_error(exc, folder) from exc


@contextmanager
def reading_errors(folder: Path) -> Iterator[None]:
    """Inside: an :class:`OSError` (a folder not ours to read, a disk failing) is one :class:`SearchlibError`."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or folder
        raise SearchlibError(
            f"cannot read the index at {folder} ({where}: {exc.strerror or exc}); check that you may read it"
        ) from exc


def committed(writer: Any) -> bool:
    """Whether ``writer``'s commit happened: its table of contents is in place (an on-disk index's rename)."""
    folder = getattr(writer.storage, "folder", None)
    return folder is not None and os.path.exists(os.path.join(folder, toc_name(writer.generation)))


def abandon(writer: Any) -> None:
    """Close a failed Whoosh writer and release its lock, removing what it wrote unless its commit happened.

    Never raises an :class:`OSError`: it runs while another error is on its way to the caller.
    """
    done = committed(writer)
    writer.discard_files(segment=not done)
    folder = getattr(writer.storage, "folder", None)
    if folder is not None and not done:
        with suppress(OSError):
            for name in os.listdir(folder):
                if _TEMP_TOC_RE.match(name):
                    with suppress(OSError):
                        os.remove(os.path.join(folder, name))
    if writer.writelock is not None:
        with suppress(Exception):
            writer.writelock.release()
    writer.is_closed = True


def after_commit(what: str, folder: str | os.PathLike[str] | None, exc: OSError) -> None:
    """Warn that ``what`` (a step after a commit, which stands) failed, from the caller of ``add``, ``delete``
    or ``optimize``."""
    warnings.warn(f"the papers are committed, but {what}: {storage_error(exc, folder)}", stacklevel=5)


# -- staging folders of dead builds --------------------------------------------------------------------------


def staging_name(target: Path, kind: str = "building") -> Path:
    """A new staging (``building``) or outgoing (``old``) folder's path beside ``target``, named for this process
    and host, so that a later writer can tell when its process is gone."""
    import time

    host = _safe_host()
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{int(time.time() * 1000)}-{host}"


def _safe_host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "_"


def remove_dead_builds(target: Path) -> None:
    """Remove the staging and outgoing folders beside ``target`` of processes that no longer run on this host."""
    prefix = re.escape(f".{target.name}.")
    pattern = re.compile(rf"^{prefix}(?:building|old)-(\d+)-\d+(?:-([A-Za-z0-9._-]+))?$")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    here = _safe_host()
    for name in names:
        m = pattern.match(name)
        if m is None or (m.group(2) or here) != here:
            continue
        path = target.parent / name
        if path.is_symlink() or not path.is_dir():
            continue
        if _alive({"pid": int(m.group(1)), "host": socket.gethostname()}) is False:
            shutil.rmtree(path, ignore_errors=True)
