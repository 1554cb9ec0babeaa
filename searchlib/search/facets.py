"""Narrowing and summarising a search: year and journal filters, sort orders, and facet counts.

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
from collections.abc import Iterable
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from ..errors import QueryError
from ..records.sections import CATEGORIES

#: What ``Results.facets`` can count.
FACETS: tuple[str, ...] = ("year", "journal", "section")
#: Sort orders: by relevance (best first), by date (oldest first) or by date newest first.
SORTS: tuple[str, ...] = ("relevance", "date", "-date")

Year = int | tuple[int | None, int | None] | None
_NOTHING = wq.Term("id", "\x00")  # matches no paper (an empty Or would mean "no filter")


def filter_query(
    searcher: Searcher, year: Year = None, journal: str | Iterable[str] | None = None
) -> wq.Query | None:
    """The Whoosh query that keeps only papers of those years and journals; None when nothing is filtered.

    ``year`` is one year or an inclusive ``(start, end)`` pair, either end None for open. ``journal`` is one
    name or several; a name matches ignoring case, accents, punctuation and spacing ("bmj quality and safety"
    does not match "BMJ Quality & Safety": use a ``[ta]`` or ``journal:`` query for looser matching).
    """
    parts: list[wq.Query] = []
    if year is not None:
        start, end = _year_bounds(year)
        # The years the index holds, as exact terms: Whoosh 2.7's NumericRange on a 16-bit field matches
        # every paper for some wide ranges (1000 to 2020), so it is not used here.
        field = searcher.schema["year"]
        held = (field.from_bytes(b) for b in field.sortable_terms(searcher.reader(), "year"))
        years = [y for y in held if (start is None or y >= start) and (end is None or y <= end)]
        parts.append(wq.Or([wq.Term("year", y) for y in years]) if years else _NOTHING)
    if journal is not None:
        wanted = {_fold(journal)} if isinstance(journal, str) else {_fold(j) for j in journal}
        names = [name for name in searcher.reader().field_terms("journal_name") if _fold(name) in wanted]
        parts.append(wq.Or([wq.Term("journal_name", n) for n in names]) if names else _NOTHING)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _year_bounds(year: Year) -> tuple[int | None, int | None]:
    if isinstance(year, int) and not isinstance(year, bool):
        return year, year
    if isinstance(year, (tuple, list)) and len(year) == 2 and all(y is None or isinstance(y, int) for y in year):
        if year[0] is not None and year[1] is not None and year[0] > year[1]:
            raise QueryError(f"year range {year[0]}-{year[1]} ends before it starts")
        return year[0], year[1]
    raise QueryError(f"year must be a year or a (start, end) pair, not {year!r}")


def _fold(name: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in name.lower().translate(accent_map)).split())


def sort_arguments(sort: str) -> dict[str, Any]:
    """Whoosh ``search()`` arguments for a sort order (``{}`` for relevance)."""
    if sort == "relevance":
        return {}
    if sort in ("date", "-date"):
        return {"sortedby": "date", "reverse": sort == "-date"}
    raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")


def facet_counts(searcher: Searcher, q: wq.Query, filt: wq.Query | None, name: str) -> dict[Any, int]:
    """Papers per value of facet ``name`` among all papers matching ``q`` and ``filt``.

    Years come newest first; journals and sections most frequent first (then by name).
    """
    if name not in FACETS:
        raise QueryError(f"no facet {name!r}; facets are: {', '.join(FACETS)}")
    docnums = list(searcher.docs_for_query(wq.And([q, filt]) if filt is not None else q))
    reader = searcher.reader()
    counts: Counter[Any] = Counter()
    if name == "section":
        for field in CATEGORIES:
            counts[field] = sum(1 for n in docnums if reader.doc_field_length(n, field, 0))
        counts = Counter({k: v for k, v in counts.items() if v})
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], CATEGORIES.index(kv[0]))))
    column = reader.column_reader("year" if name == "year" else "journal_name")
    for n in docnums:
        value = column[n]
        if value not in (None, "", b""):
            counts[value] += 1
    if name == "year":
        return dict(sorted(counts.items(), key=lambda kv: -kv[0]))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
