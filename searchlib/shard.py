"""One shard of a sharded index (:mod:`searchlib.sharded`): how it is built, and the server that answers for it.

A shard is an index folder like any other. :func:`build_shard` builds it from the papers of a source that belong
to it; a :class:`ShardServer` holds it open and answers what the sharded index asks of it, in this process or in
a Ray actor (:mod:`searchlib._engine.executors`).
"""

from __future__ import annotations

import pickle
import struct
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
from whoosh.searching import Searcher

from ._engine import shards
from ._engine.building import AddReport, holding, stream_records
from ._engine.parallel import one_blas_thread
from .errors import SearchlibError
from .index import build_index as build_one
from .index import open_index as open_one
from .records.merge import paper_keys
from .records.record import Record, sections_deferred
from .search import highlight, shardwork, termwise
from .search.explain import explain_doc
from .search.match import Matcher
from .search.meaning import paper_vectors
from .search.plan import Plan

#: How many states of a shard (searchers) a server keeps for searches still reading them.
KEPT_VIEWS = 4


class ShardServer:
    """One open shard, answering what the sharded index asks of it (here, or in a Ray actor).

    A search first asks for :meth:`view`, a token for the shard's current state, and names it in every call
    after, so all its calls read the same state even when the shard changes meanwhile.
    """

    def __init__(self, path: str, name: str, trust: bool = False, verify: bool = False) -> None:
        self.name = name
        self.index = open_one(path, trust=trust, verify=verify)
        self._views: dict[int, Searcher] = {}
        self._counts = shardwork.Counts(0, {})
        self._next = 0
        self._stats: dict[tuple[int, ...], shardwork.CollectionStats] = {}
        self._lock = threading.Lock()

    def view(self) -> tuple[int, shardwork.Counts]:
        searcher = self.index._current_searcher()
        with self._lock:
            if self._views and self._views[self._next] is searcher:
                return self._next, self._counts
            self._next += 1
            self._views[self._next] = searcher
            self._counts = shardwork.counts(searcher)
            while len(self._views) > KEPT_VIEWS:
                self._views.pop(next(iter(self._views)))
            return self._next, self._counts

    def _searcher(self, token: int) -> Searcher:
        found = self._views.get(token)
        if found is None:
            raise SearchlibError(
                f"{self.name} has changed several times during this search, or the index these results came from "
                "was closed (read them before closing it, or leaving its with block); search again"
            )
        return found

    def _synced(self, sync: Sync) -> tuple[Searcher, shardwork.CollectionStats]:
        """The searcher and collection statistics of a search, with what it has learnt since the last call."""
        key, token, base, terms, dfs, phrases, found = sync
        with self._lock:
            stats = self._stats.get(key)
            if stats is None:
                stats = self._stats[key] = shardwork.CollectionStats(base[0], base[1])
                while len(self._stats) > KEPT_VIEWS:
                    self._stats.pop(next(iter(self._stats)))
            stats.learn(terms, dfs, phrases, found)
        return self._searcher(token), stats

    def gather(
        self, sync: Sync, terms: list[tuple[str, bytes]], phrases: list[Any]
    ) -> tuple[list[int], list[int]]:
        searcher, _ = self._synced(sync)
        return shardwork.doc_frequencies(searcher, terms), shardwork.phrase_matches(searcher, phrases)

    def top(self, sync: Sync, plan: Plan, filters: Filters, limit: int | None, sort: str) -> Any:
        searcher, stats = self._synced(sync)
        scored = shardwork.scores(searcher, stats, plan, *filters)
        return shardwork.top(searcher, scored, limit, sort)

    def explain(self, sync: Sync, plan: Plan, docnum: int) -> Any:
        searcher, stats = self._synced(sync)
        return explain_doc(Matcher(searcher, stats), plan, docnum)

    def facets(self, token: int, plan: Plan, filters: Filters, name: str) -> Counter[Any]:
        searcher = self._searcher(token)  # which papers match needs no collection statistics
        return shardwork.facet_counts(searcher, shardwork.scores(searcher, termwise.OWN, plan, *filters), name)

    def count(self, token: int, plan: Plan, filters: Filters) -> int:
        searcher = self._searcher(token)
        return int((shardwork.scores(searcher, termwise.OWN, plan, *filters) > 0).sum())

    def records(self, token: int, docnums: list[int]) -> list[Record]:
        return shardwork.records(self._searcher(token), docnums)

    def frequencies(self, token: int, terms: list[tuple[str, str]]) -> list[float]:
        return shardwork.frequencies(self._searcher(token), terms)

    def doc_frequency(self, token: int, field: str, text: str) -> int:
        return int(self._searcher(token).reader().doc_frequency(field, text))

    def highlights(self, token: int, plan: Plan, docnum: int) -> dict[str, str]:
        searcher = self._searcher(token)
        return highlight.marked(shardwork.records(searcher, [docnum])[0], plan, Matcher(searcher))

    def schema(self) -> Any:
        return self.index._ix.schema

    def vectors(self, token: int, docnums: list[int]) -> np.ndarray:
        return paper_vectors(self._searcher(token), np.array(docnums, dtype=np.int64))

    def find(self, token: int, id_or_doi: str) -> tuple[int, Record] | None:
        searcher = self._searcher(token)
        docnum = self.index._docnum(searcher, id_or_doi)
        return None if docnum is None else (docnum, shardwork.records(searcher, [docnum])[0])

    def identified(self, token: int, kind: str, value: str) -> int | None:
        searcher = self._searcher(token)
        found = searcher.document_number(**{kind: value}) if kind in searcher.schema else None
        return None if found is None else int(found)

    def size(self) -> int:
        return len(self.index)

    def papers(self, token: int, start: int, count: int) -> tuple[list[Record], int | None]:
        """Up to ``count`` papers from document ``start`` on, and where the next ones begin (None: no more)."""
        reader = self._searcher(token).reader()
        end = reader.doc_count_all()
        live: list[int] = []
        while start < end and len(live) < count:
            if not reader.is_deleted(start):
                live.append(start)
            start += 1
        return shardwork.records(self._searcher(token), live), (start if start < end else None)

    def add(self, records: list[Record], timeout: float) -> Tally:
        return tally(self.index.add(records, timeout=timeout))

    def holding(self, keys: list[str]) -> list[int]:
        """Which of the identifiers ``keys`` (their places in the list) a paper of this shard holds."""
        reader = self.index._current_searcher().reader()
        return [i for i, key in enumerate(keys) if any(not reader.is_deleted(d) for d in holding(reader, key))]

    def papers_holding(self, keys: list[str]) -> list[Record]:
        """The papers of this shard holding any of the identifiers ``keys``, in the order one index finds them."""
        searcher = self.index._current_searcher()
        reader = searcher.reader()
        found = dict.fromkeys(d for key in keys for d in holding(reader, key) if not reader.is_deleted(d))
        return shardwork.records(searcher, list(found))

    def delete(self, ids: list[str], timeout: float) -> int:
        return self.index.delete(ids, timeout=timeout)

    def merge(self, keys: list[str], timeout: float) -> Record:
        return self.index.merge(keys, timeout=timeout)

    def optimize(self, timeout: float) -> None:
        self.index.optimize(timeout=timeout)

    def stats(self) -> tuple[dict[str, Any], set[str], set[str]]:
        """The shard's own stats, and its title and abstract terms (for the collection's vocabulary)."""
        reader = self.index._current_searcher().reader()
        abstract = {t.decode("utf-8") for t in reader.lexicon("abstract")}
        title = {t.decode("utf-8") for t in reader.lexicon("title")}
        return self.index.stats(), title, abstract

    def close(self) -> None:
        self.index.close()
        self._views.clear()


#: ``(view key, shard's token, the view's papers and field lengths, terms, their
#: document frequencies, phrases, their counts)``: what a scoring call tells a shard of the collection.
Sync = tuple[tuple[int, ...], int, "tuple[int, dict[str, int]]", list, list, list, list]
#: ``(year, journal, publication type, language, id of a paper left out)``.
Filters = tuple[Any, Any, Any, Any, "str | None"]


def build_shard(
    source: Any,
    target: str,
    number: int,
    where: bytes | None,
    errors: Literal["raise", "skip"],
    meaning: bool = False,
) -> Tally:
    """Build shard ``number`` at ``target`` from its records: those of ``source`` that ``where``
    (:meth:`Placement.shards`) places in it, for records in memory, which every builder has; or, with
    ``where=None``, all of ``source``: the :class:`Spilled` records :func:`split` wrote for this shard alone.
    ``meaning`` keeps each paper's vector, as :func:`searchlib.build_index` does. Returns its
    :class:`~searchlib.AddReport`'s figures."""
    records = stream_records(source, errors)
    if where is None:
        mine: Iterable[Record] = records
    else:
        placed = array("H", where)
        mine = (r for r, shard in zip(records, placed, strict=True) if shard == number)
    # Shards are built side by side, each running the language model; the limit ends with the build, as a shard
    # built in this process (one shard, or no fork) leaves the searches after it their threads.
    with sections_deferred(), one_blas_thread(meaning):  # records of other shards are passed over unsplit
        index = build_one(mine, target, procs=1, meaning=meaning)
    try:
        return tally(index.report)
    finally:
        index.close()


#: An :class:`~searchlib.AddReport`'s figures, ``(papers, new, merged, unchanged)``, as a shard sends them.
Tally = tuple[int, int, int, int]


def tally(report: AddReport | None) -> Tally:
    return (0, 0, 0, 0) if report is None else (int(report), report.new, report.merged, report.unchanged)


def report_of(tallies: list[Tally], skipped: int) -> AddReport:
    """The shards' figures as one :class:`~searchlib.AddReport`."""
    papers, new, merged, unchanged = (
        (sum(column) for column in zip(*tallies, strict=True)) if tallies else (0,) * 4
    )
    return AddReport(papers, new=new, merged=merged, unchanged=unchanged, skipped=skipped)


class Placement:
    """Which shard each record read goes to: the shard of its paper's first record's id.

    Copies of a paper (records sharing an identifier, directly or through others, as :mod:`searchlib.records.merge`
    finds them) go where the first of them goes, so each shard merges them as one index would. Only identifiers
    and a shard number per record are held, never a record.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.own = array("H")  # by place in the order read: the shard of the record's own id
        self.owner: dict[str, int] = {}  # identifier -> the first record read holding it
        self.parent: dict[int, int] = {}  # a record -> an earlier record of the same paper

    def note(self, record: Record) -> None:
        """Place the next record read."""
        self.note_keys(record.id, paper_keys(record))

    def note_keys(self, paper_id: str, keys: list[str]) -> None:
        """Place the next record read, known by its id and its identifiers."""
        place = len(self.own)
        self.own.append(shards.shard_of(paper_id, self.count))
        roots = {self.root(self.owner.setdefault(key, place)) for key in keys} - {place}
        if roots:
            first = min(roots)
            for other in roots - {first}:
                self.parent[other] = first
            self.parent[place] = first

    def root(self, place: int) -> int:
        """The first record read of the paper of the record at ``place``."""
        while (up := self.parent.get(place)) is not None:
            place = up
        return place

    def shards(self) -> array[int]:
        """Each record's shard, in the order read."""
        own = self.own
        return array("H", (own[self.root(i)] if i in self.parent else s for i, s in enumerate(own)))

    def groups(self) -> dict[int, list[str]]:
        """Each paper's identifiers, by its first record's place."""
        found: dict[int, list[str]] = {}
        for key, place in self.owner.items():
            found.setdefault(self.root(place), []).append(key)
        return found


def read_file(
    source: str, spilled: str, errors: Literal["raise", "skip"]
) -> tuple[list[tuple[str, list[str]]], int]:
    """Read a record file, writing its records to ``spilled`` (:func:`spill`) for the builders; its records' ids
    and identifiers (for :meth:`Placement.note_keys`), and how many records were skipped as malformed."""
    skipped: list[Any] = []
    with sections_deferred():  # each builder splits its own records' abstracts into sections
        found = [(r.id, paper_keys(r)) for r in spill(stream_records(source, errors, skipped), Path(spilled))]
    return found, len(skipped)


def spill(records: Iterable[Record], path: Path) -> Iterator[Record]:
    """``records`` as they are read, each also written to ``path`` for :func:`split` and :class:`Spilled`: its
    pickle, after its length, so that :func:`split` copies a record without reading it."""
    with open(path, "wb") as f:
        for record in records:
            data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
            f.write(_LENGTH.pack(len(data)))
            f.write(data)
            yield record


_LENGTH = struct.Struct("<Q")


def _spilled(f: BinaryIO) -> Iterator[bytes]:
    """The pickles of the records :func:`spill` wrote to ``f``, in order."""
    while head := f.read(_LENGTH.size):
        yield f.read(_LENGTH.unpack(head)[0])


def split(spilled: str, where: bytes, count: int) -> list[str | None]:
    """Copy each record of the file :func:`spill` wrote to ``spilled`` into a file for its shard (``where``: the
    shard of each of them, in order), as written, and remove ``spilled``: each shard's builder then reads only
    its own records. Returns each shard's file (``spilled.0003``), in shard order, None for a shard given none."""
    placed = array("H", where)
    pieces: dict[int, BinaryIO] = {}
    try:
        with open(spilled, "rb") as f:
            for data, shard in zip(_spilled(f), placed, strict=True):
                if shard not in pieces:
                    pieces[shard] = open(f"{spilled}.{shard:04d}", "wb")  # noqa: SIM115 (closed below)
                pieces[shard].write(_LENGTH.pack(len(data)))
                pieces[shard].write(data)
    finally:
        for piece in pieces.values():
            piece.close()
    Path(spilled).unlink()
    return [f"{spilled}.{shard:04d}" if shard in pieces else None for shard in range(count)]


class Spilled:
    """The records :func:`spill` (or :func:`split`) wrote to each of ``paths`` in turn (this build's own files,
    never files of an index folder), read back."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def __iter__(self) -> Iterator[Record]:
        for path in self.paths:
            with open(path, "rb") as f:
                for data in _spilled(f):
                    yield pickle.loads(data)
