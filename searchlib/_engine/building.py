"""Writing records into the index as they are read, one document per paper, without holding them all.

Two records are the same paper when they share an identifier (id, DOI, PMID or PMCID, their own or one of their
sources'), unless their pages, or their titles and first authors, say otherwise
(:func:`searchlib.records.likeness.differ`: the abstracts of a supplement often share its DOI). Copies of one
paper are merged, field by field, the richer value winning (:mod:`searchlib.records.merge`), so a thinner copy
never wipes out a richer one; a record that adds nothing leaves the paper as it was.

Adding to an index (:class:`DocumentWriter`) merges each record at once: with the committed paper it matches,
read back from the index, or with one written earlier in the same commit, read back from a spool file of the
documents written. A new index (:class:`Grouping`) writes every record as it comes, in one process or several,
and remembers only which records share an identifier; when all are written, those are read back from their
segments, merged, and written again in a small segment of their own, the copies deleted, all in the one commit.
Only identifiers are remembered, so memory does not grow with the records' text: 200,000 records index in a few
hundred MB.

>>> from searchlib import build_index
>>> pubmed = {"title": "Falls", "doi": "10.1/a", "pmid": "7", "abstract": "Methods: We counted. Results: Fewer."}
>>> zotero = {"title": "Falls", "doi": "10.1/A", "abstract": "We counted falls."}
>>> index = build_index([pubmed, zotero, pubmed])
>>> len(index), index.get("10.1/a").pmid, index.report
(1, '7', AddReport(new=1, merged=1, unchanged=1, skipped=0))
"""

from __future__ import annotations

import gc
import os
import tempfile
import warnings
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextlib import contextmanager
from typing import Any, Literal

from ..errors import ArgumentError, LoadError, check_choice
from ..progress import Progress, counted
from ..records.likeness import differ
from ..records.merge import fold, merge_records, paper_keys, rename, same_record
from ..records.readers.seed import record_from_dict
from ..records.record import Record, check_authors, content_id, with_origin
from .schema import key_token, record_from_stored, stored_records, to_document

#: Records between calls of a progress callback.
PROGRESS_EVERY = 100

#: Where a document went in a new index: (0 for the build's own process, n for its n-th helper; its number there).
Place = tuple[int, int]


class AddReport(int):
    """What an add (or a build) did with each record it read: ``new`` papers, records ``merged`` into a paper
    (read earlier, or already indexed), records that left their paper ``unchanged`` (read before), records
    ``skipped`` as malformed (with ``errors="skip"``).

    As a number it is the papers written (as ``Index.add`` has always returned): a paper two records went into
    counts once.

    >>> report = AddReport(3, new=2, merged=1, unchanged=1)
    >>> report, report == 3, f"{report} papers", report.summary()
    (AddReport(new=2, merged=1, unchanged=1, skipped=0), True, '3 papers', '2 new, 1 merged, 1 unchanged')
    """

    new: int
    merged: int
    unchanged: int
    skipped: int

    def __new__(
        cls, papers: int = 0, *, new: int = 0, merged: int = 0, unchanged: int = 0, skipped: int = 0
    ) -> AddReport:
        report = super().__new__(cls, papers)
        report.new, report.merged, report.unchanged, report.skipped = new, merged, unchanged, skipped
        return report

    def __repr__(self) -> str:
        return (
            f"AddReport(new={self.new}, merged={self.merged}, unchanged={self.unchanged}, skipped={self.skipped})"
        )

    __str__ = int.__repr__  # printed or formatted, the number it always was

    def summary(self) -> str:
        """The counts for people: ``"2 new, 1 merged, 1 unchanged"`` (and ``", 3 skipped"``, if any)."""
        text = f"{self.new:,} new, {self.merged:,} merged, {self.unchanged:,} unchanged"
        return text + (f", {self.skipped:,} skipped" if self.skipped else "")


def expected_count(source: object) -> int:
    """How many records ``source`` holds if that is known without reading it (a list of records), else 0."""
    if isinstance(source, (str, os.PathLike)) or not isinstance(source, Sized):
        return 0
    if any(isinstance(item, (str, os.PathLike)) for item in source):  # type: ignore[attr-defined]  # a Sized source is a list
        return 0
    return len(source)


def source_bytes(source: object) -> int:
    """The size on disk of the record files ``source`` names (a gzip file counts four times its size), or 0."""
    if isinstance(source, (str, os.PathLike)):
        paths: list[Any] = [source]
    elif isinstance(source, (list, tuple)):
        paths = [item for item in source if isinstance(item, (str, os.PathLike))]
    else:
        return 0
    total = 0
    for path in paths:
        try:
            size = os.path.getsize(path) if os.path.isfile(path) else 0
        except OSError:
            continue
        total += size * (4 if os.fspath(path).endswith(".gz") else 1)
    return total


def stream_records(
    source: Any, errors: Literal["raise", "skip"], skipped: list[LoadError] | None = None
) -> Iterator[Record]:
    """Every record of ``source``, read as needed; in skip mode, malformed ones are left out (into ``skipped``, if
    given) with a warning that counts them. The arguments are checked at once, before anything is read."""
    check_choice("errors", errors, ("raise", "skip"))
    if not isinstance(source, (str, os.PathLike)) and (
        isinstance(source, (bytes, Mapping, Record)) or not isinstance(source, Iterable)
    ):
        one = " (one record goes in a list: [record])" if isinstance(source, (Mapping, Record)) else ""
        raise ArgumentError(
            "what to index must be a record file's path, a list of paths, or a list of records (Record objects or "
            f"dicts){one}; not {type(source).__name__}"
        )
    return _stream_records(source, errors, [] if skipped is None else skipped)


def _stream_records(source: Any, errors: Literal["raise", "skip"], skipped: list[LoadError]) -> Iterator[Record]:
    from ..records.readers import records_only

    yield from records_only(_read(source), skipped if errors == "skip" else None)
    if skipped:
        listed = "; ".join(map(str, skipped[:5]))
        warnings.warn(f"skipped {counted(len(skipped), 'malformed record')}: {listed}", stacklevel=3)


def _read(source: Any) -> Iterator[Record | LoadError]:
    """The records of ``source`` (a record file, or an iterable of records, dicts and files), or a
    :class:`LoadError` for each that cannot be read."""
    from pathlib import Path

    from ..records.readers import read_records

    if isinstance(source, (str, os.PathLike)):
        yield from read_records(Path(source), None)
        return
    for n, item in enumerate(source, start=1):
        if isinstance(item, Record):
            try:
                check_authors(item.authors)  # a reader's records are checked as they are made; this one is not
            except LoadError as exc:
                yield LoadError(f"record {n}: {exc.reason}")
                continue
            yield item
        elif isinstance(item, (str, os.PathLike)):
            yield from read_records(Path(item), None)
        elif not isinstance(item, Mapping):
            yield LoadError(f"record {n}: expected a Record, a dict or a path, not {type(item).__name__}")
        else:
            try:
                yield with_origin(record_from_dict(item), None, None, n)
            except LoadError as exc:
                yield LoadError(f"record {n}: {exc.reason}")


def delete_once(segment: Any, docnum: int) -> bool:
    """Mark a document of the segment being written deleted; False if it already was."""
    if segment.is_deleted(docnum):
        return False
    segment.delete_document(docnum)
    return True


class Counts:
    """Records read and what became of them, for :class:`AddReport`; calls the progress callback as they go."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.read = 0  # records read
        self.papers = 0  # distinct papers among them
        self.merged = 0
        self.unchanged = 0
        self.skipped: list[LoadError] = []

    def count(self) -> None:
        """One more record read."""
        if self.progress is not None and self.read % PROGRESS_EVERY == 0:
            self.progress(self.read, max(self.total, self.read) if self.total else 0)
        self.read += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.read, self.read)

    def report(self) -> AddReport:
        new = self.read - self.merged - self.unchanged
        return AddReport(
            self.papers, new=new, merged=self.merged, unchanged=self.unchanged, skipped=len(self.skipped)
        )


class DocumentWriter(Counts):
    """Adds records to an index, each merged with the paper it is a copy of (see the module's docstring).

    A record's identifiers are looked up in the committed papers (in ``id``, ``doi``, ``pmid`` and ``pmcid``, and
    among merged papers' other identifiers, in ``ids``) and among the documents this writer wrote before it; a
    copy of the same paper is read back, merged with it and deleted, and the merged paper written. A record that
    adds nothing is not written at all.
    """

    def __init__(self, names: Iterable[str], *, progress: Progress | None, total: int) -> None:
        super().__init__(progress, total)
        self.names = frozenset(names)

    def write(self, writer: Any, records: Iterable[Record]) -> None:
        """Write ``records`` into ``writer`` (one commit's worth)."""
        reader = writer.reader()
        batch = _Batch(writer, reader, self.names)
        try:
            for record in records:
                self._add(batch, record)
        finally:
            batch.close()

    def _add(self, batch: _Batch, record: Record) -> None:
        self.count()
        keys = paper_keys(record)
        same: list[tuple[Any, Record]] = []
        others: list[Record] = []  # papers that share an identifier with it but are not it
        for where, found in batch.find(keys):
            if differ(found, record):
                others.append(found)
            else:
                same.append((where, found))
        if not same:
            self.papers += 1
            batch.write(_apart(record, others))
            return
        merged = _apart(merge_records([found for _, found in same] + [record]), others)
        touched = sum(batch.touched(where) for where, _ in same)
        self.papers += 1 - touched  # papers met earlier in this add, now one
        if len(same) == 1 and same_record(same[0][1], merged):
            self.unchanged += 1
            batch.touch(same[0][0])
            return
        self.merged += 1
        for where, _ in same:
            batch.delete(where)
        batch.write(merged)


def _apart(record: Record, others: list[Record]) -> Record:
    """``record``, under a content id if a paper it is not (one sharing its DOI) already has its id."""
    return rename(record, content_id(record)) if any(o.id == record.id for o in others) else record


def document_for(record: Record, names: frozenset[str]) -> dict[str, Any]:
    """The document of ``record`` for an index with the fields ``names`` (one built before a field was added
    lacks it)."""
    doc = to_document(record, "meaning" in names)
    return doc if len(doc) == len(names & doc.keys()) else {k: v for k, v in doc.items() if k in names}


def holding(reader: Any, key: str) -> Iterator[int]:
    """The committed papers holding the identifier ``key`` (:func:`~searchlib.records.merge.paper_keys`): in its
    own field, or among a merged paper's other ids. Deleted papers too: the caller checks."""
    kind, _, text = key.partition(":")  # "doi:10.1/x" is in the field "doi", or in "ids" as it is
    places = [(kind, text), ("ids", key_token(key))] if "ids" in reader.schema else [(kind, text)]
    for field, term in places:
        if (field, term) in reader:
            yield from reader.postings(field, term).all_ids()


class _Batch:
    """What one commit of an add sees: the committed papers, and the documents written since, read back from a
    spool file (the segment being written cannot be read until it is finished)."""

    def __init__(self, writer: Any, reader: Any, names: frozenset[str]) -> None:
        self.writer = writer
        self.reader = reader
        self.names = names
        self.owner: dict[str, int] = {}  # identifier -> document number in the new segment
        self.touched_committed: set[int] = set()  # committed papers a record of this add left unchanged
        self.spool: Any = None
        self.first = writer.docnum
        self.offsets = array("Q")

    def find(self, keys: list[str]) -> Iterator[tuple[Any, Record]]:
        """Each paper (committed, then written in this commit) holding one of ``keys``, with where it is."""
        writer, reader = self.writer, self.reader
        seen: set[int] = set()
        for key in keys:
            for docnum in self._committed(key):
                if docnum not in seen and not writer.is_deleted(docnum):
                    seen.add(docnum)
                    yield ("committed", docnum), stored_records(reader).record(docnum)
        local: set[int] = set()
        for key in keys:
            written = self.owner.get(key)
            if written is not None and written not in local and not writer.newsegment.is_deleted(written):
                local.add(written)
                yield ("new", written), self._read_back(written)

    def _committed(self, key: str) -> Iterator[int]:
        return holding(self.reader, key)

    def touched(self, where: tuple[str, int]) -> bool:
        """Whether a record of this add went into this paper already."""
        return where[0] == "new" or where[1] in self.touched_committed

    def touch(self, where: tuple[str, int]) -> None:
        if where[0] == "committed":
            self.touched_committed.add(where[1])

    def delete(self, where: tuple[str, int]) -> None:
        kind, docnum = where
        if kind == "committed":
            self.writer.delete_document(docnum)
        else:
            delete_once(self.writer.newsegment, docnum)

    def write(self, record: Record) -> None:
        writer = self.writer
        docnum = writer.docnum
        doc = document_for(record, self.names)
        writer.add_document(**doc)
        self._spool(docnum, doc["record"])
        for key in paper_keys(record):
            self.owner[key] = docnum

    def _spool(self, docnum: int, blob: bytes) -> None:
        if self.spool is None:
            self.spool = tempfile.TemporaryFile()
        self.spool.seek(0, os.SEEK_END)
        while len(self.offsets) <= docnum - self.first:
            self.offsets.append(0)
        self.offsets[docnum - self.first] = self.spool.tell()
        self.spool.write(len(blob).to_bytes(4, "little") + blob)

    def _read_back(self, docnum: int) -> Record:
        self.spool.seek(self.offsets[docnum - self.first])
        size = int.from_bytes(self.spool.read(4), "little")
        return record_from_stored(self.spool.read(size))

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        self.reader.close()


class Grouping(Counts):
    """The records of a new index, written as they come, and which of them share an identifier.

    :meth:`claim` notes where each record went; records sharing an identifier (directly or through others) form
    a group, remembered by its members' places in the order read. :func:`merge_groups` merges each group once
    every record is written. Only identifiers and the groups' places are held, never a record.
    """

    def __init__(self, progress: Progress | None, total: int) -> None:
        super().__init__(progress, total)
        self.owner: dict[str, _Mark] = {}  # identifier -> the first record holding it
        self.parent: dict[_Mark, _Mark] = {}  # a grouped record -> the earliest record of its group
        self.members: dict[_Mark, list[_Mark]] = {}  # the earliest record of a group -> every record of it

    def claim(self, record: Record, place: Place) -> None:
        """Note that ``record`` was written at ``place``."""
        mark = (self.read, *place)
        self.count()
        self.papers += 1
        roots: list[_Mark] = []
        for key in paper_keys(record):
            earlier = self.owner.setdefault(key, mark)
            if earlier is not mark and (root := self._root(earlier)) not in roots:
                roots.append(root)
        if not roots:
            return
        root = min(roots)
        group = self.members.setdefault(root, [root])
        for other in roots:
            if other != root:
                group += self.members.pop(other, [other])
                self.parent[other] = root
        group.append(mark)
        self.parent[mark] = root

    def _root(self, mark: _Mark) -> _Mark:
        while (up := self.parent.get(mark)) is not None:
            mark = up
        return mark

    def forget_identifiers(self) -> None:
        """Let the identifiers go once every record is placed (the groups are kept)."""
        self.owner.clear()

    def groups(self) -> list[list[Place]]:
        """The places of each group of two or more records, in the order they were read."""
        return [[(slot, docnum) for _, slot, docnum in sorted(marks)] for marks in self.members.values()]


#: A record of a new index: (its place in the order read, then its :data:`Place`).
_Mark = tuple[int, int, int]


def merge_groups(
    grouping: Grouping,
    read: Callable[[Place], Record],
    delete: Callable[[Place], None],
    write: Callable[[Record], None],
) -> None:
    """Merge each group of ``grouping``: ``read(place)`` gives a record written, ``delete(place)`` deletes it and
    ``write(record)`` writes a merged one. A paper left as written (one record under its own id) is not touched."""
    for places in grouping.groups():
        papers = fold([read(place) for place in places])
        grouping.papers -= len(places) - len(papers)
        for paper in papers:
            grouping.merged += paper.merged
            grouping.unchanged += paper.unchanged
            if len(paper.members) == 1 and not paper.renamed:
                continue
            for n in paper.members:
                delete(places[n])
            write(paper.record)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while records are written, and restored after.

    A build makes millions of objects that live until its segment is written (term tables, postings, analysis
    caches) and almost no cyclic garbage (about a thousand objects in a build of 18,000 records). Each full
    collection walks every one of them: 0.7 s of an 8.8 s SciFact build, 1.6 s of 30 s for 18,000 generated
    records, for the same peak memory either way. Memory that reference counting frees is freed as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
