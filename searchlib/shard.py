"""One shard of a sharded index (:mod:`searchlib.sharded`): how it is built, and the server that answers for it.

A shard is an index folder like any other. :func:`build_shard` builds it from the papers of a source that belong
to it; a :class:`ShardServer` holds it open and answers what the sharded index asks of it, in this process or in
a Ray actor (:mod:`searchlib._engine.executors`).
"""

from __future__ import annotations

import pickle
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from whoosh.searching import Searcher

from ._engine import shards
from ._engine.building import stream_records
from .errors import SearchlibError
from .index import build_index as build_one
from .index import open_index as open_one
from .records.record import Record, sections_deferred
from .search import highlight, shardwork, termwise
from .search.explain import explain_doc
from .search.match import Matcher
from .search.plan import Plan

#: How many states of a shard (searchers) a server keeps for searches still reading them.
KEPT_VIEWS = 4


class ShardServer:
    """One open shard, answering what the sharded index asks of it (here, or in a Ray actor).

    A search first asks for :meth:`view`, a token for the shard's current state, and names it in every call
    after, so all its calls read the same state even when the shard changes meanwhile.
    """

    def __init__(self, path: str, name: str) -> None:
        self.name = name
        self.index = open_one(path)
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
            raise SearchlibError(f"{self.name} has changed several times during this search; search again")
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

    def add(self, records: list[Record], timeout: float) -> int:
        return self.index.add(records, timeout=timeout)

    def delete(self, ids: list[str], timeout: float) -> int:
        return self.index.delete(ids, timeout=timeout)

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


def build_shard(source: Any, target: str, number: int, count: int, errors: Literal["raise", "skip"]) -> int:
    """Build shard ``number`` of ``count`` at ``target`` from the papers of ``source`` that belong to it (records
    in memory, which every builder has: it keeps its own), or from ``Spilled`` records, all its own (``count``
    1). Returns how many papers it holds."""
    mine = (r for r in stream_records(source, errors) if shards.shard_of(r.id, count) == number)
    index = build_one(mine, target, procs=1)
    try:
        return len(index)
    finally:
        index.close()


def route(files: list[tuple[int, str]], folder: str, count: int, errors: Literal["raise", "skip"]) -> int:
    """Read record files (each ``(number, path)``) and write each record to the file of its shard for that
    record file, ``.part-NUMBER-SHARD.records``; returns how many records went. Sections are split later, by
    the builder that indexes the record."""
    routed = 0
    with sections_deferred():
        for number, path in files:
            routed += spill(stream_records(path, errors), Path(folder), count, f"part-{number:06d}")
    return routed


def spill(records: Iterator[Record], folder: Path, count: int, prefix: str) -> int:
    """Write each of ``records`` to the file of its shard, ``folder/.PREFIX-SHARD.records``; how many went."""
    files: dict[int, Any] = {}
    written = 0
    try:
        for record in records:
            shard = shards.shard_of(record.id, count)
            if shard not in files:
                files[shard] = open(folder / f".{prefix}-{shard:03d}.records", "wb")
            pickle.dump(record, files[shard], protocol=pickle.HIGHEST_PROTOCOL)
            written += 1
    finally:
        for f in files.values():
            f.close()
    return written


class Spilled:
    """The records of one shard written by :func:`spill`, from each of ``paths`` in turn, read back as they are
    indexed."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def __iter__(self) -> Iterator[Record]:
        for path in self.paths:
            with open(path, "rb") as f:
                while True:
                    try:
                        yield pickle.load(f)
                    except EOFError:
                        break
