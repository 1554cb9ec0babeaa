"""The index as ranking reads it: each term's postings as arrays of document numbers and BM25 scores.

A pasted claim is 10 to 50 words, each searched in title, abstract and authors: an OR of 30 to 150 terms (and
80 more once feedback adds its words). A paper's score is the sum of its matching terms' scores, so a search
adds each term's scores into one array of scores, a slot per paper of the index (:mod:`.match`): a NumPy
operation per term instead of Python calls per posting. A term's postings are decoded once per open searcher
and kept with their BM25 scores, those of every segment in one array, so the words that recur from search to
search (and the claim's own words, searched again with feedback) cost one array addition each, however many
segments the index has; the searcher keeps at most :data:`MAX_CACHED_POSTINGS` postings.

Scores are BM25 per field with Robertson's idf (:mod:`.ranking`), with the idf and average field length of the
whole index and each paper's stored (lossy, byte-encoded) field length. Deleted papers are counted in the
statistics, as Whoosh counts them, and never matched. Those statistics come from a :class:`Stats`: by default
the searcher's own; a sharded index passes the whole collection's, so that every shard scores as one index would.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from whoosh.codec import whoosh3
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .._engine import postings
from .ranking import K1, B, robertson_idf

#: The year column's value for a paper with no year.
NO_YEAR = -(1 << 15)


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best papers of a search, ``(score, docnum)`` best first, and how many papers matched in all."""

    top: list[tuple[float, int]]
    total: int


def rank(scores: np.ndarray, limit: int | None, searcher: Searcher) -> Ranking:
    """The ``limit`` best papers (all when None) by score, ties to the lower paper id; and how many score above 0.

    Ties go by id, not by document number (the order papers were written in, which depends on how a build was
    split between processes): so the same papers rank alike in any index of them, sharded or not.
    """
    matched = np.flatnonzero(scores)
    total = len(matched)
    if limit is not None and len(matched) > limit:
        # Only papers scoring at least the limit-th best score can reach the top (ties included).
        values = scores[matched]
        floor = np.partition(values, len(values) - limit)[len(values) - limit]
        matched = matched[values >= floor]
    chosen = ordered(scores[matched], matched, limit, searcher)
    return Ranking(list(zip(scores[chosen].tolist(), chosen.tolist(), strict=True)), total)


def ordered(keys: np.ndarray, docnums: np.ndarray, limit: int | None, searcher: Searcher) -> np.ndarray:
    """The first ``limit`` of ``docnums`` by ``keys``, highest first, equal keys by paper id.

    Ids are read only for the papers whose order they decide: those tied with another at a place within the
    first ``limit``.
    """
    order = np.lexsort((docnums, -keys))
    keys, docnums = keys[order], docnums[order]
    n = len(docnums) if limit is None else min(limit, len(docnums))
    starts = np.flatnonzero(keys[1:] != keys[:-1]) + 1  # where a run of equal keys begins (after the first)
    begin = np.concatenate(([0], starts))
    end = np.concatenate((starts, [len(keys)]))
    tied = (end - begin > 1) & (begin < n)
    if tied.any():
        docnums = docnums.copy()
        cache = cache_of(searcher)
        for a, b in zip(begin[tied].tolist(), end[tied].tolist(), strict=True):
            group = docnums[a:b].tolist()
            by_id = zip(cache.paper_ids(searcher, group), group, strict=True)
            need = min(b, n) - a  # the group's places within the first n
            docnums[a : a + need] = [d for _, d in heapq.nsmallest(need, by_id)]
    return docnums[:n]


class Stats:
    """The collection statistics a score is worked out with, read from the searcher itself: one index.

    A sharded index scores each shard with its own subclass (:class:`searchlib.search.shardwork.CollectionStats`)
    holding the sums over every shard, so a shard's scores are those of one index of all the papers. A cache of
    postings and scores belongs to one searcher and one ``Stats`` (:func:`cache_of`).
    """

    def papers(self, searcher: Searcher) -> int:
        """N: the papers of the collection, deleted ones included (as Whoosh counts them)."""
        return int(searcher.doc_count_all())

    def doc_frequency(self, searcher: Searcher, field: str, btext: bytes) -> int:
        """How many papers hold the term in ``field``."""
        return local_doc_frequency(searcher, field, btext)

    def average_length(self, searcher: Searcher, field: str) -> float:
        """The field's average length over the collection (1 where no paper has the field)."""
        return float(searcher.avg_field_length(field) or 1)

    def phrase_frequency(self, plan: Any, here: int) -> int:
        """How many papers a phrase or proximity search (an :class:`~.plan.Exact`) matches, given the ``here``
        papers it matches in this searcher."""
        return here


#: The statistics of the searcher itself.
OWN = Stats()


def local_doc_frequency(searcher: Searcher, field: str, btext: bytes) -> int:
    """How many papers of this searcher hold the term in ``field``, from the term infos its cache keeps."""
    return sum(info.doc_frequency() for info in cache_of(searcher).index_term_infos(searcher, field, btext))


def frequency(searcher: Searcher, field: str, text: str) -> float:
    """How often ``text`` occurs in ``field`` over the whole index (deleted papers included, as Whoosh counts),
    from the term infos the searcher keeps, so that the ranking that follows finds them looked up."""
    cache = cache_of(searcher)
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

    def __init__(self, stats: Stats, shared: _SearcherCache | None = None) -> None:
        self.stats = stats
        self._norms: dict[tuple[int, str, float], np.ndarray] = {}
        self._deleted: np.ndarray | None | object = _UNREAD
        self._postings: OrderedDict[tuple[str, bytes], Any] = OrderedDict()
        self._postings_held = 0
        self._lock = threading.Lock()
        self._stats: dict[tuple[str, bytes], tuple[float, float]] = {}
        self._avgfl: dict[str, float] = {}
        # What does not depend on the statistics: shared with the cache for the searcher's own, if given.
        self._infos: dict[tuple[int, str, bytes], object] = shared._infos if shared else {}
        self._columns: dict[str, np.ndarray] = shared._columns if shared else {}
        self._lexicons: dict[str, str] = shared._lexicons if shared else {}
        self._ids: dict[int, str] = shared._ids if shared else {}
        self._id_columns: dict[int, object] = shared._id_columns if shared else {}
        #: A phrase or proximity search (:class:`~.plan.Exact`) -> its counts in each paper (:mod:`.match`).
        self.exact_counts: dict[Any, tuple[np.ndarray, np.ndarray]] = shared.exact_counts if shared else {}
        #: (field, text) -> the term's frequency over the whole index (:func:`frequency`).
        self.frequencies: dict[tuple[str, object], float] = shared.frequencies if shared else {}

    def term_info(self, leaf: int, reader, field: str, btext: bytes):  # type: ignore[no-untyped-def]
        """The segment's term info for ``field:btext`` (None if the term is not in it), looked up once.

        A claim's words are looked up by feedback (their frequencies), by the scorer and to read their
        postings; the term table is a hash file read in Python, dear for a lookup made three times over. The cache
        is emptied when it holds :data:`MAX_CACHED_TERMS`.
        """
        key = (leaf, field, btext)
        infos = self._infos
        found = infos.get(key, _UNREAD)
        if found is not _UNREAD:
            return found
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
        with self._lock:
            if key in cached:
                cached.move_to_end(key)
                return cached[key]
        parts = []
        for leaf, (sub, base) in enumerate(searcher.leaf_searchers()):
            reader = sub.reader()
            info = self.term_info(leaf, reader, field, btext)
            if info is None:
                continue
            part = self._segment_postings(leaf, sub, field, btext, info)
            parts.append((part[0] + base if base else part[0], part[1]))
        found = None
        if len(parts) == 1:
            found = parts[0]
        elif parts:
            found = (np.concatenate([ids for ids, _ in parts]), np.concatenate([sc for _, sc in parts]))
        with self._lock:  # threads share a searcher: one keeps the cache's count at a time
            if key not in cached:
                cached[key] = found
                self._postings_held += len(found[0]) if found is not None else 0
            while self._postings_held > MAX_CACHED_POSTINGS and len(cached) > 1:
                _key, dropped = cached.popitem(last=False)
                self._postings_held -= len(dropped[0]) if dropped is not None else 0
        return found

    def _segment_postings(self, leaf: int, leafsearcher: Searcher, field: str, btext: bytes, info: Any) -> Any:
        """The term's document numbers and scores in one segment."""
        reader = leafsearcher.reader()
        ids, weights = postings.read_postings(reader, field, btext, info)
        docs = np.array(ids, dtype=np.int32)
        tf = np.array(weights, dtype=np.float64)
        if not reader.schema[field].scorable:  # a year, an id: a match scores its weight, 1
            return docs, tf
        idf, avgfl = self.scoring(leafsearcher.get_parent(), field, btext)
        norms = self.norms(leaf, reader, field, avgfl)
        return docs, idf * ((tf * (K1 + 1)) / (tf + norms[docs]))

    def scoring(self, searcher: Searcher, field: str, btext: bytes) -> tuple[float, float]:
        """``(idf, average length)`` of the term over the whole index, from the cached term infos."""
        key = (field, btext)
        found = self._stats.get(key)
        if found is None:
            df = self.stats.doc_frequency(searcher, field, btext)
            found = (robertson_idf(df, self.stats.papers(searcher)), self.average_length(searcher, field))
            if len(self._stats) >= MAX_CACHED_TERMS:
                self._stats.clear()
            self._stats[key] = found
        return found

    def average_length(self, searcher: Searcher, field: str) -> float:
        if field not in self._avgfl:
            self._avgfl[field] = self.stats.average_length(searcher, field)
        return self._avgfl[field]

    def norms(self, leaf: int, reader: Any, field: str, avgfl: float) -> np.ndarray:
        """``K1 * ((1 - B) + B * length / avgfl)`` for every paper of the segment, from its stored length."""
        key = (leaf, field, avgfl)
        found = self._norms.get(key)
        if found is None:
            by_byte = np.array([K1 * ((1 - B) + B * byte_to_length(n) / avgfl) for n in range(256)])
            found = self._norms[key] = by_byte[np.frombuffer(postings.length_bytes(reader, field), dtype=np.uint8)]
        return found

    def index_norms(self, searcher: Searcher, field: str) -> np.ndarray:
        """:meth:`norms` of every paper of the index, segment after segment."""
        avgfl = self.average_length(searcher, field)
        parts = [
            self.norms(leaf, sub.reader(), field, avgfl) for leaf, (sub, _) in enumerate(searcher.leaf_searchers())
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def column(self, searcher: Searcher, name: str) -> np.ndarray:
        """Every paper's value of a sortable column, read once: the year (:data:`NO_YEAR` where a paper has
        none), or text (the date, the journal's name; ``""`` where none)."""
        found = self._columns.get(name)
        if found is None:
            year = name == "year"
            values: list[Any] = []
            for sub, _ in searcher.leaf_searchers():
                reader = sub.reader()
                n = reader.doc_count_all()
                if not reader.has_column(name):
                    values += [NO_YEAR if year else ""] * n
                    continue
                column = reader.column_reader(name)
                values += [_column_value(column[d], year) for d in range(n)]
            found = np.array(values, dtype=np.int64 if year else str)
            self._columns[name] = found
        return found

    def paper_ids(self, searcher: Searcher, docnums: list[int]) -> list[str]:
        """The ids of the papers ``docnums``, each read once: from the id column where the segment has one, else
        from its stored fields."""
        known = self._ids
        missing = [d for d in docnums if d not in known]
        if missing:
            if len(known) + len(missing) > MAX_CACHED_TERMS:
                known.clear()
            leaves = searcher.leaf_searchers()
            bases = [base for _, base in leaves]
            for d in missing:
                leaf = bisect_right(bases, d) - 1
                sub, base = leaves[leaf]
                column = self._id_columns.get(leaf, _UNREAD)
                if column is _UNREAD:  # a column reader reads every paper's offset: once per segment
                    reader = sub.reader()
                    column = self._id_columns[leaf] = (
                        reader.column_reader("id") if reader.has_column("id") else None
                    )
                if column is not None:
                    value = column[d - base]  # type: ignore[index]
                    known[d] = value.decode("utf-8") if isinstance(value, bytes) else str(value)
                else:
                    known[d] = sub.reader().stored_fields(d - base)["id"]
        return [known[d] for d in docnums]

    def lexicon_text(self, searcher: Searcher, field: str) -> str:
        """Every word of ``field``, a line each, read once: what a pattern with no first letters is matched
        against in one pass of the regular expression engine (a word at a time through the term table takes
        far longer)."""
        found = self._lexicons.get(field)
        if found is None:
            words = (
                b.decode("utf-8") if isinstance(b, bytes) else str(b) for b in searcher.reader().lexicon(field)
            )
            found = self._lexicons[field] = "\n".join(words) + "\n"
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


#: Not read: a searcher's deleted papers not yet looked up.
_UNREAD = object()

_CACHES: WeakKeyDictionary[Searcher, dict[Stats, _SearcherCache]] = WeakKeyDictionary()


def cache_of(searcher: Searcher, stats: Stats | None = None) -> _SearcherCache:
    """The searcher's cache for scoring with ``stats`` (None: its own statistics, :data:`OWN`).

    A searcher keeps a cache for its own statistics and for each of the last few others; they share all that
    does not depend on the statistics (columns, term infos, ids), and each keeps its own scored postings.
    """
    caches = _CACHES.get(searcher)
    if caches is None:
        caches = _CACHES[searcher] = {}
    own = caches.get(OWN)
    if own is None:
        own = caches[OWN] = _SearcherCache(OWN)
    if stats is None or stats is OWN:
        return own
    found = caches.get(stats)
    if found is None:
        while len(caches) > MAX_OTHER_STATS:
            caches.pop(next(s for s in caches if s is not OWN))
        found = caches[stats] = _SearcherCache(stats, own)
    return found


#: How many caches for statistics other than its own a searcher keeps.
MAX_OTHER_STATS = 2


def _column_value(value: Any, year: bool) -> Any:
    if year:
        return NO_YEAR if value is None else value
    return value.decode("utf-8") if isinstance(value, bytes) else (value or "")
