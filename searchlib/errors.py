"""searchlib's errors: one base class, one subclass per thing that can go wrong, and the checks that raise them.

Catch :class:`SearchlibError` to handle anything searchlib raises on purpose.
"""

from __future__ import annotations

import math
import operator
import os
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


class ArgumentError(SearchlibError, ValueError):
    """An argument is not one searchlib takes (``procs=0``, ``errors="ignore"``); the message says what is.

    Also a ``ValueError``, as Python's own functions raise for a value they do not take.
    """


class QueryError(ArgumentError):
    """A query string, or another argument of a search, could not be understood. The message says what and
    where."""


class IndexLockedError(SearchlibError):
    """Another writer holds the index's write lock. ``holder`` says who: ``pid``, ``host``, ``since`` ({} if
    unknown)."""

    def __init__(self, message: str, holder: Mapping[str, Any] | None = None) -> None:
        self.holder: dict[str, Any] = dict(holder or {})
        super().__init__(message)


class StorageError(SearchlibError):
    """The file system refused a write: no space left, no permission, a read-only folder. ``path`` is the folder
    written to and ``errno`` the system's error number; nothing was half written."""

    def __init__(self, message: str, path: str | None = None, errno: int | None = None) -> None:
        self.path = path
        self.errno = errno
        super().__init__(message)


class ModelMissingError(SearchlibError):
    """Ranking by meaning (``meaning=True``) needs a language model that is not installed, or whose files cannot
    be read; the message says how to install it."""


class UntrustedIndexError(SearchlibError):
    """An index folder is not one this user's searchlib signed: built by someone else, on another machine or
    with another key, or changed since it was signed. ``path`` is the folder. Trust it with
    ``open_index(path, trust=True)`` or ``searchlib trust PATH`` if you trust where it came from; rebuild it if
    not."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


# -- checks of arguments: each raises ``error`` (ArgumentError or QueryError) saying what is allowed -----------


def check_choice(
    name: str, value: object, choices: tuple[Any, ...], error: type[ArgumentError] = ArgumentError
) -> None:
    """``value`` must be one of ``choices`` (compared by type as well, so ``1`` is not ``True``)."""
    if not any(value is c or (type(value) is type(c) and value == c) for c in choices):
        allowed = ", ".join(repr(c) for c in choices)
        raise error(f"{name} must be one of {allowed}, not {value!r}")


def check_count(
    name: str, value: object, *, minimum: int = 1, none: str = "", error: type[ArgumentError] = ArgumentError
) -> None:
    """``value`` must be a whole number of at least ``minimum`` (never a bool, a float or a string), or None,
    which ``none`` explains ("for every match")."""
    if value is None:
        return
    try:
        whole = not isinstance(value, bool) and operator.index(value) >= minimum  # type: ignore[arg-type]  # any value: what is not whole raises, below
    except TypeError:
        whole = False
    if not whole:
        raise error(
            f"{name} must be a whole number of {minimum} or more, or None{' ' + none if none else ''}, "
            f"not {value!r}"
        )


def check_flag(
    name: str, value: object, *, none: bool = False, error: type[ArgumentError] = ArgumentError
) -> None:
    """``value`` must be True or False (or None if ``none``): a string such as ``"no"`` is not read as either."""
    if not (value is True or value is False or (none and value is None)):
        raise error(f"{name} must be {'True, False or None' if none else 'True or False'}, not {value!r}")


def check_seconds(name: str, value: object) -> None:
    """``value`` must be a number of seconds, 0 or more (``math.inf``: wait as long as it takes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
        raise ArgumentError(f"{name} must be a number of seconds, 0 or more, not {value!r}")


def check_path(name: str, value: object) -> None:
    """``value`` must be a path: a string or an ``os.PathLike``."""
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ArgumentError(f"{name} must be a path (a string or a pathlib.Path), not {value!r}")
