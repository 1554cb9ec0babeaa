"""A sharded index: papers split between several indexes by a hash of their id, built in parallel, searched as one.

``build_index(source, path, shards=4)`` writes four shard indexes under ``path`` (:mod:`._engine.shards` says
how the folder is laid out and which shard holds a paper); ``open_index(path)`` opens it as an :class:`Index`
that answers every question one index answers, with the same answers: the same hits in the same order with the
same scores (each shard scores its papers with the whole collection's statistics, :mod:`.search.shardwork`),
the same totals, facets, suggestions, similar papers and explanations. Ties rank by paper id in both.

Each shard is served by a :class:`ShardServer`; an executor (:mod:`._engine.executors`) runs the servers in
this process (``executor="local"``, the default) or in Ray actors (``executor="ray"``). A search asks every
shard what the query needs to be scored (document frequencies, phrase counts), sums the answers, asks every
shard for its best papers scored with those sums, and merges them; a shard that fails fails the search.

Writes go to the shard of each paper, each shard committing its part (see :meth:`ShardedIndex.add`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import numpy as np
from whoosh.searching import Searcher

from ._engine import shards
from ._engine.building import AddReport, expected_count, stream_records
from ._engine.executors import Executor, ShardFailed
from .analysis import stemtable
from .errors import (
    LoadError,
    QueryError,
    SearchlibError,
    UntrustedIndexError,
    check_count,
    check_flag,
    check_seconds,
)
from .index import Index, Source, _check_limit, merge_keys
from .progress import Progress
from .records.record import Record, normalise_doi
from .results import Hit, Results
from .search import facets, shardwork, syntax
from .search.explain import Explanation
from .search.feedback import FEEDBACK_DOCS, expand_with
from .search.meaning import DEPTH, gains, meaning_part, query_text, query_vector
from .search.plan import Plan, Planner, Terms, render
from .search.similar import more_like_plan
from .search.suggest import suggest, vocabulary_size
from .shard import (
    Filters,
    Placement,
    ShardServer,
    Sync,
    Tally,
    report_of,
)

#: Records read at a time when papers are added to a sharded index without a ``batch_size``.
ADD_BATCH = 5_000
#: Hits whose records are fetched from their shards together, the first time one of them is read.
FETCH_BATCH = 100
#: Words whose occurrences feedback asks every shard for at a time.
LOOKUP_BATCH = 64

Executorish = Literal["local", "ray"] | Executor | None


# -- the collection --------------------------------------------------------------------------------------------


class _View:
    """One state of every shard, and the collection statistics gathered for it so far."""

    def __init__(self, answers: list[tuple[int, shardwork.Counts]]) -> None:
        self.key = tuple(token for token, _ in answers)
        self.stats = shardwork.CollectionStats.of([counts for _, counts in answers])
        self.sent: list[tuple[int, int] | None] = [None] * len(answers)  # terms and phrases each shard has

    def sync(self, shard: int) -> Sync:
        """What shard ``shard`` has not been told yet (the delta since the last call)."""
        stats = self.stats
        sent = self.sent[shard]
        base = (stats.papers_, stats.lengths)  # always: another thread's first call may reach the shard later
        t0, p0 = sent or (0, 0)
        terms = list(islice(stats.df.items(), t0, None))
        phrases = list(islice(stats.phrases.items(), p0, None))
        self.sent[shard] = (len(stats.df), len(stats.phrases))
        return (
            self.key,
            self.key[shard],
            base,
            [t for t, _ in terms],
            [n for _, n in terms],
            [p for p, _ in phrases],
            [n for _, n in phrases],
        )


class ShardedIndex(Index):
    """An index split into shards, searched as one (get one from ``build_index(..., shards=N)`` or
    ``open_index`` on its folder). Everything an :class:`Index` does, with the same results."""

    def __init__(self, path: Path, executor: Executor, trust: bool = False, verify: bool = False) -> None:
        manifest = shards.read_manifest(path)
        self.path = path
        self.shards = int(manifest["shards"])
        self.executor = executor
        self._names = [shards.shard_name(i) for i in range(self.shards)]
        self._lock = threading.RLock()
        self._view: _View | None = None
        for name in self._names:
            stemtable.register(path / name)  # the stems NLTK gave its words, read rather than worked out again
        self._words = stemtable.WordLists([stemtable.WordList(path / name) for name in self._names])
        self.report: AddReport | None = None
        try:
            executor.serve(
                ShardServer, [(str(path / name), name, trust, verify) for name in self._names], self._names
            )
        except UntrustedIndexError as e:  # say how to trust them all, not one shard
            raise UntrustedIndexError(
                f"{str(e).rstrip('.')}; it is a shard of {path}: `searchlib trust {path}` (or "
                "open_index(path, trust=True)) checks and signs every shard",
                str(path),
            ) from None
        # Queries are planned, and feedback's words analysed, as the shards' own schema does (as one index's).
        self._schema = executor.call(0, "schema")

    # -- the state searched, and its statistics ----------------------------------------------------------

    def _current(self) -> _View:
        answers = self.executor.call_all("view")
        with self._lock:
            key = tuple(token for token, _ in answers)
            if self._view is None or self._view.key != key:
                self._view = _View(answers)
            return self._view

    def _gathered(self, view: _View, plan: Plan) -> None:
        """Ask every shard for what scoring ``plan`` needs that the view does not know yet, and add it up."""
        terms, phrases = view.stats.missing(self._schema, plan)
        self._gather(view, terms, phrases)

    def _gather(self, view: _View, terms: list[tuple[str, bytes]], phrases: list[Any]) -> None:
        if not terms and not phrases:
            return
        with self._lock:
            syncs = [(view.sync(i), terms, phrases) for i in range(self.shards)]
        answers = self.executor.call_all("gather", syncs)
        with self._lock:
            view.stats.learn(
                terms,
                [sum(a[0][i] for a in answers) for i in range(len(terms))],
                phrases,
                [sum(a[1][i] for a in answers) for i in range(len(phrases))],
            )

    def _scoring(self, view: _View, plan: Plan, method: str, *args: Any, only: int | None = None) -> list[Any]:
        """Every shard's ``method(sync, plan, *args)`` (or shard ``only``'s): statistics gathered first, again if a
        shard needs more."""
        self._gathered(view, plan)
        for _ in range(3):
            try:
                with self._lock:
                    syncs = [(view.sync(i), plan, *args) for i in range(self.shards)]
                if only is not None:
                    return [self.executor.call(only, method, *syncs[only])]
                return self.executor.call_all(method, syncs)
            except shardwork.MissingStats as missing:
                # Another thread's search may have told the shards' what this one was counting on: gather what
                # is missing if the view lacks it, and tell every shard everything again.
                known = view.stats
                self._gather(
                    view,
                    [t for t in missing.terms if t not in known.df],
                    [p for p in missing.phrases if p not in known.phrases],
                )
                with self._lock:
                    view.sent = [None] * self.shards
        raise ShardFailed(f"the shards of {self.path} kept asking for statistics no shard gave")

    # -- reading ------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return sum(self.executor.call_all("size"))

    def get(self, id_or_doi: str) -> Record | None:
        found = self._find(self._current(), id_or_doi)
        return None if found is None else found[2]

    def _find(self, view: _View, id_or_doi: str) -> tuple[int, int, Record] | None:
        """``(shard, docnum, record)`` of the paper, looked for in the shard its id routes to, then in all (a
        PMID or PMCID is not the id papers are placed by)."""
        key = normalise_doi(id_or_doi) or id_or_doi.strip()
        first = shards.shard_of(key, self.shards)
        for shard in [first] + [i for i in range(self.shards) if i != first]:
            found = self.executor.call(shard, "find", view.key[shard], id_or_doi)
            if found is not None:
                return shard, found[0], found[1]
        return None

    def __iter__(self) -> Iterator[Record]:
        """Every paper, shard after shard, each shard's in its order."""
        view = self._current()
        for shard in range(self.shards):
            start: int | None = 0
            while start is not None:
                chunk, start = self.executor.call(shard, "papers", view.key[shard], start, FETCH_BATCH)
                yield from chunk

    def search(
        self,
        query: str,
        limit: int | None = 10,
        *,
        match: Literal["all", "any"] = "all",
        plain: bool = False,
        year: int | tuple[int | None, int | None] | None = None,
        journal: str | Iterable[str] | None = None,
        sort: Literal["relevance", "date", "-date"] = "relevance",
        feedback: bool | None = None,
        publication_type: str | Iterable[str] | None = None,
        language: str | Iterable[str] | None = None,
        meaning: bool = True,
    ) -> Results:
        _check_limit(limit)
        check_flag("feedback", feedback, none=True, error=QueryError)
        check_flag("meaning", meaning, error=QueryError)
        view = self._current()
        parsed = syntax.parse(query, match=match, plain=plain)
        sorting = facets.check_sort(sort)
        plan = self._planner(view).plan(parsed, match)
        filters: Filters = (year, journal, publication_type, language, None)
        if parsed.identifier and (found := self._identified_in(view, parsed.identifier)) is not None:
            shard, docnum = found
            record = self.executor.call(shard, "records", view.key[shard], [docnum])[0]
            named = Terms((("id", record.id, 1.0),))
            if any(f is not None for f in filters) and not self._top(view, named, filters, 1, "relevance")[1]:
                counter = self._facet_counter(view, named, filters)  # the filters leave the paper out
                return Results(query, render(plan), [], 0, facet_counter=counter, warnings=parsed.warnings)
            hit = Hit(1, 1.0, record, id=record.id)
            hit._highlighter = partial(self.executor.call, shard, "highlights", view.key[shard], plan, docnum)
            counter = self._facet_counter(view, named, (None,) * 5)
            return Results(query, render(plan), [hit], 1, facet_counter=counter, warnings=parsed.warnings)
        asked = None
        if feedback if feedback is not None else match == "any" and sort == "relevance":
            first, asked = self._top(view, plan, filters, FEEDBACK_DOCS, "relevance")
            plan = self._expanded(view, plan, first, loosen=match == "any")
        if meaning and sorting == "relevance" and "meaning" in self._schema:
            depth = None if limit is None else max(limit, DEPTH)
            entries, total = self._top(view, plan, filters, depth, sorting)
            entries = self._by_meaning(view, query_text(parsed, plain), entries)[:limit]
        else:
            entries, total = self._top(view, plan, filters, limit, sorting)
        asked = total if asked is None else asked
        return Results(
            query,
            render(plan),
            self._hits(view, plan, entries),
            total,
            suggestion=lambda: suggest(
                self._collection(view),
                self._words,
                query,
                asked,
                lambda text: self._count_all(view, text, match, plain, filters),
            ),
            facet_counter=self._facet_counter(view, plan, filters),
            warnings=parsed.warnings,
        )

    def _by_meaning(
        self, view: _View, text: str, entries: list[tuple[int, shardwork.Entry]]
    ) -> list[tuple[int, shardwork.Entry]]:
        """``entries`` (best first) with the best :data:`~.search.meaning.DEPTH` gaining by meaning, as one index
        gains (:mod:`searchlib.search.meaning`), in their new order."""
        top = entries[:DEPTH]
        query = query_vector(text) if top else None
        if query is None:
            return entries
        added = gains(top[0][1].score, self._vectors(view, top) @ query)
        raised = [(s, replace(e, score=e.score + float(g))) for (s, e), g in zip(top, added, strict=True)]
        return shardwork.merge([raised + entries[DEPTH:]], None, "relevance")

    def _vectors(self, view: _View, entries: list[tuple[int, shardwork.Entry]]) -> np.ndarray:
        """The vectors of the papers of ``entries``, one row each, in their order."""
        docnums: dict[int, list[int]] = {}
        for shard, entry in entries:
            docnums.setdefault(shard, []).append(entry.docnum)
        calls = [(shard, (view.key[shard], wanted)) for shard, wanted in docnums.items()]
        answers = self.executor.call_each("vectors", calls)
        rows = {
            (shard, docnum): vector
            for (shard, wanted), got in zip(docnums.items(), answers, strict=True)
            for docnum, vector in zip(wanted, got, strict=True)
        }
        return np.array([rows[(shard, entry.docnum)] for shard, entry in entries])

    def _planner(self, view: _View) -> Planner:
        def known(term: str) -> bool:
            terms = [("title", term), ("abstract", term)]
            return any(
                any(found) for found in self.executor.call_all("frequencies", [(t, terms) for t in view.key])
            )

        return Planner(self._schema, known)

    def _identified_in(self, view: _View, identifier: tuple[str, str]) -> tuple[int, int] | None:
        for shard in range(self.shards):
            docnum = self.executor.call(shard, "identified", view.key[shard], *identifier)
            if docnum is not None:
                return shard, docnum
        return None

    def _top(
        self, view: _View, plan: Plan, filters: Filters, limit: int | None, sort: str
    ) -> tuple[list[tuple[int, shardwork.Entry]], int]:
        answers = self._scoring(view, plan, "top", filters, limit, sort)
        parts = [[(shard, entry) for entry in entries] for shard, (entries, _) in enumerate(answers)]
        return shardwork.merge(parts, limit, sort), sum(total for _, total in answers)

    def _expanded(self, view: _View, plan: Plan, top: list[tuple[int, shardwork.Entry]], *, loosen: bool) -> Plan:
        """Feedback over the collection: the best papers of every shard, the collection's statistics."""
        if not top:
            return plan
        records = [
            r[0] for r in self.executor.call_each("records", [(s, (view.key[s], [e.docnum])) for s, e in top])
        ]
        stats = view.stats
        looked = shardwork.BatchedFrequencies(partial(self._frequencies, view), LOOKUP_BATCH)
        return expand_with(
            plan,
            [e.score for _, e in top],
            records,
            self._schema["abstract"],
            stats.papers_,
            stats.lengths.get("title", 0) + stats.lengths.get("abstract", 0),
            looked.frequency,
            loosen=loosen,
            prefetch=looked.order,
        )

    def _collection(self, view: _View) -> Searcher:
        """The collection as a searcher for "Did you mean" and "more like this": every count a sum over shards."""

        def doc_frequency(field: str, text: str) -> int:
            return sum(self.executor.call_all("doc_frequency", [(t, field, text) for t in view.key]))

        return shardwork.CollectionReader.of(
            self._schema, view.stats, partial(self._frequencies, view), doc_frequency
        )

    def _frequencies(self, view: _View, terms: list[tuple[str, str]]) -> list[float]:
        """Each ``(field, text)`` term's occurrences in the collection."""
        answers = self.executor.call_all("frequencies", [(t, terms) for t in view.key])
        return [sum(part[i] for part in answers) for i in range(len(terms))]

    def _hits(self, view: _View, plan: Plan, entries: list[tuple[int, shardwork.Entry]]) -> list[Hit]:
        fetched: dict[int, Record] = {}

        def record(rank: int) -> Record:
            if rank not in fetched:
                start = rank - rank % FETCH_BATCH
                batch = [(r, entries[r]) for r in range(start, min(start + FETCH_BATCH, len(entries)))]
                mine = {s: [(r, e) for r, (t, e) in batch if t == s] for s in sorted({s for _, (s, _) in batch})}
                calls = [(s, (view.key[s], [e.docnum for _, e in part])) for s, part in mine.items()]
                for part, got in zip(mine.values(), self.executor.call_each("records", calls), strict=True):
                    fetched.update((r, rec) for (r, _), rec in zip(part, got, strict=True))
            return fetched[rank]

        hits = []
        for rank, (shard, entry) in enumerate(entries):
            hit = Hit(rank + 1, entry.score, partial(record, rank), id=entry.id)
            hit._highlighter = partial(
                self.executor.call, shard, "highlights", view.key[shard], plan, entry.docnum
            )
            hits.append(hit)
        return hits

    def _facet_counter(self, view: _View, plan: Plan, filters: Filters) -> Callable[[str], dict[Any, int]]:
        def count(name: str) -> dict[Any, int]:
            name = facets.facet_name(name)  # "pt" is "publication_type"; an unknown name, a QueryError
            total: Counter[Any] = Counter()
            for part in self.executor.call_all("facets", [(t, plan, filters, name) for t in view.key]):
                total.update(part)
            return facets.in_order(name, total)

        return count

    def _count_all(
        self, view: _View, text: str, match: Literal["all", "any"], plain: bool, filters: Filters
    ) -> int:
        parsed = syntax.parse(text, match=match, plain=plain)
        plan = self._planner(view).plan(parsed, match)
        return sum(self.executor.call_all("count", [(t, plan, filters) for t in view.key]))

    def similar(self, id_or_doi: str, limit: int | None = 10) -> Results:
        _check_limit(limit)
        view = self._current()
        _, _, record = self._locate_in_shard(view, id_or_doi)
        plan = more_like_plan(self._collection(view), record) or Terms(())
        entries, total = self._top(view, plan, (None, None, None, None, record.id), limit, "relevance")
        return Results(
            f"like {record.doi or record.id}",
            render(plan),
            self._hits(view, plan, entries),
            total,
            facet_counter=self._facet_counter(view, plan, (None, None, None, None, record.id)),
        )

    def explain(
        self, query: str, id_or_doi: str, *, match: Literal["all", "any"] = "all", plain: bool = False
    ) -> Explanation:
        view = self._current()
        parsed = syntax.parse(query, match=match, plain=plain)
        plan = self._planner(view).plan(parsed, match)
        shard, docnum, record = self._locate_in_shard(view, id_or_doi)
        parts = self._scoring(view, plan, "explain", docnum, only=shard)[0]
        if parts is not None and "meaning" in self._schema:
            top = self._top(view, plan, (None,) * 5, DEPTH, "relevance")[0]
            mine = [(s, e) for s, e in top if (s, e.docnum) == (shard, docnum)]
            wanted = query_vector(query_text(parsed, plain)) if mine else None
            if wanted is not None:
                similarity = float((self._vectors(view, mine) @ wanted)[0])
                gain = float(gains(top[0][1].score, np.array([similarity]))[0])
                parts = parts + [meaning_part(similarity, gain)] if gain > 0 else parts
        score = None if parts is None else sum(p.score for p in parts)
        return Explanation(query, render(plan), record.doi or record.id, score, tuple(parts or ()))

    def _locate_in_shard(self, view: _View, id_or_doi: str) -> tuple[int, int, Record]:
        found = self._find(view, id_or_doi)
        if found is None:
            raise SearchlibError(f"no paper with DOI or id {id_or_doi!r} in the index")
        return found

    def stats(self) -> dict[str, Any]:
        """:meth:`Index.stats` of the collection, with ``shards``: each shard's papers."""
        answers = self.executor.call_all("stats")
        parts = [s for s, _, _ in answers]
        titles: set[str] = set().union(*(t for _, t, _ in answers))
        abstracts: set[str] = set().union(*(a for _, _, a in answers))
        sections: Counter[str] = Counter()
        for part in parts:
            sections.update(part["papers_with_section"])
        return {
            "path": str(self.path),
            "papers": sum(p["papers"] for p in parts),
            "fields": parts[0]["fields"],
            "papers_with_section": {name: sections[name] for name in parts[0]["papers_with_section"]},
            "papers_with_any_section": sum(p["papers_with_any_section"] for p in parts),
            "vocabulary": vocabulary_size(
                shardwork.Lexicons.of({"title": titles, "abstract": abstracts}), self._words
            ),
            "abstract_vocabulary": len(abstracts),
            "segments": sum(p["segments"] for p in parts),
            "size_bytes": sum(p["size_bytes"] or 0 for p in parts),
            "last_change": max((p["last_change"] or "" for p in parts), default="") or None,
            "meaning": all(p["meaning"] for p in parts),
            "shards": {name: p["papers"] for name, p in zip(self._names, parts, strict=True)},
        }

    # -- writing ----------------------------------------------------------------------------------------------

    def add(
        self,
        source: Source,
        *,
        errors: Literal["raise", "skip"] = "raise",
        timeout: float = 5.0,
        progress: Progress | None = None,
        batch_size: int | None = None,
    ) -> AddReport:
        """Add papers, each merged with the paper it is a copy of wherever that is, as :meth:`Index.add` does.

        Every ``batch_size`` records (default :data:`ADD_BATCH`) go to their shards, each shard committing its
        part: a new paper goes to the shard of its id, a copy to the shard of its paper (:mod:`.shard`). A shard
        that fails is named in the error, and the papers the others committed stay added (adding the same
        records again completes the add).
        """
        check_seconds("timeout", timeout)
        check_count("batch_size", batch_size, none=f"for batches of {ADD_BATCH:,}")
        skipped: list[LoadError] = []
        records = stream_records(source, errors, skipped)
        total = expected_count(source)
        tallies: list[Tally] = []
        read = 0
        while batch := list(islice(records, batch_size or ADD_BATCH)):
            tallies += self._add_batch(batch, timeout)
            read += len(batch)
            if progress is not None:
                progress(read, max(total, read))
        self.report = report_of(tallies, len(skipped))
        return self.report

    def _add_batch(self, batch: list[Record], timeout: float) -> list[Tally]:
        """Add one batch: each record to the shard holding its paper, else to its own id's shard."""
        placement = Placement(self.shards)
        for record in batch:
            placement.note(record)
        where = placement.shards()
        groups = placement.groups()
        keys = [key for root in groups for key in groups[root]]
        roots = [root for root in groups for _ in groups[root]]
        holders: dict[int, set[int]] = {}
        for shard, found in enumerate(self.executor.call_all("holding", [(keys,)] * self.shards)):
            for i in found:
                holders.setdefault(roots[i], set()).add(shard)
        target: dict[int, int] = {}
        for root, held in holders.items():
            target[root] = where[root] if where[root] in held else min(held)
            for other in sorted(held - {target[root]}):  # a record linking papers of two shards: one shard
                self._move(other, target[root], groups[root], timeout)
        parts: list[list[Record]] = [[] for _ in range(self.shards)]
        for place, record in enumerate(batch):
            parts[target.get(placement.root(place), where[place])].append(record)
        return self._each("add", parts, timeout)

    def _move(self, source: int, target: int, keys: list[str], timeout: float) -> None:
        """Move the papers of shard ``source`` holding any of ``keys`` to shard ``target``: added there before
        they are deleted here, so a failure between the two leaves a copy, never a loss."""
        papers = self.executor.call(source, "papers_holding", keys)
        if papers:
            self._each("add", {target: papers}, timeout)
            self._each("delete", {source: [paper.id for paper in papers]}, timeout)

    def _each(self, method: str, parts: Sequence[list[Any]] | dict[int, list[Any]], timeout: float) -> list[Any]:
        """``method(part, timeout)`` on each shard with a part; a :class:`ShardFailed` names those that failed."""
        done, failed = [], []
        for shard, part in parts.items() if isinstance(parts, dict) else enumerate(parts):
            if not part:
                continue
            try:
                done.append(self.executor.call(shard, method, part, timeout))
            except SearchlibError as e:
                failed.append(f"{self._names[shard]} ({e})")
        if failed:
            raise ShardFailed(
                f"{method} failed in {', '.join(failed)}; the other shards' changes are committed. "
                f"Run the same {method} again once the cause is fixed: it completes it"
            )
        return done

    def delete(self, ids: str | Iterable[str], *, timeout: float = 5.0) -> int:
        check_seconds("timeout", timeout)
        if not isinstance(ids, str) and (isinstance(ids, (bytes, Mapping)) or not isinstance(ids, Iterable)):
            raise QueryError(f"delete takes a DOI or id (a string) or a list of them, not {ids!r}")
        parts: list[list[str]] = [[] for _ in range(self.shards)]
        view = self._current()
        for key in [ids] if isinstance(ids, str) else ids:
            found = self._find(view, key)
            if found is not None:
                parts[found[0]].append(found[2].id)
        return sum(self._each("delete", parts, timeout))

    def merge(self, papers: Iterable[Record | str], *, timeout: float = 5.0) -> Record:
        """:meth:`Index.merge`: papers of other shards are first moved to the first paper's shard."""
        check_seconds("timeout", timeout)
        keys = merge_keys(papers)
        view = self._current()
        found = []
        for key in keys:
            where = self._find(view, key)
            if where is None:
                raise SearchlibError(f"no paper with DOI or id {key!r} in the index; nothing was merged")
            found.append(where)
        target = found[0][0]
        for shard in sorted({shard for shard, _, _ in found} - {target}):
            self._move(shard, target, [f"id:{record.id}" for s, _, record in found if s == shard], timeout)
        return self.executor.call(target, "merge", [record.id for _, _, record in found], timeout)

    def optimize(self, *, timeout: float = 5.0) -> None:
        for shard in range(self.shards):
            self.executor.call(shard, "optimize", timeout)

    def close(self) -> None:
        self.executor.close()

    def __repr__(self) -> str:
        return f"<Index {self.path}: {len(self)} papers in {self.shards} shards>"
