"""A parsed query: the tree of what was asked, before anything is looked up in an index.

:func:`searchlib.search.syntax.parse` makes it; :mod:`.plan` turns it into index lookups. Every node has a
``boost`` (``^2`` in a query), 1 unless given.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any, Generic, Literal, TypeVar, Union

from ..errors import QueryError

#: What a combination combines: the nodes of a query's tree, or of a plan (:mod:`.plan`).
T = TypeVar("T")


class _Node:
    def __repr__(self) -> str:
        """The node's fields, those at their defaults left out: ``And((Word('a'), Word('b')))``."""
        shown: list[str] = []
        for i, f in enumerate(fields(self)):  # type: ignore[arg-type]  # every subclass is a dataclass
            value = getattr(self, f.name)
            if f.default is value or f.default == value:
                continue
            shown.append(repr(value) if i == len(shown) and i < 2 else f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


@dataclass(frozen=True, repr=False)
class Word(_Node):
    """One word in ``fields`` (``()``: the default fields). ``quoted``: the word as written, not stemmed.

    A word with ``*`` or ``?`` is a pattern, matched against the words as written in the papers.
    """

    text: str
    fields: tuple[str, ...] = ()
    quoted: bool = False
    boost: float = 1.0

    @property
    def is_pattern(self) -> bool:
        return "*" in self.text or "?" in self.text


@dataclass(frozen=True, repr=False)
class Phrase(_Node):
    """Words in ``fields``, each slot a choice of words (``NEAR`` may join ``(a OR b)``).

    ``distance`` None: next to each other, in order. Otherwise at most ``distance`` other words between
    neighbouring slots, in order only when ``ordered``.
    """

    slots: tuple[tuple[str, ...], ...]
    fields: tuple[str, ...] = ()
    distance: int | None = None
    ordered: bool = True
    boost: float = 1.0


@dataclass(frozen=True, repr=False)
class Range(_Node):
    """Years or ISO dates from ``low`` to ``high`` (either None for open), ends included unless said."""

    field: Literal["year", "date"]
    low: int | str | None
    high: int | str | None
    include_low: bool = True
    include_high: bool = True
    boost: float = 1.0


@dataclass(frozen=True, repr=False)
class And(_Node, Generic[T]):
    parts: tuple[T, ...]
    boost: float = 1.0


@dataclass(frozen=True, repr=False)
class Or(_Node, Generic[T]):
    parts: tuple[T, ...]
    boost: float = 1.0


@dataclass(frozen=True, repr=False)
class AndNot(_Node, Generic[T]):
    """Papers matching ``positive`` and not ``negative``; scored by ``positive``."""

    positive: T
    negative: T
    boost: float = 1.0


@dataclass(frozen=True, repr=False)
class AndMaybe(_Node, Generic[T]):
    """Papers matching ``required``; those matching ``optional`` too score higher."""

    required: T
    optional: T
    boost: float = 1.0


Node = Union[Word, Phrase, Range, "And[Node]", "Or[Node]", "AndNot[Node]", "AndMaybe[Node]"]  # noqa: UP007


@dataclass(frozen=True)
class Query:
    """A parsed query: its tree, the warnings a user should see, and an identifier when the whole query is one.

    ``identifier`` is ``("pmid", "123")`` (or ``pmcid``, ``doi``) when the query is a bare PMID, PMCID, DOI or
    DOI URL: the paper it names is the answer, when the index holds it.
    """

    text: str
    tree: Node
    warnings: tuple[str, ...] = ()
    identifier: tuple[str, str] | None = None


def range_node(name: str, low: object, high: object, include_low: bool, include_high: bool, tok: Any) -> Range:
    """A range, checked to end after it starts (``tok``: the query token it came from, for the message)."""
    last = f"{high}-99-99" if name == "date" else high  # a date range's end covers the days of its month or year
    if low is not None and high is not None and low > last:  # type: ignore[operator]  # both years or both dates
        raise QueryError(f"the {name} range at column {tok.column} ends ({high}) before it starts ({low})")
    return Range(name, low, high, include_low, include_high, tok.boost)  # type: ignore[arg-type]  # as above


def real_date(text: str, tok: Any) -> str:
    """``text`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), refused when no calendar has it (month 13)."""
    year, month, day = ([*map(int, text.split("-"))] + [1, 1])[:3]
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise QueryError(
            f"the date {text} at column {tok.column} does not exist; months run 01 to 12, days to the month's end"
        ) from None
    return text
