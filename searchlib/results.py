"""Search results: :class:`Results`, a ranked sequence of :class:`Hit`, readable at a REPL.

Highlights are made only when asked for (``hit.highlights``), since most hits on a page are never read.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import Any, TypeVar, cast, overload
from urllib.parse import quote

import orjson
from whoosh.reading import ReaderClosed

from .errors import QueryError, SearchlibError
from .progress import counted
from .records import export
from .records.record import Record
from .records.sections import Section
from .search.facets import FACETS
from .search.highlight import MARK_END, MARK_START

__all__ = ["Hit", "Results"]


class Hit:
    """One paper in the results: where it ranked, its score and its record.

    ``highlights`` maps each field that matched (``"title"``, ``"abstract"``, ``"methods"``, ...) to a snippet
    with the matched words marked ``**like this**``.
    """

    __slots__ = ("rank", "score", "_record", "_id", "_highlighter", "__dict__")

    def __init__(
        self,
        rank: int,
        score: float,
        record: Record | Callable[[], Record],
        highlighter: Callable[[], dict[str, str]] | None = None,
        id: str | None = None,  # noqa: A002 (the hit's id, known before its record is read)
    ) -> None:
        self.rank = rank
        self.score = score
        self._record = record
        self._id = id
        self._highlighter = highlighter

    @property
    def record(self) -> Record:
        """The paper; read from the index the first time it is asked for (``record`` may be a loader)."""
        if not isinstance(self._record, Record):
            self._record = _read(self._record)
        return self._record

    @property
    def id(self) -> str:
        return self._id if self._id is not None else self.record.id

    @property
    def doi(self) -> str | None:
        return self.record.doi

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def authors(self) -> tuple[str, ...]:
        return self.record.authors

    @property
    def year(self) -> int | None:
        return self.record.year

    @property
    def journal(self) -> str | None:
        return self.record.journal

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.record.sections

    @cached_property
    def highlights(self) -> dict[str, str]:
        return {f: s.replace(MARK_START, "**").replace(MARK_END, "**") for f, s in self._marked.items()}

    def matched_sections(self) -> list[tuple[Section, str]]:
        """The abstract's sections that the query matched, in the abstract's order, each with its snippet.

        >>> from searchlib import build_index, bundled_records_path
        >>> hit = build_index(bundled_records_path()).search("methods:interviews")[0]
        >>> [(section.label, section.category) for section, snippet in hit.matched_sections()]
        [('Methods', 'methods')]
        """
        marked = self.highlights
        found: dict[str, tuple[Section, str]] = {}
        for section in self.sections:
            if section.category in marked and section.category not in found:
                found[section.category] = (section, marked[section.category])
        return list(found.values())

    @cached_property
    def _marked(self) -> dict[str, str]:
        """Snippets with matches between :data:`MARK_START` and :data:`MARK_END`, never confused with text."""
        return _read(self._highlighter) if self._highlighter else {}

    def to_dict(self, highlights: bool = True) -> dict[str, Any]:
        """The hit as JSON-ready data: ``rank``, ``score``, the paper as :meth:`Record.to_dict` gives it (so
        :func:`searchlib.load_records` reads a line of them back), and ``highlights``.

        >>> from searchlib import build_index, bundled_records_path
        >>> hit = build_index(bundled_records_path()).search("methods:interviews")[0]
        >>> list(hit.to_dict())[:4], list(hit.to_dict()["highlights"])
        (['rank', 'score', 'id', 'doi'], ['methods'])
        """
        d = {"rank": self.rank, "score": round(self.score, 4), **self.record.to_dict()}
        if highlights:
            d["highlights"] = self.highlights
        return d

    def __repr__(self) -> str:
        first = self.authors[0] if self.authors else "-"
        return f"<Hit {self.rank}: {self.score:.2f} {self.year or '-'} {first} — {_clip(self.title, 70)}>"


class Results(Sequence[Hit]):
    """The hits of one search, best first. ``total`` counts every matching paper, not only those returned."""

    def __init__(
        self,
        query: str,
        parsed: str,
        hits: list[Hit],
        total: int | Callable[[], int],
        *,
        suggestion: str | None | Callable[[], str | None] = None,
        facet_counter: Callable[[str], dict[Any, int]] | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.query = query
        self.parsed = parsed
        self.hits = hits
        #: What the user should know about how the query was read ("'or' was searched as a word; ...").
        self.warnings = warnings
        # Counting every match and looking for a spelling suggestion cost more than finding the top hits, so
        # either may be a function, called the first time the figure is read.
        self._total = total
        self._suggestion = suggestion
        self._facet_counter = facet_counter
        self._facets: dict[str, dict[Any, int]] = {}

    @property
    def total(self) -> int:
        """How many papers match, not only those returned."""
        if callable(self._total):
            self._total = _read(self._total)
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value

    @property
    def suggestion(self) -> str | None:
        """A corrected query that finds more, when this one matched little because of a misspelling."""
        if callable(self._suggestion):
            self._suggestion = _read(self._suggestion)
        return self._suggestion

    @suggestion.setter
    def suggestion(self, value: str | None) -> None:
        self._suggestion = value

    def facets(self, name: str) -> dict[Any, int]:
        """Papers per ``"year"``, ``"journal"`` or ``"section"`` over every match, not only the hits shown.

        >>> from searchlib import build_index, bundled_records_path
        >>> build_index(bundled_records_path()).search("safety", limit=1).facets("year")
        {2025: 1, 2024: 1}
        """
        if not isinstance(name, str):
            raise QueryError(f"a facet is named by a string ({', '.join(map(repr, FACETS))}), not {name!r}")
        if name not in self._facets:
            if self._facet_counter is None:
                raise SearchlibError("these results were not made by Index.search, so they carry no facets")
            self._facets[name] = _read(lambda: self._facet_counter(name))  # type: ignore[misc]  # checked above
        return self._facets[name]

    @overload
    def __getitem__(self, i: int) -> Hit: ...
    @overload
    def __getitem__(self, i: slice) -> list[Hit]: ...
    def __getitem__(self, i: int | slice) -> Hit | list[Hit]:
        return self.hits[i]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __repr__(self) -> str:
        return self.table()

    def records(self) -> list[Record]:
        """The hits' records, best first."""
        return [h.record for h in self.hits]

    def to_ris(self) -> str:
        """The hits as RIS, for Zotero, EndNote, Mendeley or Rayyan (see :mod:`searchlib.records.export`)."""
        return export.to_ris(self.records())

    def to_bibtex(self) -> str:
        """The hits as BibTeX ``@article`` entries."""
        return export.to_bibtex(self.records())

    def to_csv(self) -> str:
        """The hits as CSV: rank, score, the paper's fields and one column per section category."""
        return export.to_csv(self.records(), [{"rank": h.rank, "score": round(h.score, 4)} for h in self.hits])

    def to_jsonl(self, highlights: bool = False) -> str:
        """A JSON object a line per hit (:meth:`Hit.to_dict`), which :func:`searchlib.load_records` reads back."""
        return "".join(orjson.dumps(h.to_dict(highlights)).decode() + "\n" for h in self.hits)

    def _repr_html_(self) -> str:
        """The results as an HTML table, for notebooks: matched words marked, every record value escaped."""
        return results_html(self)

    def table(self, width: int = 100) -> str:
        """The results as a compact text table: rank, score, year, first author, title, and the paper's DOI (or,
        without one, its other id: ``pmid:...``), what :meth:`Index.get` and ``searchlib show`` take."""
        head = _matches_head(self.total, repr(self.query))
        if len(self.hits) < self.total:
            head += f" (showing {len(self.hits)})"
        if not self.hits:
            return head
        author_w = 20
        id_w = max(len(h.id) for h in self.hits)
        title_w = max(20, width - 19 - (author_w + 2) - (id_w + 2))
        lines = [
            head,
            f"{'#':>3}  {'score':>6}  {'year':4}  {'first author':{author_w}}  {'title':{title_w}}  doi or id",
        ]
        for h in self.hits:
            first = h.authors[0] if h.authors else "-"
            lines.append(
                f"{h.rank:>3}  {h.score:6.2f}  {h.year or '-':4}  {_clip(first, author_w):{author_w}}  "
                f"{_clip(h.title, title_w):{title_w}}  {h.id}"
            )
        return terminal_text("\n".join(lines))


T = TypeVar("T")


def _read(load: Callable[[], T]) -> T:
    """What ``load`` reads from the index (results read lazily), or a :class:`SearchlibError` saying the index
    was closed meanwhile."""
    try:
        return load()
    except ReaderClosed:
        raise SearchlibError(
            "the index these results came from was closed; read them before closing it (or leaving its with "
            "block), or search again"
        ) from None


M = TypeVar("M", bound=Callable[..., Any])


def read_again_if_closed(method: M) -> M:
    """``method`` of an index run once more when another thread's ``close()`` closed the searcher it was reading
    (the index opens a new one; a closed index is still usable), and a :class:`SearchlibError` if it happens again.
    """

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ReaderClosed:
            pass
        try:
            return method(*args, **kwargs)
        except ReaderClosed:
            raise SearchlibError(
                "the index was closed twice while this search read it; search again once nothing is closing it"
            ) from None

    return cast(M, run)


def _matches_head(total: int, query: str) -> str:
    return f"{counted(total, 'paper')} {'matches' if total == 1 else 'match'} {query}"


def _html_snippet(snippet: str) -> str:
    """An escaped snippet whose matches become ``<mark>``: the text is escaped first, so only marks are markup."""
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def results_html(results: Results) -> str:
    """A compact HTML table of ``results``; every value that comes from a record is escaped."""
    e = html.escape
    head = _matches_head(results.total, f"<code>{e(results.query)}</code>")
    if len(results.hits) < results.total:
        head += f" (showing {len(results.hits)})"
    if results.suggestion:
        head += f" &middot; did you mean <code>{e(results.suggestion)}</code>?"
    rows = []
    for h in results.hits:
        authors = ", ".join(h.authors[:3]) + (" et al." if len(h.authors) > 3 else "")
        title = e(h.title)
        if h.doi:
            title = f'<a href="https://doi.org/{e(quote(h.doi, safe="/:;()._-<>"))}">{title}</a>'
        marks = h._marked
        field = next((f for f in marks if f != "title"), None)
        snippet = f"<small><b>{e(field)}</b>: {_html_snippet(marks[field])}</small>" if field else ""
        rows.append(
            f"<tr><td>{h.rank}</td><td>{h.score:.2f}</td><td>{e(str(h.year or ''))}</td>"
            f"<td>{e(authors)}</td><td>{title}<br>{snippet}</td><td>{e(h.journal or '')}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>#</th><th>score</th><th>year</th><th>authors</th><th>title</th>"
        "<th>journal</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return f"<div><p>{head}</p>{table if rows else ''}</div>"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


#: Characters a terminal obeys rather than shows: controls (ESC starts sequences that clear the screen or retitle
#: the window) and the bidirectional overrides that make text read other than it is stored.
_UNSHOWN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """``text`` with every character a terminal would act on shown as ``?``: records come from files of others."""
    return _UNSHOWN.sub("?", text)
