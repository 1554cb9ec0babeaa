"""Narrowing and summarising a search: year, journal, publication type and language filters, sort orders, and
facet counts.

Facets count papers over the whole match set (every paper the query and filters match), not only the page
of hits returned: ``results.facets("year")`` tells how the 1,200 matches spread over the years even when
only ten are shown.

>>> from searchlib import build_index, bundled_records_path
>>> results = build_index(bundled_records_path()).search("safety", year=(2020, 2024))
>>> results.facets("year")
{2024: 1}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from ..errors import QueryError
from ..records.sections import CATEGORIES
from . import termwise
from .plan import value_term

#: What ``Results.facets`` can count (``"pt"``, ``"la"`` and ``"mh"`` name the last three too, as in queries).
FACETS: tuple[str, ...] = ("year", "journal", "section", "publication_type", "language", "mesh")
_FACET_ALIASES = {"pt": "publication_type", "la": "language", "mh": "mesh"}
#: Sort orders: by relevance (best first), by date (oldest first) or by date newest first.
SORTS: tuple[str, ...] = ("relevance", "date", "-date")

Year = int | tuple[int | None, int | None] | None


def allowed(
    searcher: Searcher,
    year: Year = None,
    journal: str | Iterable[str] | None = None,
    publication_type: str | Iterable[str] | None = None,
    language: str | Iterable[str] | None = None,
) -> np.ndarray | None:
    """The papers of those years, journals, publication types and languages, as a boolean array over the index;
    None when nothing is filtered.

    ``year`` is one year or an inclusive ``(start, end)`` pair, either end None for open. ``journal`` is one
    name or several; a name matches ignoring case, accents, punctuation and spacing ("bmj quality and safety"
    does not match "BMJ Quality & Safety": use a ``[ta]`` or ``journal:`` query for looser matching).
    ``publication_type`` and ``language`` are one value or several, any of which a paper may have, matched as
    ``[pt]`` and ``[la]`` match them ("review", "eng" or "English").
    """
    keep: np.ndarray | None = None
    cache = termwise.cache_of(searcher)
    if year is not None:
        start, end = _year_bounds(year)
        years = cache.column(searcher, "year")
        keep = years != termwise.NO_YEAR
        if start is not None:
            keep &= years >= start
        if end is not None:
            keep &= years <= end
    wanted = {fold for name in _names("journal", journal) if (fold := _fold(name))}  # a blank name asks nothing
    if wanted:
        names = cache.column(searcher, "journal_name")
        folded = {name: _fold(name) in wanted for name in set(names.tolist())}
        in_journal = np.array([folded[name] for name in names.tolist()], dtype=bool)
        keep = in_journal if keep is None else keep & in_journal
    for field, value in (("publication_type", publication_type), ("language", language)):
        values = [name for name in _names(field, value) if name.strip()]
        if values:
            having = _having(searcher, field, values)
            keep = having if keep is None else keep & having
    return keep


def _having(searcher: Searcher, field: str, values: Iterable[str]) -> np.ndarray:
    """The papers with any of ``values`` in the field of whole values ``field``."""
    cache = termwise.cache_of(searcher)
    having = np.zeros(searcher.doc_count_all(), dtype=bool)
    for value in values:
        found = cache.postings(searcher, field, value_term(field, value).encode("utf-8"))
        if found is not None:
            having[found[0]] = True
    return having


def _year_bounds(year: Year) -> tuple[int | None, int | None]:
    def is_year(y: object) -> bool:
        return isinstance(y, int) and not isinstance(y, bool)

    if is_year(year):
        return year, year  # type: ignore[return-value]  # is_year checked it is an int
    if isinstance(year, (tuple, list)) and len(year) == 2 and all(y is None or is_year(y) for y in year):
        if year[0] is not None and year[1] is not None and year[0] > year[1]:
            raise QueryError(f"year must be a (start, end) range that ends no earlier than it starts, not {year}")
        return year[0], year[1]
    raise QueryError(
        f"year must be a year (2024) or a (start, end) pair of years, either of them None for open, not {year!r}"
    )


def _names(argument: str, value: str | Iterable[str] | None) -> list[str]:
    """The names a filter asks for: none (no filter) for None or an empty list, as a form with nothing ticked
    sends; a :class:`QueryError` for anything but a name or a list of names."""
    if value is None:
        return []
    names = [value] if isinstance(value, str) else value
    if isinstance(names, (bytes, Mapping)) or not isinstance(names, Iterable):
        names = [names]  # type: ignore[list-item]  # reported below
    names = list(names)
    wrong = [name for name in names if not isinstance(name, str)]
    if wrong:
        raise QueryError(f"{argument} must be a name or a list of names (strings), not {wrong[0]!r}")
    return names


def _fold(name: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in name.lower().translate(accent_map)).split())


def check_sort(sort: str) -> str:
    """``sort`` if it is one of :data:`SORTS`; else :class:`QueryError`."""
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    return sort


def order(searcher: Searcher, scores: np.ndarray, limit: int | None, sort: str) -> termwise.Ranking:
    """The papers scoring above 0, best first (``"relevance"``) or by date: oldest first (``"date"``, papers
    without a date last) or newest first (``"-date"``); ties by paper id. Each keeps its score."""
    if sort == "relevance":
        return termwise.rank(scores, limit, searcher)
    matched = np.flatnonzero(scores)
    dates = termwise.cache_of(searcher).column(searcher, "date")[matched]
    rank = np.unique(dates, return_inverse=True)[1].reshape(-1).astype(np.float64)  # dates as numbers, in order
    keys = np.where(dates == "", -np.inf, -rank if sort == "date" else rank)
    chosen = termwise.ordered(keys, matched, limit, searcher)
    return termwise.Ranking([(float(scores[d]), int(d)) for d in chosen], len(matched))


def facet_name(name: str) -> str:
    """The facet ``name`` stands for (``"pt"`` is ``"publication_type"``); :class:`QueryError` if none."""
    found = _FACET_ALIASES.get(name, name) if isinstance(name, str) else None
    if found not in FACETS:
        raise QueryError(f"no facet {name!r}; facets are: {', '.join(FACETS)}")
    return found


def facet_counts(searcher: Searcher, matched: np.ndarray, name: str) -> dict[Any, int]:
    """Papers per value of facet ``name`` among the ``matched`` papers (a boolean array over the index).

    Years come newest first; the others most frequent first (then by name).
    """
    name = facet_name(name)
    if name in ("publication_type", "language", "mesh"):
        return _value_counts(searcher, matched, name)
    docnums = np.flatnonzero(matched).tolist()
    reader = searcher.reader()
    counts: Counter[Any] = Counter()
    if name == "section":
        for field in CATEGORIES:
            counts[field] = sum(1 for n in docnums if reader.doc_field_length(n, field, 0))
        return in_order(name, counts)
    column = termwise.cache_of(searcher).column(searcher, "year" if name == "year" else "journal_name")
    for value in column[docnums].tolist():
        if value not in (termwise.NO_YEAR, "", None):
            counts[value] += 1
    return in_order(name, counts)


def in_order(name: str, counts: Counter[Any]) -> dict[Any, int]:
    """Facet ``name``'s counts as :func:`facet_counts` gives them (a sharded index adds up its shards')."""
    counts = Counter({k: v for k, v in counts.items() if v})
    if name == "section":
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], CATEGORIES.index(kv[0]))))
    if name == "year":
        return dict(sorted(counts.items(), key=lambda kv: -kv[0]))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _value_counts(searcher: Searcher, matched: np.ndarray, name: str) -> dict[str, int]:
    """Matched papers per publication type, language or MeSH heading (as records name them), most first."""
    cache = termwise.cache_of(searcher)
    prefix = f"{name}:"
    counts: Counter[str] = Counter()
    if "facet_values" not in searcher.schema:  # an index built before these fields were kept
        return {}
    for btext in searcher.reader().expand_prefix("facet_values", prefix):
        found = cache.postings(searcher, "facet_values", btext)
        if found is not None and (n := int(np.count_nonzero(matched[found[0]]))):
            text = btext.decode("utf-8") if isinstance(btext, bytes) else str(btext)
            counts[text[len(prefix) :]] += n
    return in_order(name, counts)
