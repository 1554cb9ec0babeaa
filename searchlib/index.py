"""The index: build one from records, open it again, add to it and search it.

An index is a folder holding a Whoosh index and ``searchlib.json``, a manifest that says which searchlib
format it is. Builds happen in a temporary folder beside the target and are moved into place only when
complete, so an index is never left half-written; adding to an existing index is one Whoosh commit.

A search flows through :meth:`Index.search` top to bottom: the query is parsed (:mod:`.search.syntax`),
planned against the index's fields (:mod:`.search.plan`), every paper scored (:mod:`.search.match`), the top
papers' words added and scored again (:mod:`.search.feedback`), filtered and sorted (:mod:`.search.facets`),
and the page of hits made (:mod:`.results`); each step calls down, none calls back up.

>>> from searchlib import build_index, bundled_records_path
>>> index = build_index(bundled_records_path())          # in memory; pass a path to keep it
>>> index.search('au:"Lawton R"')[0].doi
'10.1136/bmjqs-2024-017268'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
from whoosh import index as windex
from whoosh.index import LockError
from whoosh.reading import EmptyReader
from whoosh.searching import Searcher

from ._engine import folder
from ._engine.building import (
    AddReport,
    DocumentWriter,
    Grouping,
    collector_paused,
    document_for,
    expected_count,
    source_bytes,
    stream_records,
)
from ._engine.failures import abandon, after_commit, committed, reading_errors, remove_dead_builds, storage_errors
from ._engine.schema import (
    INTERNAL_FIELDS,
    SECTION_FIELDS,
    indexed_words,
    key_token,
    make_schema,
    record_from_stored,
    stored_records,
)
from ._engine.segwriter import FastSegmentWriter
from ._engine.storage import SafeFileStorage, locked_error, read_manifest, retrying
from .analysis import stemtable
from .errors import ArgumentError, QueryError, SearchlibError, check_count, check_flag, check_path, check_seconds
from .progress import Progress
from .records.duplicates import Duplicates, find_duplicates
from .records.merge import merge_records
from .records.record import Record, normalise_doi, normalise_pmcid, normalise_pmid
from .results import Hit, Results, read_again_if_closed
from .search import facets, highlight, syntax, termwise
from .search.explain import Explanation, explain_doc
from .search.feedback import expand, feedback_papers
from .search.match import Matcher
from .search.meaning import Meaning, has_meaning, query_text
from .search.plan import Plan, Planner, Terms, render
from .search.similar import more_like_plan
from .search.suggest import suggest, vocabulary_size

__all__ = ["Index", "build_index", "open_index", "Source"]

#: What can be indexed: a record file, several, or records (``Record`` objects or dicts in the seed's shape).
Source = Union[str, os.PathLike[str], Iterable[Union[str, os.PathLike[str], Record, Mapping[str, Any]]]]  # noqa: UP007


class Index:
    """A searchable collection of papers. Get one from :func:`build_index` or :func:`open_index`."""

    def __init__(self, ix: windex.Index, path: Path | None) -> None:
        self._ix = ix
        self.path = path
        self._searcher: Searcher | None = None
        self._opening = threading.Lock()
        #: What the last :func:`build_index` or :meth:`add` through this object did (None when just opened).
        self.report: AddReport | None = None
        self._words = stemtable.WordList(path)  # what its suggestions draw on

    # -- reading -------------------------------------------------------------------------------------------

    def _current_searcher(self) -> Searcher:
        """The searcher of the newest commit, kept open between searches and replaced when the index changes.

        A replaced searcher is not closed: a search under way in another thread, or a ``Results`` kept from
        before, still reads from it (its files stay readable, mapped, after a commit removes them), and it
        goes when the last of them lets it go.
        """
        searcher = self._searcher
        if searcher is not None and searcher.up_to_date():
            return searcher
        with self._opening:
            if self._searcher is None or not self._searcher.up_to_date():
                self._searcher = retrying(self._ix.searcher)
            return self._searcher

    def __len__(self) -> int:
        return int(self._current_searcher().doc_count())

    def __contains__(self, id_or_doi: object) -> bool:
        return isinstance(id_or_doi, str) and self.get(id_or_doi) is not None

    @read_again_if_closed
    def get(self, id_or_doi: str) -> Record | None:
        """The paper with this DOI (any case, with or without ``https://doi.org/``), PMID (``pmid:123``),
        PMCID (``PMC123``) or id; None if absent."""
        searcher = self._current_searcher()
        docnum = self._docnum(searcher, id_or_doi)
        return None if docnum is None else stored_records(searcher).record(docnum)

    def _docnum(self, searcher: Searcher, id_or_doi: str) -> int | None:
        if not isinstance(id_or_doi, str):
            raise QueryError(
                f"a paper is named by its DOI, PMID ('pmid:123'), PMCID or id, as a string; not {id_or_doi!r}"
            )
        key = normalise_doi(id_or_doi) or id_or_doi.strip()
        docnum = searcher.document_number(id=key)
        if docnum is None and key.lower().startswith("pmid:") and (pmid := normalise_pmid(key)):
            docnum = searcher.document_number(pmid=pmid)
        elif docnum is None and (pmcid := normalise_pmcid(key)):
            docnum = searcher.document_number(pmcid=pmcid)
        if docnum is None and "ids" in searcher.schema:  # a merged paper, by one of its copies' ids
            kind = "doi" if normalise_doi(key) else "id"
            docnum = searcher.document_number(ids=key_token(f"{kind}:{key}"))
        return None if docnum is None else int(docnum)

    def __iter__(self) -> Iterator[Record]:
        """Every paper in the index, in index order."""
        yield from stored_records(self._current_searcher())

    @read_again_if_closed
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
        """Ranked papers matching ``query`` (see the query syntax in docs/guide/queries.md).

        ``match="all"`` (the default) needs every bare word to match, as PubMed does; ``match="any"`` ranks
        papers matching any of them, best for long natural-language queries. ``plain=True`` reads the query
        as words only, for pasting text that is not meant as query syntax.

        ``year`` (``2024`` or ``(2020, 2024)``, an end may be None) and ``journal`` (a name or several, case
        and accents ignored) keep only those papers, and so do ``publication_type`` and ``language`` (a name or
        several, matched as ``[pt]`` and ``[la]`` match them: ``"review"``, ``"eng"``). ``sort="date"`` lists
        the oldest first, ``"-date"`` the newest first; hits keep their relevance scores.
        ``results.facets("year")`` (or ``"journal"``, ``"section"``, ``"publication_type"``, ``"language"``,
        ``"mesh"``) counts every match; ``results.suggestion`` is a corrected query when this one matched
        little because of a misspelling.

        ``feedback`` (pseudo-relevance feedback, :mod:`searchlib.search.feedback`) searches twice: the top
        papers' telling words are added to the query. It is on by default (None) for ``match="any"`` searches
        ranked by relevance, where it was tuned; ``True`` or ``False`` asks for it or not in any search.
        In an index built with ``meaning=True``, searches ranked by relevance reorder their best papers by
        meaning too (:mod:`searchlib.search.meaning`: the same papers match); ``meaning=False`` ranks by words
        alone.

        >>> from searchlib import bundled_records_path
        >>> index = build_index(bundled_records_path())
        >>> results = index.search("conclusions:inequalities")
        >>> results.total, results[0].doi
        (1, '10.1136/bmjqs-2024-017386')
        """
        _check_limit(limit)
        check_flag("feedback", feedback, none=True, error=QueryError)
        check_flag("meaning", meaning, error=QueryError)
        searcher = self._current_searcher()
        matcher = Matcher(searcher)
        parsed = syntax.parse(query, match=match, plain=plain)
        allowed = facets.allowed(searcher, year, journal, publication_type, language)
        sorting = facets.check_sort(sort)
        plan = Planner(searcher.schema, _in_papers(searcher)).plan(parsed, match)
        scores = self._identified(searcher, parsed.identifier) if parsed.identifier else None
        if scores is not None and allowed is not None:  # the paper named, if the filters keep it
            scores = scores * allowed
        asked = 1
        if scores is None:
            scores = matcher.scores(plan, allowed)
            asked = int(np.count_nonzero(scores))  # what a corrected query must beat (feedback aside)
            if feedback if feedback is not None else match == "any" and sort == "relevance":
                top = feedback_papers(searcher, scores)
                plan = expand(searcher, plan, top, loosen=match == "any")
                scores = matcher.scores(plan, allowed)
            if meaning and sort == "relevance" and has_meaning(searcher):
                scores = Meaning(searcher, query_text(parsed, plain), scores).apply(scores)
        ranking = facets.order(searcher, scores, limit, sorting)
        hits = [
            self._hit(searcher, matcher, plan, rank, score, docnum)
            for rank, (score, docnum) in enumerate(ranking.top, 1)
        ]
        return Results(
            query,
            render(plan),
            hits,
            ranking.total,
            suggestion=lambda: suggest(
                searcher,
                self._words,
                query,
                asked,
                lambda text: self._count(searcher, text, match, plain, allowed),
            ),
            facet_counter=lambda name: facets.facet_counts(searcher, scores > 0, name),
            warnings=parsed.warnings,
        )

    def _identified(self, searcher: Searcher, identifier: tuple[str, str]) -> np.ndarray | None:
        """The scores of a query that is one PMID, PMCID or DOI: that paper alone, or None if the index lacks it
        (the query is then searched as words)."""
        kind, value = identifier
        docnum = searcher.document_number(**{kind: value}) if kind in searcher.schema else None
        if docnum is None:
            return None
        scores = np.zeros(searcher.doc_count_all())
        scores[docnum] = 1.0
        return scores

    def _count(self, searcher: Searcher, text: str, match: str, plain: bool, allowed: np.ndarray | None) -> int:
        parsed = syntax.parse(text, match=match, plain=plain)  # type: ignore[arg-type]  # the search's own, checked
        plan = Planner(searcher.schema, _in_papers(searcher)).plan(parsed, match)
        return int(np.count_nonzero(Matcher(searcher).scores(plan, allowed)))

    def _hit(self, searcher: Searcher, matcher: Matcher, plan: Plan, rank: int, score: float, docnum: int) -> Hit:
        """A hit whose record is read, and highlights made, only when they are asked for."""
        stored = stored_records(searcher)
        blob = stored.blob(docnum)
        hit = Hit(rank, score, lambda: record_from_stored(blob), id=stored.id(docnum))
        hit._highlighter = lambda: highlight.marked(hit.record, plan, matcher)
        return hit

    @read_again_if_closed
    def similar(self, id_or_doi: str, limit: int | None = 10) -> Results:
        """Papers most like this one (its title and abstract's most telling words), the paper itself left out.

        >>> from searchlib import bundled_records_path
        >>> index = build_index(bundled_records_path())
        >>> "10.1136/bmjqs-2024-017796" in [h.doi for h in index.similar("10.1136/bmjqs-2024-018081", limit=3)]
        True
        """
        _check_limit(limit)
        searcher = self._current_searcher()
        matcher = Matcher(searcher)
        docnum, record = self._locate(id_or_doi)
        plan = more_like_plan(searcher, record) or Terms(())  # no terms: nothing is like it
        others = np.ones(searcher.doc_count_all(), dtype=bool)
        others[docnum] = False
        scores = matcher.scores(plan, others)
        ranking = termwise.rank(scores, limit, searcher)
        hits = [
            self._hit(searcher, matcher, plan, rank, score, doc)
            for rank, (score, doc) in enumerate(ranking.top, 1)
        ]
        return Results(
            f"like {record.doi or record.id}",
            render(plan),
            hits,
            ranking.total,
            facet_counter=lambda name: facets.facet_counts(searcher, scores > 0, name),
        )

    @read_again_if_closed
    def explain(
        self, query: str, id_or_doi: str, *, match: Literal["all", "any"] = "all", plain: bool = False
    ) -> Explanation:
        """How ``query`` scores the paper ``id_or_doi``: per field and per term, with BM25's parts.

        The parts' scores add up to the paper's score in ``search(query, feedback=False)``; ``print()`` it to
        read it.
        """
        searcher = self._current_searcher()
        parsed = syntax.parse(query, match=match, plain=plain)
        plan = Planner(searcher.schema, _in_papers(searcher)).plan(parsed, match)
        docnum, record = self._locate(id_or_doi)
        matcher = Matcher(searcher)
        parts = explain_doc(matcher, plan, docnum)
        if parts is not None and has_meaning(searcher):
            parts += Meaning(searcher, query_text(parsed, plain), matcher.scores(plan, None)).part(docnum)
        score = None if parts is None else sum(p.score for p in parts)
        return Explanation(query, render(plan), record.doi or record.id, score, tuple(parts or ()))

    def _locate(self, id_or_doi: str) -> tuple[int, Record]:
        """The document number and record of a paper, found as :meth:`get` finds it."""
        searcher = self._current_searcher()
        docnum = self._docnum(searcher, id_or_doi)
        if docnum is None:
            raise SearchlibError(f"no paper with DOI or id {id_or_doi!r} in the index")
        return docnum, stored_records(searcher).record(docnum)

    def duplicates(self) -> Duplicates:
        """Papers in the index that are one paper although no identifier links them, in groups, each pair with its
        reason, and related papers apart (see :func:`searchlib.find_duplicates`); :meth:`merge` merges a group.

        >>> from searchlib import bundled_records_path
        >>> build_index(bundled_records_path()).duplicates()
        []
        """
        return find_duplicates(self)

    def merge(self, papers: Iterable[Record | str], *, timeout: float = 5.0) -> Record:
        """Merge papers (a group from :meth:`duplicates`, or their DOIs or ids) into one, as copies of one paper
        are merged when added (:mod:`searchlib.records.merge`), and return it: it keeps every source record, and
        is found by any of the papers' ids. One commit.

        >>> index = build_index([{"pmid": "31", "title": "Falls"}, {"title": "Falls", "year": 2020}])
        >>> paper = index.merge(["pmid:31", next(r.id for r in index if not r.pmid)])
        >>> len(index), paper.year, index.get("pmid:31") == paper
        (1, 2020, True)
        """
        check_seconds("timeout", timeout)
        keys = merge_keys(papers)
        with self._writing(timeout) as writer, writer.searcher() as searcher:
            docnums: list[int] = []
            for key in keys:
                docnum = self._docnum(searcher, key)
                if docnum is None:
                    raise SearchlibError(f"no paper with DOI or id {key!r} in the index; nothing was merged")
                if docnum not in docnums:
                    docnums.append(docnum)
            merged = merge_records([stored_records(searcher).record(n) for n in docnums])
            if len(docnums) > 1:
                for docnum in docnums:
                    writer.delete_document(docnum)
                writer.add_document(**document_for(merged, frozenset(writer.schema.names())))
        return merged

    def stats(self) -> dict[str, Any]:
        """What a user checks: papers, fields, papers with each section, vocabulary, size on disk, last change.

        ``vocabulary`` counts the distinct title and abstract words as written (the words "Did you mean" suggests
        from); ``abstract_vocabulary`` the distinct indexed (stemmed) abstract terms; ``segments`` how many parts
        the index is in (:meth:`optimize` merges them); ``meaning`` if it was built with ``meaning=True``."""
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
            "vocabulary": vocabulary_size(reader, self._words),
            "abstract_vocabulary": sum(1 for _ in reader.lexicon("abstract")),
            "segments": 0 if isinstance(reader, EmptyReader) else len(list(reader.leaf_readers())),
            "size_bytes": sum(f.stat().st_size for f in self.path.iterdir()) if self.path else None,
            "last_change": manifest.get("last_change"),
            "meaning": "meaning" in schema,
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
    ) -> AddReport:
        """Add papers; a copy of a paper already indexed (the same DOI, PMID, PMCID or id) is merged into it, so
        adding a file twice never duplicates, and a thinner copy never wipes out what a richer one gave.

        Merging keeps, field by field, the richer value (a structured abstract over a plain one, full names over
        initials, any identifier over none; see :mod:`searchlib.records.merge`) and every source record in
        ``record.sources``. Returns an :class:`AddReport`: how many records were ``new`` papers, ``merged`` into
        one, left it ``unchanged`` or ``skipped``; as a number, the papers written. All of them are committed
        together, or none; with ``batch_size``, every ``batch_size`` records are committed as they are done, so
        an interrupted add (Ctrl-C, a crash) keeps the batches committed before it and loses only the one in
        progress. ``progress(done, total)`` is called as records are indexed (see :mod:`searchlib.progress`).

        >>> from searchlib import bundled_records_path
        >>> index = build_index(bundled_records_path())
        >>> index.add(bundled_records_path())
        AddReport(new=0, merged=0, unchanged=10, skipped=0)
        """
        check_seconds("timeout", timeout)
        check_count("batch_size", batch_size, none="for one commit")
        feed = DocumentWriter(self._ix.schema.names(), progress=progress, total=expected_count(source))
        records = stream_records(source, errors, feed.skipped)
        step = batch_size
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
        self.report = feed.report()
        return self.report

    @contextmanager
    def _writing(self, timeout: float, optimize: bool = False) -> Iterator[Any]:
        """A Whoosh writer, committed (and the manifest's last change updated) if the block completes,
        removed if it raises; :class:`IndexLockedError` if another process holds the lock, :class:`StorageError`
        if the disk is full or the folder cannot be written (see :mod:`._engine.failures`)."""
        with storage_errors(self.path):
            try:
                writer = FastSegmentWriter(self._ix, timeout=timeout)
            except LockError:
                raise locked_error(self.path, timeout) from None
            try:
                if self.path is not None:
                    remove_dead_builds(self.path)
                yield writer
                writer.commit(optimize=optimize)  # records itself in the manifest, under the lock (see storage.py)
            except OSError as exc:
                abandon(writer)
                if not committed(writer):
                    raise
                after_commit("its scratch files could not be removed", self.path, exc)
            except BaseException:
                abandon(writer)
                raise
        words = indexed_words(writer.schema)
        if self.path is None:
            self._words.add(words)
            return
        try:
            stemtable.save(self.path, words)
        except OSError as exc:  # a cache of NLTK's stems and the words suggestions come from: the papers stand
            after_commit("the word list could not be saved, so suggestions miss the new words", self.path, exc)

    def delete(self, ids: str | Iterable[str], *, timeout: float = 5.0) -> int:
        """Remove papers by DOI (any case, with or without ``https://doi.org/``), PMID, PMCID or id, as
        :meth:`get` finds them; returns how many went.

        Ids not in the index are ignored. All deletions are committed together.
        """
        check_seconds("timeout", timeout)
        if not isinstance(ids, str) and (isinstance(ids, (bytes, Mapping)) or not isinstance(ids, Iterable)):
            raise QueryError(f"delete takes a DOI or id (a string) or a list of them, not {ids!r}")
        ids = [ids] if isinstance(ids, str) else list(ids)
        found = [self.get(i) for i in ids]  # every id checked before anything is written
        keys = {record.id for record in found if record is not None}
        with self._writing(timeout) as writer:
            deleted = sum(writer.delete_by_term("id", key) for key in sorted(keys))
        return int(deleted)

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


def merge_keys(papers: object) -> list[str]:
    """The DOIs or ids of the papers of a group to merge (records, DOIs or ids), checked."""
    items = list(papers) if isinstance(papers, Iterable) and not isinstance(papers, (str, bytes)) else None
    if items is None or not all(isinstance(paper, (str, Record)) for paper in items):
        raise ArgumentError(f"merge takes a group of papers (records, DOIs or ids), not {papers!r}")
    return [paper if isinstance(paper, str) else paper.id for paper in items]


def _check_limit(limit: int | None) -> None:
    check_count("limit", limit, none="for every match", error=QueryError)


def _in_papers(searcher: Searcher) -> Callable[[str], bool]:
    """Whether a stemmed term is in some paper's title or abstract: how the planner learns that a hyphenated word
    is in no paper joined, to search its parts instead (:data:`searchlib.search.plan.COMPOUND_PART_WEIGHT`)."""
    return lambda term: any(termwise.frequency(searcher, field, term) for field in ("title", "abstract"))


# -- building and opening ----------------------------------------------------------------------------------


def build_index(
    source: Source,
    path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    *,
    errors: Literal["raise", "skip"] = "raise",
    progress: Progress | None = None,
    timeout: float = 5.0,
    procs: int | None = None,
    meaning: bool = False,
) -> Index:
    """One index of ``source`` at ``path`` (in memory without one): :func:`searchlib.build_index`, which builds
    sharded indexes too, says what each argument does.

    >>> from searchlib import bundled_records_path
    >>> len(build_index(bundled_records_path()))
    10
    """
    check_seconds("timeout", timeout)
    check_count("procs", procs, none="for the default")
    check_flag("overwrite", overwrite)
    if path is not None:
        check_path("path", path)
    feed = Grouping(progress, expected_count(source))
    records = stream_records(source, errors, feed.skipped)
    if path is None:
        with storage_errors(None):  # its scratch files are in the temporary folder
            ix = folder.PrivateRamStorage().create_index(make_schema(meaning))
            index = Index(ix, None)
            index._words.add(_write_all(ix, records, feed))
    else:
        target = Path(path)
        with storage_errors(target):
            folder.check_build_target(target, overwrite)
            with folder.staging(target) as staged:
                ix = SafeFileStorage(str(staged)).create_index(make_schema(meaning))
                words = _write_all(ix, records, feed, procs, source_bytes(source))
                stemtable.save(staged, words)
                folder.stamp_manifest(staged)
                folder.swap_into_place(staged, target, timeout)
        index = open_index(target)
    index.report = feed.report()
    return index


def open_index(path: str | os.PathLike[str], *, trust: bool = False, verify: bool = False) -> Index:
    """Open the index at ``path`` (one index: :func:`searchlib.open_index` opens sharded ones too). Raises
    :class:`SearchlibError` if it is not a searchlib index.

    An index opens when you built it (or trusted it) and it has not changed since: each commit is signed with
    a key of yours kept outside the index (``~/.config/searchlib/key``). A folder built by someone else, on
    another machine, or changed since raises :class:`UntrustedIndexError`, before anything in it is read as
    pickle. If you trust where it came from, ``trust=True`` checks its structure and signs it with your key
    (as ``searchlib trust PATH`` does); ``verify=True`` also checks every byte of every file against its
    signature (opening checks the sizes, and the table of contents' bytes).

    >>> import tempfile
    >>> from pathlib import Path
    >>> from searchlib import bundled_records_path
    >>> path = Path(tempfile.mkdtemp()) / "ix"
    >>> build_index(bundled_records_path(), path).close()
    >>> len(open_index(path, verify=True))
    10
    """
    check_path("path", path)
    target = Path(path)
    with reading_errors(target):
        folder.check_format(target)
        if trust:
            folder.trust(target)
        elif verify:
            folder.verify(target)
        stemtable.register(target)
        return Index(retrying(SafeFileStorage(str(target)).open_index), target)


def _write_all(
    ix: windex.Index, records: Iterator[Record], feed: Grouping, procs: int | None = 1, size: int = 0
) -> dict[str, int]:
    """Write ``records`` into the new index ``ix`` and commit; returns the words indexed (see
    :func:`searchlib.analysis.stemtable.save`)."""
    from ._engine.parallel import default_procs, write_records  # multiprocessing: builds need it, searches not

    with collector_paused():
        return write_records(ix, records, feed, default_procs() if procs is None else procs, size)
