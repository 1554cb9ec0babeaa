"""The index as ranking reads it: each term's postings as arrays of document numbers and BM25 scores.

A pasted claim is 10 to 50 words, each searched in title, abstract and authors: an OR of 30 to 150 terms (and
80 more once feedback adds its words). A paper's score is the sum of its matching terms' scores, so a search
adds each term's scores into one array of scores, a slot per paper of the index (:mod:`.match`): a NumPy
operation per term instead of Python calls per posting. A term's postings are decoded once per open searcher
and kept with their BM25 scores, those of every segment in one array, so the words that recur from search to
search (and the claim's own words, searched again with feedback) cost one array addition each, however many
segments the index has; the searcher keeps at most :data:`MAX_CACHED_POSTINGS` postings.

Scores are BM25F over title and abstract, or BM25 in one field, with Robertson's idf (:mod:`.ranking`), the idf
and average field lengths of the whole index and each paper's stored (lossy, byte-encoded) field lengths: the
statistics are read in :meth:`_SearcherCache.scoring`, :meth:`~_SearcherCache.average_length`,
:meth:`~_SearcherCache.norms` and :meth:`~_SearcherCache.tiab_norms` (which take the fields' averages and stored
lengths) and, for title and abstract together, from the term's postings in both (the papers holding it in
either). Deleted papers are counted in the statistics, as Whoosh counts them, and never matched. The collection's
figures (N, df, the fields' lengths) come from a :class:`Stats`: by default the searcher's own; a sharded index
passes the whole collection's, so that every shard scores as one index would.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from whoosh.codec import whoosh3
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .._engine import postings
from .._engine.schema import stored_records
from .ranking import K1, TIAB, TIAB_FIELDS, B, robertson_idf, saturated

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
        papers = searcher.doc_count_all()
        for a, b in zip(begin[tied].tolist(), end[tied].tolist(), strict=True):
            group = docnums[a:b].tolist()
            need = min(b, n) - a  # the group's places within the first n
            if len(group) * len(group) > ID_SCAN * need * papers:  # many ties: walk the ids in order
                docnums[a : a + need] = first_by_id(searcher, set(group), need)
            else:
                by_id = zip(cache.paper_ids(searcher, group), group, strict=True)
                docnums[a : a + need] = [d for _, d in heapq.nsmallest(need, by_id)]
    return docnums[:n]


#: Reading a tied paper's id costs about this many steps through the sorted ids. A group of ``g`` tied papers,
#: ``need`` of which are wanted, of ``N``: reading each one's id costs ``g``; walking the ids from the smallest
#: until ``need`` of the group are met costs about ``need * N / g``, the lesser when most papers tie (a year, a
#: pattern: every match scores alike).
ID_SCAN = 2


def first_by_id(searcher: Searcher, group: set[int], need: int) -> list[int]:
    """The ``need`` papers of ``group`` with the lowest ids, found by walking every segment's ids in order."""

    def ids(reader: Any, base: int) -> Iterator[tuple[str, int]]:
        for text, info in reader.iter_field("id"):
            for docnum in postings.read_postings(reader, "id", text, info)[0]:
                yield text, docnum + base

    found: list[int] = []
    for _, docnum in heapq.merge(*(ids(sub.reader(), base) for sub, base in searcher.leaf_searchers())):
        if docnum in group:
            found.append(docnum)
            if len(found) == need:
                break
    return found


class Stats:
    """The collection statistics a score is worked out with, read from the searcher itself: one index.

    A sharded index scores each shard with its own subclass (:class:`searchlib.search.shardwork.CollectionStats`)
    holding the sums over every shard, so a shard's scores are those of one index of all the papers. A cache of
    postings and scores belongs to one searcher and one ``Stats`` (:func:`cache_of`).
    """

    def papers(self, searcher: Searcher) -> int:
        """N: the papers of the collection, deleted ones included (as Whoosh counts them)."""
        return int(searcher.doc_count_all())

    def doc_frequency(self, searcher: Searcher, field: str, btext: bytes, here: int | None = None) -> int:
        """How many papers hold the term in ``field`` (:data:`~.ranking.TIAB`: in title or abstract), given the
        ``here`` papers of this searcher holding it when the caller has counted them."""
        return here if here is not None else local_doc_frequency(searcher, field, btext)

    def average_length(self, searcher: Searcher, field: str) -> float:
        """The field's average length over the collection (0 where no paper has the field)."""
        return float(searcher.avg_field_length(field) or 0.0)

    def phrase_frequency(self, plan: Any, here: int) -> int:
        """How many papers a phrase or proximity search (an :class:`~.plan.Exact`) matches, given the ``here``
        papers it matches in this searcher."""
        return here


#: The statistics of the searcher itself.
OWN = Stats()


def local_doc_frequency(searcher: Searcher, field: str, btext: bytes) -> int:
    """How many papers of this searcher hold the term in ``field`` (:data:`~.ranking.TIAB`: in title or
    abstract), from the term infos (and for both fields, the postings) its cache keeps."""
    cache = cache_of(searcher)
    if field != TIAB:
        return sum(info.doc_frequency() for info in cache.index_term_infos(searcher, field, btext))
    return cache.tiab_doc_frequency(searcher, btext)


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


#: How many terms' counts (:meth:`_SearcherCache.tiab_doc_frequency`) a searcher keeps for the scoring to come.
MAX_KEPT_COUNTS = 1_000
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
        #: A term's counts in title and abstract, read to count its papers and kept until scored (:meth:`_tiab`).
        self._raw: dict[bytes, list[tuple[int, np.ndarray, np.ndarray]]] = shared._raw if shared else {}
        self._columns: dict[str, np.ndarray] = shared._columns if shared else {}
        self._lexicons: dict[str, str] = shared._lexicons if shared else {}
        self._ids: dict[int, str] = shared._ids if shared else {}
        #: A phrase or proximity search (:class:`~.plan.Exact`) -> its counts in each paper (:mod:`.match`).
        self.exact_counts: dict[Any, tuple[np.ndarray, np.ndarray]] = shared.exact_counts if shared else {}
        #: (field, text) -> the term's frequency over the whole index (:func:`frequency`).
        self.frequencies: dict[tuple[str, object], float] = shared.frequencies if shared else {}

    def term_info(self, leaf: int, reader, field: str, btext: bytes):  # type: ignore[no-untyped-def]  # Whoosh's reader and term info are untyped
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
        """The term's ``(document numbers, scores)`` over the whole index, as arrays (document numbers of the
        index, ascending), or None if no paper holds it.

        A field's scores are BM25 as Whoosh's scorer works it out, ``idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - b)
        + b * length / avgfl))``, with the idf and average length of the whole index and the paper's stored
        (byte-encoded) length; :data:`~.ranking.TIAB`'s are BM25F over title and abstract (:meth:`_tiab`). The
        query's boost multiplies a score when the term is searched.
        """
        key = (field, btext)
        cached = self._postings
        with self._lock:
            if key in cached:
                cached.move_to_end(key)
                return cached[key]
        found = self._tiab(searcher, btext) if field == TIAB else self._field(searcher, field, btext)
        with self._lock:  # threads share a searcher: one keeps the cache's count at a time
            if key not in cached:
                cached[key] = found
                self._postings_held += len(found[0]) if found is not None else 0
            while self._postings_held > MAX_CACHED_POSTINGS and len(cached) > 1:
                _key, dropped = cached.popitem(last=False)
                self._postings_held -= len(dropped[0]) if dropped is not None else 0
        return found

    def _field(self, searcher: Searcher, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's postings and BM25 scores in one field, those of every segment in one pair of arrays."""
        parts = []
        for leaf, (sub, base) in enumerate(searcher.leaf_searchers()):
            reader = sub.reader()
            info = self.term_info(leaf, reader, field, btext)
            if info is None:
                continue
            part = self._segment_postings(leaf, sub, field, btext, info)
            parts.append((part[0] + base if base else part[0], part[1]))
        return _joined(parts)

    def _tiab(self, searcher: Searcher, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's BM25F scores over title and abstract: in each paper, the fields' counts weighted
        (:data:`~.ranking.TIAB_FIELDS`) and summed (the title's first), scored by BM25 with the paper's weighted
        length (:meth:`tiab_norms`) and the idf of the papers holding the term in either field."""
        parts = self._raw.pop(btext, None)
        if parts is None:  # not counted for a sharded index's statistics first (a term in no paper counts too)
            parts = self._tiab_counts(searcher, btext)
        if not parts:
            return None
        leaves = searcher.leaf_searchers()
        docs = np.concatenate([docs + leaves[leaf][1] for leaf, docs, _ in parts])
        tf = np.concatenate([tf for _, _, tf in parts])
        norms = np.concatenate(
            [self.tiab_norms(leaf, leaves[leaf][0].reader(), searcher)[d] for leaf, d, _ in parts]
        )
        df = self.stats.doc_frequency(searcher, TIAB, btext, here=len(docs))
        return docs, saturated(tf, norms, robertson_idf(df, self.stats.papers(searcher)))

    def _tiab_counts(self, searcher: Searcher, btext: bytes) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """In each segment holding the term in title or abstract: ``(segment, its papers there, their weighted
        counts)``."""
        parts = []
        for leaf, (sub, _) in enumerate(searcher.leaf_searchers()):
            reader = sub.reader()
            fields = []
            for field, weight in TIAB_FIELDS.items():
                info = self.term_info(leaf, reader, field, btext)
                if info is not None:
                    ids, tfs = postings.read_postings(reader, field, btext, info)
                    fields.append((np.array(ids, dtype=np.int32), weight * np.array(tfs, dtype=np.float64)))
            if fields:
                parts.append((leaf, *(fields[0] if len(fields) == 1 else _summed(fields))))
        return parts

    def tiab_doc_frequency(self, searcher: Searcher, btext: bytes) -> int:
        """How many papers hold the term in title or abstract. A sharded index asks this of every shard before
        scoring with the sums: the counts read are kept for that scoring (:meth:`_tiab`), not read twice."""
        parts = self._tiab_counts(searcher, btext)
        if len(self._raw) >= MAX_KEPT_COUNTS:
            self._raw.clear()
        self._raw[btext] = parts
        return sum(len(docs) for _, docs, _ in parts)

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
        return docs, saturated(tf, norms[docs], idf)

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
            self._avgfl[field] = self.stats.average_length(searcher, field) or 1
        return self._avgfl[field]

    def norms(self, leaf: int, reader: Any, field: str, avgfl: float) -> np.ndarray:
        """``K1 * ((1 - B) + B * length / avgfl)`` for every paper of the segment, from its stored length."""
        key = (leaf, field, avgfl)
        found = self._norms.get(key)
        if found is None:
            by_byte = np.array([K1 * ((1 - B) + B * byte_to_length(n) / avgfl) for n in range(256)])
            found = self._norms[key] = by_byte[np.frombuffer(postings.length_bytes(reader, field), dtype=np.uint8)]
        return found

    def tiab_average(self, searcher: Searcher) -> float:
        """The average weighted length of a paper's title and abstract (:data:`~.ranking.TIAB_FIELDS`)."""
        if TIAB not in self._avgfl:
            total = sum(w * self.stats.average_length(searcher, f) for f, w in TIAB_FIELDS.items())
            self._avgfl[TIAB] = total or 1
        return self._avgfl[TIAB]

    def tiab_norms(self, leaf: int, reader: Any, searcher: Searcher) -> np.ndarray:
        """``K1 * ((1 - B) + B * length / average)`` for every paper of the segment, ``length`` its title's and
        abstract's stored lengths weighted and summed, ``average`` :meth:`tiab_average`."""
        key = (leaf, TIAB, 0.0)
        found = self._norms.get(key)
        if found is None:
            by_byte = np.array([byte_to_length(n) for n in range(256)], dtype=np.float64)
            length = np.zeros(reader.doc_count_all())
            for f, w in TIAB_FIELDS.items():
                length += w * by_byte[np.frombuffer(postings.length_bytes(reader, f), dtype=np.uint8)]
            found = K1 * ((1 - B) + B * length / self.tiab_average(searcher))
            self._norms[key] = found
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
        """The ids of the papers ``docnums``, each read from the id column once."""
        known = self._ids
        missing = [d for d in docnums if d not in known]
        if missing:
            if len(known) + len(missing) > MAX_CACHED_TERMS:
                known.clear()
            column = stored_records(searcher)
            known.update((d, column.id(d)) for d in missing)
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
        return self._deleted  # type: ignore[return-value]  # a sentinel stands for 'not read yet' until here


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


def _joined(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray] | None:
    """Segments' ``(document numbers, values)`` as one pair of arrays (None for none)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([ids for ids, _ in parts]), np.concatenate([v for _, v in parts])


def _summed(fields: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Several fields' ``(document numbers, values)`` as one: each paper once, ascending, its values added in
    field order."""
    docs = np.concatenate([d for d, _ in fields])
    values = np.concatenate([v for _, v in fields])
    order = np.argsort(docs, kind="stable")  # stable: a paper's values stay in field order
    docs, values = docs[order], values[order]
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    return docs[starts], np.add.reduceat(values, starts)


def _column_value(value: Any, year: bool) -> Any:
    if year:
        return NO_YEAR if value is None else value
    return value.decode("utf-8") if isinstance(value, bytes) else (value or "")
