"""Writing records into the index as they are read, one document per paper, without holding them all.

Two records are the same paper when they share any identity key (id, DOI, PMID or PMCID), and the last one read
wins, as a later load of the same paper should. Records are written as they stream in; when a later record
supersedes one already written in the same commit, the earlier document is marked deleted in the segment being
written (Whoosh drops it for good at the next merge). Only the identity keys are remembered, so memory does not
grow with the records' text: 200,000 records index in a few hundred MB.

>>> from searchlib import build_index
>>> index = build_index([{"title": "Old", "doi": "10.1/a"}, {"title": "New", "doi": "10.1/A"}])
>>> len(index), index.get("10.1/a").title
(1, 'New')
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextlib import contextmanager
from typing import Any, Literal

from ..errors import ArgumentError, LoadError, check_choice
from ..progress import Progress, counted
from ..records.readers.seed import record_from_dict
from ..records.record import Record, check_authors
from .schema import to_document

#: Records between calls of a progress callback.
PROGRESS_EVERY = 100

Key = tuple[str, str]


def identity_keys(record: Record) -> list[Key]:
    """Every key that identifies the paper: its id, and its DOI, PMID and PMCID when known."""
    keys = [("id", record.id)]
    keys += [(name, value) for name in ("doi", "pmid", "pmcid") if (value := getattr(record, name, None))]
    return keys


def expected_count(source: object) -> int:
    """How many records ``source`` holds if that is known without reading it (a list of records), else 0."""
    if isinstance(source, (str, os.PathLike)) or not isinstance(source, Sized):
        return 0
    if any(isinstance(item, (str, os.PathLike)) for item in source):  # type: ignore[attr-defined]
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


def stream_records(source: Any, errors: Literal["raise", "skip"]) -> Iterator[Record]:
    """Every record of ``source``, read as needed; in skip mode, malformed ones are left out with a warning
    that counts them. The arguments are checked at once, before anything is read."""
    check_choice("errors", errors, ("raise", "skip"))
    if not isinstance(source, (str, os.PathLike)) and (
        isinstance(source, (bytes, Mapping, Record)) or not isinstance(source, Iterable)
    ):
        one = " (one record goes in a list: [record])" if isinstance(source, (Mapping, Record)) else ""
        raise ArgumentError(
            "what to index must be a record file's path, a list of paths, or a list of records (Record objects or "
            f"dicts){one}; not {type(source).__name__}"
        )
    return _stream_records(source, errors)


def _stream_records(source: Any, errors: Literal["raise", "skip"]) -> Iterator[Record]:
    from ..records.readers import records_only

    skipped: list[LoadError] = []
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
                yield record_from_dict(item)
            except LoadError as exc:
                yield LoadError(f"record {n}: {exc.reason}")


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


def delete_once(segment: Any, docnum: int) -> bool:
    """Mark a document of the segment being written deleted; False if it already was."""
    if segment.is_deleted(docnum):
        return False
    segment.delete_document(docnum)
    return True


class DocumentWriter:
    """Feeds records to Whoosh writers, one paper per identity, the last record winning.

    ``replace=True`` also deletes the committed documents a record replaces (adding to an index); a new index
    has none, so its build skips those lookups. Keys of documents written by earlier writers of the same
    :class:`DocumentWriter` are committed, so ``replace`` finds them.
    """

    def __init__(self, names: Iterable[str], *, replace: bool, progress: Progress | None, total: int) -> None:
        self.names = frozenset(names)
        self.replace = replace
        self.progress = progress
        self.total = total
        self.read = 0  # records read
        self.papers = 0  # distinct papers among them

    def write(self, writer: Any, records: Iterable[Record]) -> None:
        """Write ``records`` into ``writer``."""
        owner: dict[Key, int] = {}  # identity key -> document number in this writer's new segment
        segment = writer.newsegment
        names = self.names
        for record in records:
            keys = identity_keys(record)
            if self.replace:
                # The same paper may be in the index under another id (loaded before without its DOI).
                for field, value in keys[1:]:
                    if field in names:
                        writer.delete_by_term(field, value)
            docnum = writer.docnum
            doc = to_document(record)
            if len(doc) > len(names & doc.keys()):  # an index built before a field was added lacks it
                doc = {k: v for k, v in doc.items() if k in names}
            (writer.update_document if self.replace else writer.add_document)(**doc)
            self.claim(owner, keys, docnum, lambda earlier: delete_once(segment, earlier))

    def claim(self, owner: dict[Key, Any], keys: list[Key], place: Any, delete: Callable[[Any], bool]) -> None:
        """Count a record just written at ``place`` (a document number, or any other mark of where it went).

        ``owner`` maps each identity key to where the paper holding it was written; an earlier copy of the
        same paper is deleted with ``delete(place)``, which says whether that copy was still there.
        """
        for key in keys:
            earlier = owner.get(key)
            if earlier is not None and delete(earlier):
                self.papers -= 1
            owner[key] = place
        if self.progress is not None and self.read % PROGRESS_EVERY == 0:
            self.progress(self.read, max(self.total, self.read) if self.total else 0)
        self.read += 1
        self.papers += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.read, self.read)
