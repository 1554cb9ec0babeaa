"""searchlib's errors: one base class, one subclass per thing that can go wrong.

Catch :class:`SearchlibError` to handle anything searchlib raises on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SearchlibError(Exception):
    """Base class of every error searchlib raises on purpose."""


class LoadError(SearchlibError):
    """A record file could not be read. ``path`` and ``line`` say where (``line`` may be None)."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class QueryError(SearchlibError):
    """A query string could not be understood. The message says what and where."""


class IndexLockedError(SearchlibError):
    """Another writer holds the index's write lock. ``holder`` says who: ``pid``, ``host``, ``since`` ({} if
    unknown)."""

    def __init__(self, message: str, holder: Mapping[str, Any] | None = None) -> None:
        self.holder: dict[str, Any] = dict(holder or {})
        super().__init__(message)


class UntrustedIndexError(SearchlibError):
    """An index folder is not one this user's searchlib signed: built by someone else, on another machine or
    with another key, or changed since it was signed. ``path`` is the folder. Trust it with
    ``open_index(path, trust=True)`` or ``searchlib trust PATH`` if you trust where it came from; rebuild it if
    not."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)
