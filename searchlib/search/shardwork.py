"""One shard's part in searching a sharded index as one index: Elasticsearch's ``dfs_query_then_fetch``.

BM25 reads three things from the whole collection: how many papers it has (N), how many hold each term (df; for
title and abstract scored together, the papers holding it in either), and each field's average length. A shard
alone knows only its own, and scoring with them would rank a paper differently in each shard. So a search of a
sharded index goes in two steps (:mod:`searchlib.sharded` runs them): every shard first counts what the query's
plan needs (:func:`counts`, :func:`doc_frequencies`, :func:`phrase_matches`), and the sums make one
:class:`CollectionStats`; then every shard scores its papers with those sums (:func:`top`), which gives each paper
exactly the score one index of all the papers gives it, and returns its best papers with their ids, which the
caller merges.

A :class:`CollectionStats` belongs to one state of the shards (a "view"): it grows as searches need more terms, and
each shard keeps its scored postings with it, as one index keeps them with its searcher.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from whoosh.classify import Expander
from whoosh.searching import Searcher

from .._engine.schema import stored_records
from ..errors import SearchlibError
from ..records.record import Record
from . import facets, termwise
from .match import Matcher
from .plan import Exact, Plan, Terms, leaves
from .ranking import TIAB


@dataclass(frozen=True, slots=True)
class Counts:
    """A shard's papers (deleted ones included, as Whoosh counts them) and every scorable field's total length."""

    papers: int
    lengths: dict[str, int]


class MissingStats(SearchlibError):
    """A shard was asked to score with a document frequency, or a phrase's count, that was not gathered: the
    caller gathers ``terms`` and ``phrases`` and asks again."""

    def __init__(self, terms: list[tuple[str, bytes]], phrases: list[Exact]) -> None:
        super().__init__(f"not gathered: {len(terms)} terms, {len(phrases)} phrases")
        self.terms = terms
        self.phrases = phrases


@dataclass(eq=False)
class CollectionStats(termwise.Stats):
    """The whole collection's statistics, summed over the shards, for each shard to score with."""

    papers_: int
    lengths: dict[str, int]
    df: dict[tuple[str, bytes], int] = field(default_factory=dict)
    phrases: dict[Exact, int] = field(default_factory=dict)

    @classmethod
    def of(cls, parts: list[Counts]) -> CollectionStats:
        lengths: Counter[str] = Counter()
        for part in parts:
            lengths.update(part.lengths)
        return cls(sum(part.papers for part in parts), dict(lengths))

    def papers(self, searcher: Searcher) -> int:
        return self.papers_

    def doc_frequency(self, searcher: Searcher, field: str, btext: bytes, here: int | None = None) -> int:
        found = self.df.get((field, btext))
        if found is None:
            raise MissingStats([(field, btext)], [])
        return found

    def average_length(self, searcher: Searcher, field: str) -> float:
        # As Whoosh works it out for one index: the total length over every paper, deleted ones included.
        return self.lengths.get(field, 0) / (self.papers_ or 1)

    def phrase_frequency(self, plan: Any, here: int) -> int:
        found = self.phrases.get(plan)
        if found is None:
            raise MissingStats([], [plan])
        return found

    def missing(self, schema: Any, plan: Plan) -> tuple[list[tuple[str, bytes]], list[Exact]]:
        """The terms and phrases of ``plan`` whose statistics are not gathered yet."""
        terms, phrases = needs(schema, plan)
        return [t for t in terms if t not in self.df], [p for p in phrases if p not in self.phrases]

    def learn(
        self, terms: list[tuple[str, bytes]], dfs: list[int], phrases: list[Exact], found: list[int]
    ) -> None:
        self.df.update(zip(terms, dfs, strict=True))
        self.phrases.update(zip(phrases, found, strict=True))


def needs(schema: Any, plan: Plan) -> tuple[list[tuple[str, bytes]], list[Exact]]:
    """The terms (``(field, bytes)``) whose document frequencies scoring ``plan`` reads, and its phrases and
    proximity searches whose papers are counted (a word with ``*`` or ``?`` scores its weight: nothing read)."""
    terms: dict[tuple[str, bytes], None] = {}
    phrases: dict[Exact, None] = {}

    def add(name: str, text: str) -> None:
        if name == TIAB:  # title and abstract together: their words are analysed alike
            terms[TIAB, schema["abstract"].to_bytes(text)] = None
        elif name in schema and schema[name].scorable:
            try:
                terms[name, schema[name].to_bytes(text)] = None
            except ValueError:
                pass

    for leaf in leaves(plan):
        if type(leaf) is Terms:
            for name, text, _ in leaf.terms:
                add(name, text)
        elif type(leaf) is Exact and not leaf.has_pattern:
            single = leaf.distance is None and len(leaf.slots) == 1 and len(leaf.slots[0]) == 1
            if single and len(leaf.slots[0][0]) == 1 and leaf.region is None:
                add(leaf.field, leaf.slots[0][0][0])  # scored as a term (Matcher.one_word)
            else:
                phrases[leaf] = None
    return list(terms), list(phrases)


# -- what each shard does, on its own searcher ------------------------------------------------------------------


def counts(searcher: Searcher) -> Counts:
    reader = searcher.reader()
    lengths = {name: int(reader.field_length(name)) for name in searcher.schema.scorable_names()}
    return Counts(int(searcher.doc_count_all()), lengths)


def doc_frequencies(searcher: Searcher, terms: list[tuple[str, bytes]]) -> list[int]:
    return [termwise.local_doc_frequency(searcher, name, btext) for name, btext in terms]


def phrase_matches(searcher: Searcher, phrases: list[Exact]) -> list[int]:
    """How many of this shard's papers each phrase matches (its counts kept for the scoring that follows)."""
    matcher = Matcher(searcher)
    # Deleted papers count too, as they do in one index's count of a phrase's papers.
    return [int(np.count_nonzero(matcher.exact_counts(phrase))) for phrase in phrases]


def frequencies(searcher: Searcher, terms: list[tuple[str, str]]) -> list[float]:
    """Each term's occurrences in this shard (:func:`.termwise.frequency`), ``(field, text)``."""
    return [termwise.frequency(searcher, name, text) for name, text in terms]


@dataclass(frozen=True, slots=True)
class Entry:
    """One of a shard's best papers: what merging and a hit need."""

    score: float
    id: str
    date: str
    docnum: int


def scores(
    searcher: Searcher,
    stats: termwise.Stats,
    plan: Plan,
    year: Any,
    journal: Any,
    publication_type: Any,
    language: Any,
    exclude: str | None,
) -> np.ndarray:
    """Every paper's score for ``plan`` with the collection's ``stats``, within the filters, ``exclude`` (a
    paper's id) left out."""
    allowed = facets.allowed(searcher, year, journal, publication_type, language)
    if exclude is not None:
        docnum = searcher.document_number(id=exclude)
        if docnum is not None:
            allowed = np.ones(searcher.doc_count_all(), dtype=bool) if allowed is None else allowed.copy()
            allowed[docnum] = False
    return Matcher(searcher, stats).scores(plan, allowed)


def top(searcher: Searcher, scored: np.ndarray, limit: int | None, sort: str) -> tuple[list[Entry], int]:
    """The shard's best ``limit`` papers in ``sort`` order, and how many matched."""
    ranking = facets.order(searcher, scored, limit, sort)
    cache = termwise.cache_of(searcher)
    docnums = [docnum for _, docnum in ranking.top]
    ids = cache.paper_ids(searcher, docnums)
    dates = (
        cache.column(searcher, "date")[docnums].tolist() if sort != "relevance" and docnums else [""] * len(ids)
    )
    entries = [
        Entry(score, paper, date, docnum)
        for (score, docnum), paper, date in zip(ranking.top, ids, dates, strict=True)
    ]
    return entries, ranking.total


def merge(parts: list[list[tuple[int, Entry]]], limit: int | None, sort: str) -> list[tuple[int, Entry]]:
    """The best ``limit`` of the shards' entries ``(shard, entry)``, in the order one index gives: by score (or
    date, undated last), ties by paper id."""
    entries = [item for part in parts for item in part]
    entries.sort(key=lambda item: item[1].id)
    if sort == "relevance":
        entries.sort(key=lambda item: -item[1].score)
    else:
        entries.sort(key=lambda item: item[1].date, reverse=sort == "-date")
        entries.sort(key=lambda item: item[1].date == "")
    return entries if limit is None else entries[:limit]


def facet_counts(searcher: Searcher, scored: np.ndarray, name: str) -> Counter[Any]:
    return Counter(facets.facet_counts(searcher, scored > 0, name))


def records(searcher: Searcher, docnums: list[int]) -> list[Record]:
    stored = stored_records(searcher)
    return [stored.record(d) for d in docnums]


# -- the collection as a reader, for what reads one ------------------------------------------------------------


class BatchedFrequencies:
    """Feedback's look-ups of words' occurrences in titles and abstracts (:func:`.feedback.expand_with`),
    ``batch`` words at a time, in the order feedback will ask for them: ``lookup`` asks every shard once."""

    def __init__(self, lookup: Callable[[list[tuple[str, str]]], list[float]], batch: int) -> None:
        self._lookup = lookup
        self._batch = batch
        self._order: list[str] = []
        self._at: dict[str, int] = {}
        self._known: dict[str, float] = {}

    def order(self, terms: list[str]) -> None:
        self._order = terms
        self._at = {term: i for i, term in enumerate(terms)}

    def frequency(self, term: str) -> float:
        if term not in self._known:
            start = self._at.get(term)
            batch = [term] if start is None else self._order[start : start + self._batch]
            found = self._lookup([(f, t) for t in batch for f in ("title", "abstract")])
            for i, t in enumerate(batch):
                self._known[t] = found[2 * i] + found[2 * i + 1]
        return self._known[term]


class CollectionReader:
    """The collection as "Did you mean" and "more like this" read a searcher and its reader, every count a sum
    over the shards: ``frequencies`` of ``(field, text)`` terms, ``doc_frequency(field, text)``."""

    def __init__(
        self,
        schema: Any,
        stats: CollectionStats,
        frequencies: Callable[[list[tuple[str, str]]], list[float]],
        doc_frequency: Callable[[str, str], int],
    ) -> None:
        self.schema = schema
        self._stats = stats
        self._frequencies = frequencies
        self.doc_frequency = doc_frequency

    @classmethod
    def of(cls, *args: Any) -> Searcher:
        return cast(Searcher, cls(*args))  # read only where a searcher or reader is

    def reader(self) -> CollectionReader:
        return self

    def doc_count_all(self) -> int:
        return self._stats.papers_

    def field_length(self, field: str) -> int:
        return self._stats.lengths.get(field, 0)

    def frequency(self, field: str, btext: bytes) -> float:
        return self._frequencies([(field, btext.decode("utf-8") if isinstance(btext, bytes) else btext)])[0]

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self.frequency(*term) > 0

    def key_terms_from_text(self, field: str, text: str, numterms: int = 5, normalize: bool = True) -> list[Any]:
        """As Whoosh's searcher gives them, from the collection's counts."""
        expander = Expander(self, field)
        expander.add_text(text)
        return list(expander.expanded_terms(numterms, normalize=normalize))


class Lexicons:
    """Every shard's terms of some fields (``field -> terms``), as :func:`.suggest.vocabulary_size` reads a
    reader's."""

    def __init__(self, fields: dict[str, set[str]]) -> None:
        self._fields = fields

    @classmethod
    def of(cls, fields: dict[str, set[str]]) -> Any:
        return cls(fields)

    def lexicon(self, field: str) -> Iterator[bytes]:
        return (t.encode("utf-8") for t in self._fields.get(field, ()))
