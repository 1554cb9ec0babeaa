"""The index: build one from records, open it again, add to it and search it.

An index is a folder holding a Whoosh index and ``searchlib.json``, a manifest that says which searchlib
format it is. Builds happen in a temporary folder beside the target and are moved into place only when
complete, so an index is never left half-written; adding to an existing index is one Whoosh commit.

>>> from searchlib import build_index, bundled_records_path
>>> index = build_index(bundled_records_path())          # in memory; pass a path to keep it
>>> index.search('au:"Lawton R"')[0].doi
'10.1136/bmjqs-2024-017268'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any, Literal, Union

from whoosh import collectors, highlight
from whoosh import index as windex
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.reading import EmptyReader
from whoosh.searching import Searcher

from ._engine import folder
from ._engine.building import (
    DocumentWriter,
    collector_paused,
    expected_count,
    source_bytes,
    stream_records,
)
from ._engine.schema import (
    INTERNAL_FIELDS,
    SECTION_FIELDS,
    TEXT_FIELDS,
    indexed_words,
    make_schema,
    record_from_stored,
)
from ._engine.segwriter import FastSegmentWriter
from ._engine.storage import (
    SafeFileStorage,
    locked_error,
    read_manifest,
    retrying,
    verify_index_folder,
)
from .analysis import stemtable
from .errors import SearchlibError
from .progress import Progress
from .records.record import Record
from .results import MARK_END, MARK_START, Hit, MarkFormatter, Results
from .search import facets, termwise
from .search.explain import Explanation, explain_doc, score_of
from .search.feedback import FEEDBACK_DOCS, expand
from .search.query import QueryParser
from .search.ranking import PaperBM25
from .search.similar import more_like_query
from .search.suggest import suggest, vocabulary_size

__all__ = ["Index", "build_index", "open_index", "Source"]

#: What can be indexed: a record file, several, or records (``Record`` objects or dicts in the seed's shape).
Source = Union[str, os.PathLike, Iterable[Union[str, os.PathLike, Record, Mapping[str, Any]]]]  # noqa: UP007

# BM25 per field with Robertson's idf; k1 and b chosen on training data (searchlib/search/ranking.py).
_SCORING = PaperBM25()
#: Rank ORs of plain terms term by term (searchlib/search/termwise.py); False searches every query with Whoosh.
_TERMWISE = True


class Index:
    """A searchable collection of papers. Get one from :func:`build_index` or :func:`open_index`."""

    def __init__(self, ix: windex.Index, path: Path | None) -> None:
        self._ix = ix
        self.path = path
        self._parser = QueryParser(ix.schema)
        self._searcher: Searcher | None = None

    # -- reading -------------------------------------------------------------------------------------------

    def _current_searcher(self) -> Searcher:
        """One searcher kept open between queries and refreshed only when the index has changed."""
        if self._searcher is None:
            self._searcher = retrying(lambda: self._ix.searcher(weighting=_SCORING))
        elif not self._searcher.up_to_date():
            # A new searcher, then the old one closed; not Whoosh's refresh(), which closes the old readers even
            # when opening the new ones fails (a commit deleted a file first), so that trying again closes them
            # twice and raises ReaderClosed. (Its refresh reuses no reader anyway: it looks them up by the wrong
            # key.)
            old = self._searcher
            self._searcher = retrying(lambda: self._ix.searcher(weighting=_SCORING))
            old.close()
        return self._searcher

    def __len__(self) -> int:
        return self._current_searcher().doc_count()

    def __contains__(self, id_or_doi: object) -> bool:
        return isinstance(id_or_doi, str) and self.get(id_or_doi) is not None

    def get(self, id_or_doi: str) -> Record | None:
        """The paper with this DOI (any case, with or without ``https://doi.org/``), PMID (``pmid:123``),
        PMCID (``PMC123``) or id; None if absent."""
        from .records.record import normalise_doi, normalise_pmcid, normalise_pmid

        key = normalise_doi(id_or_doi) or id_or_doi.strip()
        searcher = self._current_searcher()
        fields = searcher.document(id=key)
        if fields is None and key.lower().startswith("pmid:") and (pmid := normalise_pmid(key)):
            fields = searcher.document(pmid=pmid) if "pmid" in self._ix.schema else None
        elif fields is None and (pmcid := normalise_pmcid(key)):
            fields = searcher.document(pmcid=pmcid) if "pmcid" in self._ix.schema else None
        return record_from_stored(fields["record"]) if fields else None

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Every paper in the index, in index order."""
        for fields in self._current_searcher().all_stored_fields():
            yield record_from_stored(fields["record"])

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
    ) -> Results:
        """Ranked papers matching ``query`` (see the query syntax in the README).

        ``match="all"`` (the default) needs every bare word to match, as PubMed does; ``match="any"`` ranks
        papers matching any of them, best for long natural-language queries. ``plain=True`` reads the query
        as words only, for pasting text that is not meant as query syntax.

        ``year`` (``2024`` or ``(2020, 2024)``, an end may be None) and ``journal`` (a name or several, case
        and accents ignored) keep only those papers. ``sort="date"`` lists the oldest first, ``"-date"`` the
        newest first; hits keep their relevance scores. ``results.facets("year")`` (or ``"journal"``,
        ``"section"``) counts every match; ``results.suggestion`` is a corrected query when this one matched
        little because of a misspelling.

        ``feedback`` (pseudo-relevance feedback, :mod:`searchlib.search.feedback`) searches twice: the top papers'
        telling words are added to the query. It is on by default (None) for ``match="any"`` searches ranked by
        relevance, where it was tuned; ``True`` or ``False`` asks for it or not in any search.

        >>> from searchlib import bundled_records_path
        >>> index = build_index(bundled_records_path())
        >>> results = index.search("conclusions:inequalities")
        >>> results.total, results[0].doi
        (1, '10.1136/bmjqs-2024-017386')
        """
        searcher = self._current_searcher()
        known = _in_papers(searcher)
        q = self._parser.parse(query, match=match, plain=plain, known=known)
        filt = facets.filter_query(searcher, year=year, journal=journal)
        sorting = facets.sort_arguments(sort)
        if feedback is None:
            feedback = match == "any" and sort == "relevance"
        if feedback:
            first = _rank(searcher, q, FEEDBACK_DOCS, filt)
            top = (
                first.top
                if first is not None
                else [(h.score, h.docnum) for h in searcher.search(q, limit=FEEDBACK_DOCS, filter=filt)]
            )
            q = expand(searcher, q, [d for _, d in top], loosen=match == "any", scores=[s for s, _ in top])
        # Terms joined by OR, AND and NOT (a pasted claim, a typed topic) are ranked term by term, and counted on
        # the way (termwise.py). Otherwise (phrases, wildcards, ranges), without terms=True: Whoosh then skips
        # blocks that cannot reach the top hits, and highlights find the matched words from the query when they
        # are asked for.
        ranking = None if sorting else _rank(searcher, q, limit, filt)
        if ranking is not None:
            wresults = termwise.results_of(searcher, q, ranking)
        else:
            wresults = _search(searcher, q, limit=limit, filter=filt, **sorting)
        wresults.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
        wresults.formatter = MarkFormatter(MARK_START, MARK_END)
        hits = []
        for rank, whit in enumerate(wresults, start=1):
            score = whit.score if sort == "relevance" else score_of(searcher, q, whit.docnum)
            hits.append(_lazy_hit(rank, score, whit))

        def count(text: str) -> int:
            return _count(searcher, self._parser.parse(text, match=match, plain=plain, known=known), filt)

        results = Results(
            query,
            str(q),
            hits,
            ranking.total if ranking is not None else lambda: _count(searcher, q, filt),
            facet_counter=lambda name: facets.facet_counts(searcher, q, filt, name),
        )
        results.suggestion = lambda: suggest(searcher, query, results.total, count)  # type: ignore[assignment]
        return results

    def similar(self, id_or_doi: str, limit: int | None = 10) -> Results:
        """Papers most like this one (its title and abstract's most telling words), the paper itself left out.

        >>> from searchlib import bundled_records_path
        >>> index = build_index(bundled_records_path())
        >>> "10.1136/bmjqs-2024-017796" in [h.doi for h in index.similar("10.1136/bmjqs-2024-018081", limit=3)]
        True
        """
        searcher = self._current_searcher()
        docnum, record = self._locate(id_or_doi)
        q = more_like_query(searcher, record)
        wresults = searcher.search(q, limit=limit, terms=True, mask={docnum})
        wresults.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
        wresults.formatter = MarkFormatter(MARK_START, MARK_END)
        hits = [
            Hit(rank, whit.score, rec, _highlighter(whit, rec))
            for rank, whit in enumerate(wresults, start=1)
            for rec in [record_from_stored(whit["record"])]
        ]
        others = wq.AndNot(q, wq.Term("id", record.id))
        return Results(
            f"like {record.doi or record.id}",
            str(q),
            hits,
            len(set(searcher.docs_for_query(q)) - {docnum}),  # Whoosh's count includes the masked paper
            facet_counter=lambda name: facets.facet_counts(searcher, others, None, name),
        )

    def explain(
        self, query: str, id_or_doi: str, *, match: Literal["all", "any"] = "all", plain: bool = False
    ) -> Explanation:
        """How ``query`` scores the paper ``id_or_doi``: per field and per term, with BM25F's parts.

        The parts' scores add up to the paper's score in ``search(query)``; ``print()`` it to read it.
        """
        searcher = self._current_searcher()
        q = self._parser.parse(query, match=match, plain=plain, known=_in_papers(searcher))
        docnum, record = self._locate(id_or_doi)
        parts = explain_doc(searcher, q, docnum)
        score = None if parts is None else sum(p.score for p in parts)
        return Explanation(query, str(q), record.doi or record.id, score, tuple(parts or ()))

    def _locate(self, id_or_doi: str) -> tuple[int, Record]:
        """The document number and record of a paper, found as :meth:`get` finds it."""
        record = self.get(id_or_doi)
        docnum = None if record is None else self._current_searcher().document_number(id=record.id)
        if record is None or docnum is None:
            raise SearchlibError(f"no paper with DOI or id {id_or_doi!r} in the index")
        return docnum, record

    def stats(self) -> dict[str, Any]:
        """What a user checks: papers, fields, papers with each section, vocabulary, size on disk, last change.

        ``vocabulary`` counts the distinct title and abstract words as written (the words "Did you mean"
        suggests from); ``abstract_vocabulary`` the distinct indexed (stemmed) abstract terms; ``segments``
        how many parts the index is in (:meth:`optimize` merges them into one).
        """
        reader = self._current_searcher().reader()
        live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
        sections = {name: sum(1 for n in live if reader.doc_field_length(n, name, 0)) for name in SECTION_FIELDS}
        manifest = read_manifest(self.path) if self.path else {}
        schema = self._ix.schema
        return {
            "path": str(self.path) if self.path else None,
            "papers": len(live),
            "fields": [name for name in schema.names() if name not in INTERNAL_FIELDS],
            "papers_with_section": sections,
            "papers_with_any_section": sum(
                1 for n in live if any(reader.doc_field_length(n, name, 0) for name in SECTION_FIELDS)
            ),
            "vocabulary": vocabulary_size(reader),
            "abstract_vocabulary": sum(1 for _ in reader.lexicon("abstract")),
            "segments": 0 if isinstance(reader, EmptyReader) else len(list(reader.leaf_readers())),
            "size_bytes": sum(f.stat().st_size for f in self.path.iterdir()) if self.path else None,
            "last_change": manifest.get("last_change"),
        }

    # -- writing -------------------------------------------------------------------------------------------

    def add(
        self,
        source: Source,
        *,
        errors: Literal["raise", "skip"] = "raise",
        timeout: float = 5.0,
        progress: Progress | None = None,
        batch_size: int | None = None,
    ) -> int:
        """Insert or replace papers by id (the DOI when there is one): adding a file twice never duplicates.

        Returns the number of papers written. All of them are committed together, or none; with
        ``batch_size``, every ``batch_size`` records are committed as they are done, so an interrupted add
        (Ctrl-C, a crash) keeps the batches committed before it and loses only the one in progress.
        ``progress(done, total)`` is called as records are indexed (see :mod:`searchlib.progress`).
        """
        records = stream_records(source, errors)
        total = expected_count(source)
        feed = DocumentWriter(self._ix.schema.names(), replace=True, progress=progress, total=total)
        step = batch_size if batch_size and batch_size > 0 else None
        first = next(records, None)  # nothing to add: no commit
        records = chain([first], records) if first is not None else iter(())
        with collector_paused():
            while first is not None:
                batch = list(islice(records, step)) if step else records
                if step and not batch:
                    break
                with self._writing(timeout) as writer:
                    feed.write(writer, batch)
                if not step:
                    break
        feed.finish()
        return feed.papers

    @contextmanager
    def _writing(self, timeout: float, optimize: bool = False) -> Iterator[Any]:
        """A Whoosh writer, committed (and the manifest's last change updated) if the block completes,
        cancelled if it raises; :class:`IndexLockedError` if another process holds the lock."""
        try:
            writer = FastSegmentWriter(self._ix, timeout=timeout)
        except LockError:
            raise locked_error(self.path, timeout) from None
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=optimize)  # records itself in the manifest, under the lock (see storage.py)
        words = indexed_words(writer.schema)
        if self.path is not None:
            stemtable.save(self.path, words)
        else:
            stemtable.add_words(words)

    def delete(self, ids: str | Iterable[str], *, timeout: float = 5.0) -> int:
        """Remove papers by DOI (any case, with or without ``https://doi.org/``), PMID, PMCID or id, as
        :meth:`get` finds them; returns how many went.

        Ids not in the index are ignored. All deletions are committed together.
        """
        found = (self.get(i) for i in ([ids] if isinstance(ids, str) else ids))
        keys = {record.id for record in found if record is not None}
        with self._writing(timeout) as writer:
            deleted = sum(writer.delete_by_term("id", key) for key in sorted(keys))
        return deleted

    def optimize(self, *, timeout: float = 5.0) -> None:
        """Merge the index into one segment and drop deleted papers for good: smaller and a little faster.

        Worth running after many ``add`` or ``delete`` calls; searches give the same results before and after.
        """
        with self._writing(timeout, optimize=True):
            pass

    def close(self) -> None:
        """Release the open searcher (an Index also works as a context manager)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "in memory"
        return f"<Index {where}: {len(self)} papers>"


def _search(searcher: Searcher, q: wq.Query, *, exhaustive: bool = False, **kwargs: Any) -> Any:
    """``searcher.search(q, **kwargs)``, working around a Whoosh 2.7.4 bug that can lose the best papers.

    While collecting, Whoosh replaces a query's matchers by cheaper ones that skip papers which cannot reach the
    top hits; for a NOT on an index in several segments (after an add) the replacement skips papers that do
    reach it (``(cancer OR tumor) NOT mice`` lost its best paper). Such searches collect without replacing.
    ``exhaustive`` also turns off block skipping, so that the collector counts every match.
    """
    if not exhaustive and (searcher.is_atomic() or not _has_not(q)):
        return searcher.search(q, **kwargs)
    collector = searcher.collector(optimize=not exhaustive, **kwargs)
    inner = collector
    while not isinstance(inner, collectors.ScoredCollector) and hasattr(inner, "child"):
        inner = inner.child
    if isinstance(inner, collectors.ScoredCollector):
        inner.replace = 0
    searcher.search_with_collector(q, collector)
    return collector.results()


def _has_not(q: wq.Query) -> bool:
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, (wq.Not, wq.AndNot)):
            return True
        stack.extend(node.children())
    return False


def _rank(searcher: Searcher, q: wq.Query, limit: int | None, filt: wq.Query | None) -> termwise.Ranking | None:
    """The top hits and total of terms joined by OR, AND and NOT, ranked term by term; None for other queries."""
    if not _TERMWISE or not termwise.supports(q):
        return None
    return termwise.rank(searcher, q, limit, _allowed(searcher, filt))


def _allowed(searcher: Searcher, filt: wq.Query | None) -> set[int] | None:
    return None if filt is None else set(searcher.docs_for_query(filt))


def _in_papers(searcher: Searcher) -> Callable[[str], bool]:
    """Whether an analysed term is in some paper's title or abstract: how the query parser learns that a
    hyphenated word is in no paper joined, to search its parts instead (see :mod:`searchlib.search.query`). The
    answers come from the term infos the open searcher keeps."""
    return lambda term: any(termwise.frequency(searcher, field, term) for field in ("title", "abstract"))


def _count(searcher: Searcher, q: wq.Query, filt: Any) -> int:
    """How many papers match: a search that skips blocks which cannot reach its top hits counts only the papers
    it looked at, so the count is a search of its own, without skipping (or, for terms joined by OR, AND and NOT,
    a ranking term by term, which counts every match)."""
    if _TERMWISE and termwise.supports(q):
        counted = termwise.count(searcher, q, _allowed(searcher, filt))
        if counted is not None:
            return counted
    return len(_search(searcher, q, limit=1, filter=filt, exhaustive=True))


def _lazy_hit(rank: int, score: float, whit: Any) -> Hit:
    """A hit whose record is parsed, and highlights made, only when they are read."""
    stored = whit.fields()
    hit = Hit(rank, score, lambda: record_from_stored(stored["record"]), id=stored["id"])
    hit._highlighter = _highlighter(whit, hit)
    return hit


def _highlighter(whit: Any, record: Record | Hit):  # type: ignore[no-untyped-def]
    def make() -> dict[str, str]:
        nonlocal record
        record = record.record if isinstance(record, Hit) else record
        out: dict[str, str] = {}
        for field in TEXT_FIELDS:
            text = (
                record.title
                if field == "title"
                else record.abstract
                if field == "abstract"
                else (record.section_text(field))
            )
            if text:
                snippet = whit.highlights(field, text=text, top=2)
                if snippet:
                    out[field] = snippet
        return out

    return make


# -- building and opening ----------------------------------------------------------------------------------


def build_index(
    source: Source,
    path: str | os.PathLike | None = None,
    overwrite: bool = False,
    *,
    errors: Literal["raise", "skip"] = "raise",
    progress: Progress | None = None,
    timeout: float = 5.0,
    procs: int | None = None,
) -> Index:
    """Index ``source`` (a record file, several, or records) into a new index at ``path`` and return it.

    Without ``path`` the index lives in memory. An existing index at ``path`` is replaced only with
    ``overwrite=True``, and only once the new one is complete; a folder that is not a searchlib index is never
    overwritten, and an interrupted build (Ctrl-C) leaves ``path`` as it was. Replacing an index waits up to
    ``timeout`` seconds for its write lock, so a build never replaces an index another process is writing to.
    ``progress(done, total)`` is called as records are indexed (see :mod:`searchlib.progress`). ``procs`` is
    the number of processes that index (default on Linux: the CPUs available, at most 2; elsewhere 1); past
    2,000 records (from the first, for a list of 2,000 or more or record files of 3 MB or more) each writes a
    segment of its own (see :mod:`searchlib._engine.parallel`). In memory, one process.

    >>> from searchlib import bundled_records_path
    >>> index = build_index(bundled_records_path())
    >>> len(index)
    10
    """
    records = stream_records(source, errors)
    total = expected_count(source)
    if path is None:
        ix = folder.PrivateRamStorage().create_index(make_schema())
        stemtable.add_words(_write_all(ix, records, progress, total))
        return Index(ix, None)
    target = Path(path)
    folder.check_build_target(target, overwrite)
    with folder.staging(target) as staged:
        ix = SafeFileStorage(str(staged)).create_index(make_schema())
        words = _write_all(ix, records, progress, total, procs, source_bytes(source))
        stemtable.save(staged, words)
        folder.stamp_manifest(staged)
        folder.swap_into_place(staged, target, timeout)
    return open_index(target)


def open_index(path: str | os.PathLike) -> Index:
    """Open the index at ``path``. Raises :class:`SearchlibError` if it is not a searchlib index.

    Opening reads pickled data, so only open indexes you or your colleagues built: never one from an
    untrusted source.
    """
    target = Path(path)
    folder.check_format(target)
    verify_index_folder(target)  # before Whoosh reads any pickle from it
    stemtable.register(target)
    return Index(retrying(SafeFileStorage(str(target)).open_index), target)


def _write_all(
    ix: windex.Index,
    records: Iterator[Record],
    progress: Progress | None,
    total: int,
    procs: int | None = 1,
    size: int = 0,
) -> dict[str, int]:
    """Write ``records`` into the new index ``ix`` and commit; returns the words indexed (see
    :func:`searchlib.analysis.stemtable.save`)."""
    from ._engine.parallel import default_procs, write_records  # multiprocessing: builds need it, searches not

    feed = DocumentWriter(ix.schema.names(), replace=False, progress=progress, total=total)
    with collector_paused():
        return write_records(ix, records, feed, default_procs() if procs is None else procs, size)
