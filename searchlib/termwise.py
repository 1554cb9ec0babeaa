"""Ranking OR queries term by term: each word's postings read a block at a time and its scores added per paper.

A pasted claim is 10 to 50 words, each searched in title, abstract and authors: an OR of 30 to 150 terms.
Whoosh ranks it by stepping a tree of matchers one paper at a time, a few Python calls per term per paper. When
the query is only an OR of plain terms, a paper's score is the sum of its matching terms' scores, so the same
ranking comes out of reading each term's postings whole (ids and term frequencies, a block of up to 128 at a
time) and adding its BM25 score to an accumulator per paper. The accumulator then gives the top hits and, for
free, the exact number of matching papers.

Every score is worked out as Whoosh's own scorer would: the scorer is asked of the searcher's weighting
(:class:`searchlib.ranking.PaperBM25`) term by term, and its idf, ``K1``, ``B`` and average field length are
used with the paper's stored (lossy, byte-encoded) field length. Only the order in which a paper's terms are
added may differ from Whoosh's tree of matchers, so scores can differ in the last bit. Ties are broken as
Whoosh's collector breaks them: the lower document number first. Deleted papers are never counted.

Any other query (phrases, NOT, AND, wildcards, ranges, boosted groups) or any other scorer returns None, and the
caller searches with Whoosh as before.

>>> from whoosh import query as wq
>>> terms_of(wq.Or([wq.Term("title", "cancer", boost=0.5), wq.Term("abstract", "cancer")]))
(('title', 'cancer', 0.5), ('abstract', 'cancer', 1.0))
>>> terms_of(wq.Or([wq.Term("abstract", "cancer"), wq.Not(wq.Term("abstract", "mice"))])) is None
True
"""

from __future__ import annotations

import heapq
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pickle import loads
from weakref import WeakKeyDictionary

from whoosh import query as wq
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.matching import FilterMatcher, Matcher
from whoosh.reading import TermNotFound
from whoosh.searching import Results, Searcher
from whoosh.util.numeric import byte_to_length

__all__ = ["Ranking", "terms_of", "rank", "count", "frequency", "results_of"]

#: A term of the query: field, text as Whoosh holds it in the query, and its boost (field weight x repeats x ^).
QueryTerm = tuple[str, object, float]


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best papers of a search, ``(score, docnum)`` best first, and how many papers matched in all (None
    when the ranking stopped looking at papers that could not reach the top: :func:`count` counts them)."""

    top: list[tuple[float, int]]
    total: int | None


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


def rank(searcher: Searcher, q: wq.Query, limit: int | None, allowed: set[int] | None = None) -> Ranking | None:
    """The top ``limit`` papers (all when None) for ``q`` and the number that match, or None if ``q`` is not an
    OR of plain terms or the searcher does not score with BM25.

    ``allowed`` keeps only those document numbers (a year or journal filter's papers).
    """
    terms = terms_of(q)
    if terms is None or (limit is not None and limit < 1):
        return None
    found: list[tuple[float, int]] = []  # (score, -docnum): the collector's order is higher score, lower docnum
    total: int | None = 0
    for leaf, (leafsearcher, base) in enumerate(searcher.leaf_searchers()):
        if limit is not None and limit <= PRUNE_LIMIT:
            top = _leaf_top(searcher, leaf, leafsearcher, terms, limit, base, allowed)
            if top is None:
                return None
            found += [(s, -(d + base)) for d, s in top]
            total = None  # counted when asked for (count())
            continue
        scores = _leaf_scores(searcher, leaf, leafsearcher, terms)
        if scores is None:
            return None
        if allowed is not None:
            scores = {d: s for d, s in scores.items() if d + base in allowed}
        total = None if total is None else total + len(scores)
        if limit is not None and len(scores) > limit:
            # Only papers scoring at least the segment's limit-th best score can reach the top.
            floor = heapq.nlargest(limit, scores.values())[-1]
            found += [(s, -(d + base)) for d, s in scores.items() if s >= floor]
        else:
            found += [(s, -(d + base)) for d, s in scores.items()]
    best = sorted(found, reverse=True) if limit is None else heapq.nlargest(limit, found)
    return Ranking([(score, -negdoc) for score, negdoc in best], total)


def count(searcher: Searcher, q: wq.Query, allowed: set[int] | None = None) -> int | None:
    """How many papers match ``q`` (and are in ``allowed``), or None if ``q`` is not an OR of plain terms."""
    terms = terms_of(q)
    if terms is None:
        return None
    total = 0
    for leaf, (leafsearcher, base) in enumerate(searcher.leaf_searchers()):
        reader = leafsearcher.reader()
        docs: set[int] = set()
        for _field, _btext, _boost, postings, _info in _postings(reader, terms, _cache(searcher), leaf):
            for ids, _weights in _blocks(postings):
                docs.update(ids)
        docs -= _cache(searcher).deleted(leaf, reader)
        total += len(docs) if allowed is None else sum(1 for d in docs if d + base in allowed)
    return total


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
    total = 0.0
    for leaf, (leafsearcher, _base) in enumerate(searcher.leaf_searchers()):
        info = cache.term_info(leaf, leafsearcher.reader(), field, btext)
        if info is not None:
            total += info.weight()
    if len(cache.frequencies) >= MAX_CACHED_TERMS:
        cache.frequencies.clear()
    cache.frequencies[field, text] = total
    return total


def results_of(searcher: Searcher, q: wq.Query, ranking: Ranking) -> Results:
    """Whoosh ``Results`` for the ranking, so hits, highlights and stored fields work as for a Whoosh search."""
    results = Results(searcher, q, ranking.top)
    if ranking.total is not None:
        results._total = ranking.total  # what len(results) reports; there is no collector to ask
    return results


# -- scoring one segment ------------------------------------------------------------------------------------


def _leaf_scores(
    searcher: Searcher, leaf: int, leafsearcher: Searcher, terms: Sequence[QueryTerm]
) -> dict[int, float] | None:
    """Segment-local document number -> score, for the segment's live papers that match."""
    reader = leafsearcher.reader()
    weighting = searcher.weighting
    cache = _cache(searcher)
    acc: dict[int, float] = {}
    get = acc.get
    for field, btext, boost, postings, _info in _postings(reader, terms, cache, leaf):
        params = cache.scoring(leaf, leafsearcher, weighting, field, btext)
        if params is None:
            return None
        idf, k1, b, avgfl = params
        # bm25() is idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / avgfl))); the last sum's
        # right-hand side depends only on the paper, so it is worked out once per paper and field.
        norms = cache.norms(leaf, reader, field, k1, b, avgfl)
        k1_plus_1 = k1 + 1
        for ids, weights in _blocks(postings):
            if boost == 1.0:
                for d, w in zip(ids, weights, strict=True):
                    acc[d] = get(d, 0.0) + idf * ((w * k1_plus_1) / (w + norms[d]))
            else:
                for d, w in zip(ids, weights, strict=True):
                    acc[d] = get(d, 0.0) + idf * ((w * k1_plus_1) / (w + norms[d])) * boost
    for d in cache.deleted(leaf, reader):
        acc.pop(d, None)
    return acc


#: Up to this many hits asked for, a segment's ranking stops taking in new papers once no new paper can reach
#: the top, and skips the blocks of the remaining terms that hold no paper that still can (:func:`_leaf_top`).
PRUNE_LIMIT = 1000
#: The k-th best score (a sort of every paper taken in) is looked at again only once what the remaining terms
#: could add has fallen to this fraction of what it was at the last look. On SciFact's train claims, with
#: feedback: 0.9 took 5.5 ms a second search, 0.7 4.7, 0.5 4.7, 0.3 4.7 (p50; the same hits whatever it is).
_CHECK_AFTER = 0.5
#: Relative slack on score bounds, so that rounding never drops a paper that reaches the top.
_SLACK = 1e-9


def _leaf_top(
    searcher: Searcher,
    leaf: int,
    leafsearcher: Searcher,
    terms: Sequence[QueryTerm],
    k: int,
    base: int,
    allowed: set[int] | None,
) -> list[tuple[int, float]] | None:
    """The segment's ``k`` best live (and allowed) papers as ``(docnum, score)``, with exact scores, reading only
    the postings that can change them.

    Each term's highest possible score is bounded from its largest term frequency (``max_weight``) and the
    field's shortest length. Terms are added highest bound first (the rare, telling words). Once the ``k``-th
    best score so far beats what all the remaining terms together could give a paper, no new paper can reach the
    top: the remaining terms are added only to the papers that still can, and their postings blocks that hold
    none of those papers are skipped unread (a block says its last document number, its largest frequency and
    its shortest length before its postings are read). This is the "max-score" strategy of Turtle and Flood
    (1995); the result is the same top ``k``, only the total is left for :func:`count`.
    """
    reader = leafsearcher.reader()
    weighting = searcher.weighting
    cache = _cache(searcher)
    entries = []
    for field, btext, boost, postings, info in _postings(reader, terms, cache, leaf):
        params = cache.scoring(leaf, leafsearcher, weighting, field, btext)
        if params is None:
            return None
        idf, k1, b, avgfl = params
        norms = cache.norms(leaf, reader, field, k1, b, avgfl)
        top_weight = info.max_weight()
        # The norm of its shortest paper, worked out as the norms are (from the same byte-encoded length).
        shortest = k1 * ((1 - b) + b * info.min_length() / avgfl)
        bound = idf * boost * (top_weight * (k1 + 1)) / (top_weight + shortest)
        entries.append((bound, idf * boost, k1 + 1, norms, postings))
    entries.sort(key=lambda e: -e[0])
    excluded = cache.deleted(leaf, reader)

    def live(scores: dict[int, float]) -> dict[int, float]:
        if not excluded and allowed is None:
            return scores
        return {d: s for d, s in scores.items() if d not in excluded and (allowed is None or d + base in allowed)}

    remaining = sum(e[0] for e in entries)
    acc: dict[int, float] = {}
    get = acc.get
    checked = remaining
    n = 0
    theta = -1.0
    while n < len(entries):  # every paper taken in
        _bound, weight, k1_plus_1, norms, postings = entries[n]
        for ids, weights in _blocks(postings):
            for d, w in zip(ids, weights, strict=True):
                acc[d] = get(d, 0.0) + weight * ((w * k1_plus_1) / (w + norms[d]))
        remaining -= entries[n][0]
        n += 1
        # The k-th best score cannot beat the bounds added so far; look only when it may beat what is left.
        if (
            n < len(entries)
            and len(acc) >= k
            and remaining < _CHECK_AFTER * checked
            and remaining < sum(e[0] for e in entries[:n])
        ):
            checked = remaining
            scores = live(acc)
            if len(scores) >= k:
                theta = heapq.nlargest(k, scores.values())[-1]
                if remaining * (1 + _SLACK) < theta * (1 - _SLACK):
                    break
    if n == len(entries):
        return heapq.nlargest(k, live(acc).items(), key=lambda item: (item[1], -item[0]))
    # Only the papers that may still reach the top: each remaining term is added to them alone.
    cands = {d: s for d, s in live(acc).items() if s + remaining * (1 + _SLACK) >= theta * (1 - _SLACK)}
    order = sorted(cands)
    for bound, weight, k1_plus_1, norms, postings in entries[n:]:
        for ids, weights in _candidate_blocks(postings, order):
            for d, w in zip(ids, weights, strict=True):
                if d in cands:
                    cands[d] += weight * ((w * k1_plus_1) / (w + norms[d]))
        remaining -= bound
        # Papers that can no longer reach the top are dropped when what is left to add has halved; keeping them
        # a while longer costs a little adding, and dropping them after every term cost more.
        if remaining < _CHECK_AFTER * checked and len(cands) > k:
            checked = remaining
            theta = max(theta, heapq.nlargest(k, cands.values())[-1])
            cands = {d: s for d, s in cands.items() if s + remaining * (1 + _SLACK) >= theta * (1 - _SLACK)}
            order = sorted(cands)
    return heapq.nlargest(k, cands.items(), key=lambda item: (item[1], -item[0]))


def _candidate_blocks(m: Matcher, order: list[int]) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """The term's postings blocks that may hold one of the papers ``order`` (sorted document numbers); the
    others are passed over on their headers alone."""
    if isinstance(m, FilterMatcher):
        m = m.child
    if type(m) is not whoosh3.W3LeafMatcher or m._byteids:
        yield from _blocks(m)
        return
    j = 0
    while m.is_active() and j < len(order):
        last = m._maxid
        if order[j] <= last:
            deltas, weights = _ids_and_weights(m)
            if weights is None or isinstance(weights, float):
                weights = array("f", (1.0 if weights is None else weights,)) * m._blocklength
            yield tuple(accumulate(deltas)), weights
            j = bisect_right(order, last, j)
        m._next_block()


def _postings(reader, terms: Sequence[QueryTerm], cache: _SearcherCache, leaf: int):  # type: ignore[no-untyped-def]
    """The query's terms that occur in this segment, as ``(field, btext, boost, matcher, terminfo)``: their text
    as indexed (bytes), postings and term info, each term looked up in the segment's term table once per open
    searcher (``cache``). Deleted papers are left in the postings: the callers drop them.
    """
    schema = reader.schema
    for field, text, boost in terms:
        if field not in schema:
            continue
        try:
            btext = schema[field].to_bytes(text)  # as Whoosh's Term does
        except ValueError:
            continue
        info = cache.term_info(leaf, reader, field, btext)
        if info is None:
            continue
        m = cache.matcher(reader, field, btext, info)
        if m is None:  # a reader not in Whoosh's own layout reads its postings itself
            try:
                m = reader.postings(field, btext)
            except TermNotFound:
                continue
        yield field, btext, boost, m, info


def _blocks(m: Matcher) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """The term's postings as (document numbers, term frequencies), a block at a time, deleted papers included.

    Whoosh's on-disk matcher holds a block's ids and weights as arrays; other matchers (a term found in one paper
    is stored inline) are stepped through a posting at a time.
    """
    if isinstance(m, FilterMatcher):  # the segment's deletions: dropped from the accumulator instead
        m = m.child
    if type(m) is whoosh3.W3LeafMatcher and not m._byteids:
        while m.is_active():
            deltas, weights = _ids_and_weights(m)
            if weights is None or isinstance(weights, float):  # one weight for the whole block
                weights = array("f", (1.0 if weights is None else weights,)) * m._blocklength
            yield tuple(accumulate(deltas)), weights
            m._next_block()
        return
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    yield ids, weights


#: Where a block's positions start in Whoosh 2.7's pickle of it (protocol 2): the mark of the tuple of values,
#: then the decoder of the first value's bytes.
_VALUES_START = b"(c_codecs\nencode\n"
#: A block's ids take at most 5 pickled bytes each, its weights 9.
_HEAD_BYTES_PER_POSTING = 14


def _ids_and_weights(m: whoosh3.W3LeafMatcher) -> tuple[Sequence[int], Sequence[float] | float | None]:
    """The current block's id gaps and weights, as Whoosh stores them (``(gaps, weights, positions)`` pickled).

    Unpickling the positions is nine tenths of the cost of reading a block (each is a bytes object rebuilt by a
    call to ``codecs.encode``), and ranking needs none of them; so only the pickle's head, up to where the
    positions start, is decompressed and read. Anything unexpected reads the whole block as Whoosh does.
    """
    n = m._blocklength
    if n >= 4:  # a tuple of three or fewer positions has no mark to find
        raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        try:
            head = (
                zlib.decompressobj().decompress(raw, n * _HEAD_BYTES_PER_POSTING + 64) if m._compression else raw
            )
            cut = head.find(_VALUES_START)
            found = loads(head[:cut] + b"\x86.") if cut > 0 else None  # TUPLE2, STOP
        except Exception:
            found = None
        if (
            type(found) is tuple
            and len(found) == 2
            and type(found[0]) is tuple
            and len(found[0]) == n
            and (found[1] is None or type(found[1]) is float or (type(found[1]) is tuple and len(found[1]) == n))
        ):
            return found
    m._read_data()
    return m._data[0], m._data[1]


# -- what is read once per searcher ---------------------------------------------------------------------------


#: How many term infos (about 500 bytes each) and frequencies a searcher keeps before it starts over: 300 claims
#: with feedback on a 50k index look up 29,000.
MAX_CACHED_TERMS = 50_000


class _SearcherCache:
    """Per-paper length norms and deleted papers of each segment, read once for an open searcher.

    A searcher sees one state of the index; when the index changes, the Index opens a new searcher and this
    cache goes with the old one.
    """

    def __init__(self) -> None:
        self._norms: dict[tuple[int, str, float, float, float], list[float]] = {}
        self._deleted: dict[int, frozenset[int]] = {}
        self._scoring: dict[tuple[int, str, bytes], tuple[float, float, float, float] | None] = {}
        self._infos: dict[tuple[int, str, bytes], object] = {}
        #: (field, text) -> the term's frequency over the whole index (:func:`frequency`).
        self.frequencies: dict[tuple[str, object], float] = {}

    def term_info(self, leaf: int, reader, field: str, btext: bytes):  # type: ignore[no-untyped-def]
        """The segment's term info for ``field:btext`` (None if the term is not in it), looked up once.

        A claim's words are looked up by feedback (their frequencies), by the scorer, by the bounds of
        :func:`_leaf_top` and to read their postings; the term table is a hash file read in Python, about 10
        microseconds a lookup. The cache is emptied when it holds :data:`MAX_CACHED_TERMS`.
        """
        key = (leaf, field, btext)
        infos = self._infos
        if key in infos:
            return infos[key]
        try:
            info = reader.term_info(field, btext)
        except TermNotFound:
            info = None
        if len(infos) >= MAX_CACHED_TERMS:
            infos.clear()
        infos[key] = info
        return info

    @staticmethod
    def matcher(reader, field: str, btext: bytes, info):  # type: ignore[no-untyped-def]
        """The term's postings read from its (cached) term info, as Whoosh's segment reader reads them, but
        without wrapping them in the segment's deletions; None for readers not in Whoosh's own layout."""
        terms = getattr(reader, "_terms", None)
        if type(terms) is not whoosh3.W3TermsReader:
            return None
        return terms._codec.postings_reader(
            terms._postfile, info, reader.schema[field].format, term=(field, btext)
        )

    def scoring(self, leaf: int, leafsearcher: Searcher, weighting, field: str, btext: bytes):  # type: ignore[no-untyped-def]
        """``(idf, K1, B, average length)`` of the scorer Whoosh would use for this term in this segment, or
        None if it is not BM25's. PaperBM25 takes idf and average length from the whole index (the parent
        searcher), K1 and B from the weighting."""
        key = (leaf, field, btext)
        if key not in self._scoring:
            scorer = weighting.scorer(leafsearcher, field, btext)
            bm25 = type(scorer) is scoring.BM25FScorer
            self._scoring[key] = (scorer.idf, scorer.K1, scorer.B, scorer.avgfl) if bm25 else None
        return self._scoring[key]

    def norms(self, leaf: int, reader, field: str, k1: float, b: float, avgfl: float) -> list[float]:  # type: ignore[no-untyped-def]
        """``K1 * ((1 - B) + B * length / avgfl)`` for every paper of the segment, from its stored length."""
        key = (leaf, field, k1, b, avgfl)
        found = self._norms.get(key)
        if found is None:
            by_byte = [k1 * ((1 - b) + b * byte_to_length(n) / avgfl) for n in range(256)]
            found = self._norms[key] = [by_byte[n] for n in _length_bytes(reader, field)]
        return found

    def deleted(self, leaf: int, reader) -> frozenset[int]:  # type: ignore[no-untyped-def]
        found = self._deleted.get(leaf)
        if found is None:
            n = reader.doc_count_all()
            deleted = (d for d in range(n) if reader.is_deleted(d)) if reader.has_deletions() else ()
            found = frozenset(deleted)
            self._deleted[leaf] = found
        return found


_CACHES: WeakKeyDictionary[Searcher, _SearcherCache] = WeakKeyDictionary()


def _cache(searcher: Searcher) -> _SearcherCache:
    found = _CACHES.get(searcher)
    if found is None:
        found = _CACHES[searcher] = _SearcherCache()
    return found


def _length_bytes(reader, field: str) -> bytes:  # type: ignore[no-untyped-def]
    """Every paper's stored length byte for ``field`` in this segment (0 where the paper has no such field).

    Read straight from Whoosh's length column when the segment has one in the usual layout (one byte per paper,
    papers past the last one written take the default 0); else paper by paper through the public reader.
    """
    n = reader.doc_count_all()
    column = None
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN)
    if type(column) is whoosh3.LENGTHS_COLUMN.Reader and column._fixedlen == 1 and column._default == 0:
        held = min(column._count, n)
        return column._dbfile.get(column._basepos, held) + bytes(n - held)
    from whoosh.util.numeric import length_to_byte

    return bytes(length_to_byte(reader.doc_field_length(d, field, 0) or 0) for d in range(n))
