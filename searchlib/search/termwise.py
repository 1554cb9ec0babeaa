"""Ranking queries of terms, term by term: each word's postings read whole, its scores added with NumPy.

A pasted claim is 10 to 50 words, each searched in title, abstract and authors: an OR of 30 to 150 terms (and
80 more once feedback adds its words). Whoosh ranks it by stepping a tree of matchers one paper at a time, a
few Python calls per term per paper. A paper's score is the sum of its matching terms' scores, so the same
ranking comes out of adding each term's scores into one array of scores, a slot per paper of the index: a
NumPy operation per term instead of Python calls per posting. The array then gives the top hits and, for free,
the exact number of matching papers. Typed queries of terms joined by AND, NOT and ANDMAYBE are ranked the same
way (:func:`supports`): every term scores above 0, so a paper matches a part of the query where its score for
that part is above 0, and an AND or a NOT is an operation on those arrays.

A term's postings are decoded once per open searcher and kept with their BM25 scores, those of every segment in
one array, so the words that recur from search to search (and the claim's own words, searched again with
feedback) cost one array addition each, however many segments the index has; the searcher keeps at most
:data:`MAX_CACHED_POSTINGS` postings.

Every score is worked out as Whoosh's own scorer would: the idf, ``K1``, ``B`` and average field length of the
searcher's weighting (:class:`searchlib.search.ranking.PaperBM25`) are used with the paper's stored (lossy,
byte-encoded) field length. Only the order in which a paper's terms are added may differ from Whoosh's tree of
matchers, so scores can differ in the last bit. Ties are broken as Whoosh's collector breaks them: the lower
document number first. Deleted papers are never counted.

Any other query (phrases, wildcards, ranges, boosted groups, a NOT on its own) or any other scorer returns
None, and the caller searches with Whoosh as before.

>>> from whoosh import query as wq
>>> terms_of(wq.Or([wq.Term("title", "cancer", boost=0.5), wq.Term("abstract", "cancer")]))
(('title', 'cancer', 0.5), ('abstract', 'cancer', 1.0))
>>> terms_of(wq.Or([wq.Term("abstract", "cancer"), wq.Not(wq.Term("abstract", "mice"))])) is None
True
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.reading import TermNotFound
from whoosh.searching import Results, Searcher
from whoosh.util.numeric import byte_to_length

from .._engine import postings
from .._engine.whoosh_private import set_total
from .ranking import PaperBM25, robertson_idf

#: A term of the query: field, text as Whoosh holds it in the query, and its boost (field weight x repeats x ^).
QueryTerm = tuple[str, object, float]


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best papers of a search, ``(score, docnum)`` best first, and how many papers matched in all."""

    top: list[tuple[float, int]]
    total: int


def terms_of(q: wq.Query) -> tuple[QueryTerm, ...] | None:
    """The terms of ``q`` in the order Whoosh adds their scores, if ``q`` is an OR of plain terms; else None.

    Nested ORs are flattened. An OR with a boost or a coordination scale, and a term boosted to 0 or less (which
    Whoosh scores differently depending on the index's size), are not plain.
    """
    out: list[QueryTerm] = []
    stack = [q]
    while stack:
        node = stack.pop()
        if type(node) is wq.Term:
            if not node.boost > 0:
                return None
            out.append((node.fieldname, node.text, float(node.boost)))
        elif type(node) is wq.Or and node.boost == 1.0 and not node.scale and not node.minmatch:
            stack.extend(reversed(node.subqueries))
        else:
            return None
    return tuple(out) if out else None


def supports(q: wq.Query) -> bool:
    """Whether ``q`` can be ranked here: terms and year ranges combined by OR, AND, AND NOT and ANDMAYBE (a NOT
    inside an AND too), with no boost on the combinations; phrases, wildcards and a NOT on its own are Whoosh's.

    >>> a, b = wq.Term("abstract", "insulin"), wq.Term("abstract", "mice")
    >>> supports(wq.And([a, wq.Not(b)])), supports(wq.Not(b)), supports(wq.Phrase("abstract", ["a", "b"]))
    (True, False, False)
    """
    node_type = type(q)
    if node_type is wq.Term:
        return q.boost > 0
    if node_type is wq.NumericRange:  # a year range: Whoosh scores each paper in it 1, its boost
        return q.boost == 1.0 and q.constantscore
    if node_type not in (wq.Or, wq.And, wq.AndNot, wq.AndMaybe) or q.boost != 1.0:
        return False
    if node_type is wq.Or:
        return bool(q.subqueries) and not q.scale and not q.minmatch and all(supports(c) for c in q.subqueries)
    if node_type is wq.And:
        positive = [c for c in q.subqueries if type(c) is not wq.Not]
        negative = [c for c in q.subqueries if type(c) is wq.Not]
        return (
            bool(positive)
            and all(supports(c) for c in positive)
            and all(c.boost == 1.0 and supports(c.query) for c in negative)
        )
    return supports(q.a) and supports(q.b)  # AndNot, AndMaybe


def rank(searcher: Searcher, q: wq.Query, limit: int | None, allowed: set[int] | None = None) -> Ranking | None:
    """The top ``limit`` papers (all when None) for ``q`` and the number that match, or None if ``q`` is not
    made of terms as :func:`supports` says or the searcher does not score with BM25.

    ``allowed`` keeps only those document numbers (a year or journal filter's papers).
    """
    if not supports(q) or (limit is not None and limit < 1):
        return None
    keep = None if allowed is None else np.fromiter(allowed, dtype=np.int64, count=len(allowed))
    try:
        scores = _index_scores(searcher, q, keep)
    except _NotBM25:
        return None
    matched = np.flatnonzero(scores)
    total = len(matched)
    if limit is not None and len(matched) > limit:
        # Only papers scoring at least the limit-th best score can reach the top (ties included).
        values = scores[matched]
        floor = np.partition(values, len(values) - limit)[len(values) - limit]
        matched = matched[values >= floor]
    # (score, -docnum): the collector's order is higher score, then lower document number.
    found = list(zip(scores[matched].tolist(), (-matched).tolist(), strict=True))
    best = sorted(found, reverse=True) if limit is None else heapq.nlargest(limit, found)
    return Ranking([(score, -negdoc) for score, negdoc in best], total)


def count(searcher: Searcher, q: wq.Query, allowed: set[int] | None = None) -> int | None:
    """How many papers match ``q`` (and are in ``allowed``), or None if it cannot be ranked here."""
    ranking = rank(searcher, q, 1, allowed)
    return None if ranking is None else ranking.total


def frequency(searcher: Searcher, field: str, text: str) -> float:
    """How often ``text`` occurs in ``field`` over the whole index (deleted papers included, as Whoosh counts),
    from the term infos the searcher keeps, so that the ranking that follows finds them looked up."""
    cache = _cache(searcher)
    found = cache.frequencies.get((field, text))
    if found is not None:
        return found
    schema = searcher.schema
    if field not in schema:
        return 0.0
    try:
        btext = schema[field].to_bytes(text)
    except ValueError:
        return 0.0
    total = sum(info.weight() for info in cache.index_term_infos(searcher, field, btext))
    if len(cache.frequencies) >= MAX_CACHED_TERMS:
        cache.frequencies.clear()
    cache.frequencies[field, text] = total
    return total


def results_of(searcher: Searcher, q: wq.Query, ranking: Ranking) -> Results:
    """Whoosh ``Results`` for the ranking, so hits, highlights and stored fields work as for a Whoosh search."""
    results = Results(searcher, q, ranking.top)
    if ranking.total is not None:
        set_total(results, ranking.total)  # what len(results) reports; there is no collector to ask
    return results


# -- scoring the whole index ---------------------------------------------------------------------------------


class _NotBM25(Exception):
    """The searcher's weighting is not BM25's: the query is searched with Whoosh instead."""


def _index_scores(searcher: Searcher, q: wq.Query, allowed) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Every paper's score, a slot per document number of the whole index (0.0 for papers that do not match,
    are deleted or not ``allowed``).

    Every term score is above 0 (idf and term frequency are), so a paper matches a part of the query exactly
    when its score for that part is above 0: an AND keeps the papers every part scores, an AND NOT drops those
    its second part scores, as Whoosh's matchers do; the scores are the sums Whoosh adds. A term's postings in
    every segment are kept as one array (:meth:`_SearcherCache.postings`), so an index of several segments costs
    a search no more operations than an index of one.
    """
    n = searcher.doc_count_all()
    cache = _cache(searcher)
    schema = searcher.schema

    def add_terms(terms: Sequence[QueryTerm], scores: np.ndarray) -> None:
        ids: list[np.ndarray] = []
        term_scores: list[np.ndarray] = []
        for field, text, boost in terms:
            if field not in schema:
                continue
            try:
                btext = schema[field].to_bytes(text)  # as Whoosh's Term does
            except ValueError:
                continue
            found = cache.postings(searcher, field, btext)
            if found is not None:
                ids.append(found[0])
                term_scores.append(found[1] if boost == 1.0 else found[1] * boost)
        if len(ids) == 1:
            scores[ids[0]] += term_scores[0]
        elif ids:
            # One pass over every term's postings, adding in term order as one add per term would (the same sums
            # to the last bit): a claim with feedback has 100 terms and more, each an indexed add of its own.
            scores += np.bincount(np.concatenate(ids), weights=np.concatenate(term_scores), minlength=len(scores))

    def scores_of(node: wq.Query) -> np.ndarray:
        terms = terms_of(node)
        scores = np.zeros(n)
        if terms is not None:  # an OR of terms (or one term)
            add_terms(terms, scores)
        elif type(node) is wq.NumericRange:  # each paper in the range scores 1, as in Whoosh
            for sub, base in searcher.leaf_searchers():
                scores[np.fromiter(sub.docs_for_query(node), dtype=np.int64) + base] = 1.0
        elif type(node) is wq.Or:
            for child in node.subqueries:
                scores += scores_of(child)
        elif type(node) is wq.And:
            parts = [scores_of(c) for c in node.subqueries if type(c) is not wq.Not]
            for part in parts:
                scores += part
            for part in parts:
                scores[part == 0] = 0
            for c in node.subqueries:
                if type(c) is wq.Not:
                    # Whoosh matches a NOT in an AND with a matcher of every other paper, scoring 1 each.
                    scores[scores > 0] += 1.0
                    scores[scores_of(c.query) > 0] = 0
        elif type(node) is wq.AndNot:
            scores = scores_of(node.a)
            scores[scores_of(node.b) > 0] = 0
        else:  # AndMaybe: the second part's scores are added to the papers the first part matches
            first = scores_of(node.a)
            scores = first + scores_of(node.b)
            scores[first == 0] = 0
        return scores

    scores = scores_of(q)
    _drop_excluded(scores, cache.deleted(searcher), allowed)
    return scores


def _drop_excluded(scores: np.ndarray, deleted: np.ndarray | None, allowed) -> None:  # type: ignore[no-untyped-def]
    """Zero the scores (or marks) of deleted papers and, with a filter, of those not ``allowed``."""
    if deleted is not None:
        scores[deleted] = 0
    if allowed is not None:
        keep = np.zeros(len(scores), dtype=bool)
        keep[allowed[(allowed >= 0) & (allowed < len(scores))]] = True
        scores[~keep] = 0


# -- what is read once per searcher ---------------------------------------------------------------------------


#: How many term infos (about 500 bytes each) and frequencies a searcher keeps before it starts over: 300 claims
#: with feedback on a 50k index look up 29,000.
MAX_CACHED_TERMS = 50_000
#: How many postings (document number and score, 12 bytes) a searcher keeps decoded, the least recently used
#: term's dropped first: about 50 MB. All the postings of the 5,000 SciFact abstracts' titles and abstracts are
#: about 900,000.
MAX_CACHED_POSTINGS = 4_000_000


class _SearcherCache:
    """What an open searcher reads once: each segment's length norms and deleted papers, term infos, and the
    decoded postings of recently searched terms with their scores.

    A searcher sees one state of the index; when the index changes, the Index opens a new searcher and this
    cache goes with the old one.
    """

    def __init__(self) -> None:
        self._norms: dict[tuple[int, str, float, float, float], np.ndarray] = {}
        self._deleted: np.ndarray | None | object = _UNREAD
        self._infos: dict[tuple[int, str, bytes], object] = {}
        self._postings: OrderedDict[tuple[str, bytes], Any] = OrderedDict()
        self._postings_held = 0
        self._stats: dict[tuple[str, bytes], tuple[float, float, float, float]] = {}
        self._avgfl: dict[str, float] = {}
        #: (field, text) -> the term's frequency over the whole index (:func:`frequency`).
        self.frequencies: dict[tuple[str, object], float] = {}

    def term_info(self, leaf: int, reader, field: str, btext: bytes):  # type: ignore[no-untyped-def]
        """The segment's term info for ``field:btext`` (None if the term is not in it), looked up once.

        A claim's words are looked up by feedback (their frequencies), by the scorer and to read their
        postings; the term table is a hash file read in Python, about 10 microseconds a lookup. The cache is
        emptied when it holds :data:`MAX_CACHED_TERMS`.
        """
        key = (leaf, field, btext)
        infos = self._infos
        if key in infos:
            return infos[key]
        row = postings.term_row(reader, field, btext)
        if row is not postings.UNREAD:
            info = None if row is None else whoosh3.W3TermInfo.from_bytes(row)
        else:
            try:
                info = reader.term_info(field, btext)
            except TermNotFound:
                info = None
        if len(infos) >= MAX_CACHED_TERMS:
            infos.clear()
        infos[key] = info
        return info

    def index_term_infos(self, searcher: Searcher, field: str, btext: bytes) -> list:
        """The term's infos in every segment of ``searcher`` that holds it."""
        found = (
            self.term_info(leaf, sub.reader(), field, btext)
            for leaf, (sub, _base) in enumerate(searcher.leaf_searchers())
        )
        return [info for info in found if info is not None]

    def postings(self, searcher: Searcher, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's ``(document numbers, BM25 scores)`` over the whole index, as arrays (document numbers of
        the index, segment after segment), or None if no segment holds it. Raises :class:`_NotBM25` if the
        searcher's scorer is not BM25's.

        Each score is worked out as Whoosh's scorer works it out, ``idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B)
        + B * length / avgfl))``, with the idf and average length of the whole index and the paper's stored
        (byte-encoded) length; the query's boost multiplies it when the term is searched.
        """
        key = (field, btext)
        cached = self._postings
        if key in cached:
            cached.move_to_end(key)
            found = cached[key]
            if found is _NOT_BM25:
                raise _NotBM25
            return found
        parts = []
        for leaf, (sub, base) in enumerate(searcher.leaf_searchers()):
            reader = sub.reader()
            info = self.term_info(leaf, reader, field, btext)
            if info is None:
                continue
            part = self._segment_postings(leaf, sub, searcher.weighting, field, btext, info)
            if part is None:
                cached[key] = _NOT_BM25
                raise _NotBM25
            parts.append((part[0] + base if base else part[0], part[1]))
        found = None
        if len(parts) == 1:
            found = parts[0]
        elif parts:
            found = (np.concatenate([ids for ids, _ in parts]), np.concatenate([sc for _, sc in parts]))
        if found is not None:
            self._postings_held += len(found[0])
        cached[key] = found
        while self._postings_held > MAX_CACHED_POSTINGS and len(cached) > 1:
            _key, dropped = cached.popitem(last=False)
            self._postings_held -= len(dropped[0]) if type(dropped) is tuple else 0
        return found

    def _segment_postings(self, leaf: int, leafsearcher: Searcher, weighting, field: str, btext: bytes, info):  # type: ignore[no-untyped-def]
        """The term's document numbers and scores in one segment, or None if the scorer is not BM25's."""
        reader = leafsearcher.reader()
        if not reader.schema[field].scorable:  # a year, an id: Whoosh scores a match by its weight, 1
            ids, weights = postings.read_postings(reader, field, btext, info)
            return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float64)
        params = self.scoring(leafsearcher, weighting, field, btext)
        if params is None:
            return None
        idf, k1, b, avgfl = params
        ids, weights = postings.read_postings(reader, field, btext, info)
        docs = np.array(ids, dtype=np.int32)
        tf = np.array(weights, dtype=np.float64)
        norms = self.norms(leaf, reader, field, k1, b, avgfl)
        return docs, idf * ((tf * (k1 + 1)) / (tf + norms[docs]))

    def scoring(self, leafsearcher: Searcher, weighting, field: str, btext: bytes):  # type: ignore[no-untyped-def]
        """``(idf, K1, B, average length)`` of the scorer Whoosh would use for this term, or None if it is not
        BM25's. For :class:`~searchlib.search.ranking.PaperBM25` they are worked out as it works them out, from the
        cached term infos (Whoosh's scorer looks the term up twice more and sums the field's lengths each
        time); any other BM25 weighting is asked for its scorer."""
        parent = leafsearcher.get_parent()
        if type(weighting) is PaperBM25 and not weighting.field_b:
            key = (field, btext)
            found = self._stats.get(key)
            if found is None:
                df = sum(info.doc_frequency() for info in self.index_term_infos(parent, field, btext))
                if field not in self._avgfl:
                    self._avgfl[field] = parent.avg_field_length(field) or 1
                found = (robertson_idf(df, parent.doc_count_all()), weighting.K1, weighting.B, self._avgfl[field])
                if len(self._stats) >= MAX_CACHED_TERMS:
                    self._stats.clear()
                self._stats[key] = found
            return found
        scorer = weighting.scorer(leafsearcher, field, btext)
        if type(scorer) is not scoring.BM25FScorer:
            return None
        return scorer.idf, scorer.K1, scorer.B, scorer.avgfl

    def norms(self, leaf: int, reader, field: str, k1: float, b: float, avgfl: float) -> np.ndarray:  # type: ignore[no-untyped-def]
        """``K1 * ((1 - B) + B * length / avgfl)`` for every paper of the segment, from its stored length."""
        key = (leaf, field, k1, b, avgfl)
        found = self._norms.get(key)
        if found is None:
            by_byte = np.array([k1 * ((1 - b) + b * byte_to_length(n) / avgfl) for n in range(256)])
            found = self._norms[key] = by_byte[np.frombuffer(postings.length_bytes(reader, field), dtype=np.uint8)]
        return found

    def deleted(self, searcher: Searcher) -> np.ndarray | None:
        """The index's deleted document numbers, or None when it has none."""
        if self._deleted is _UNREAD:
            found = [
                np.array([d for d in range(reader.doc_count_all()) if reader.is_deleted(d)], dtype=np.int64) + base
                for sub, base in searcher.leaf_searchers()
                if (reader := sub.reader()).has_deletions()
            ]
            self._deleted = np.concatenate(found) if found else None
        return self._deleted  # type: ignore[return-value]


#: Kept for a term whose scorer is not BM25's.
_NOT_BM25 = object()
#: Not read: a searcher's deleted papers not yet looked up.
_UNREAD = object()

_CACHES: WeakKeyDictionary[Searcher, _SearcherCache] = WeakKeyDictionary()


def _cache(searcher: Searcher) -> _SearcherCache:
    found = _CACHES.get(searcher)
    if found is None:
        found = _CACHES[searcher] = _SearcherCache()
    return found
