"""Every private name of Whoosh's that searchlib uses, in one place: each one buys a figure a user feels.

searchlib pins Whoosh 2.7.4. Whoosh's public API reads a term's postings a posting at a time and a paper's field
length a paper at a time, and writes a segment a posting at a time; where that cost a user 10% or more of a
figure (a claim's p50, a cold start, a build's papers/s), searchlib reads or writes the same files itself, and
what it needs of Whoosh's internals is reached through the functions and the class here, nowhere else:

- :func:`postings_file`: a segment's postings file, read block by block (:mod:`.postings`): a claim with
  feedback twice as fast as through Whoosh's matchers.
- :func:`term_index`: a segment's term table, probed in the mapped file (:func:`.postings.term_row`): a claim
  with feedback on 5,000 papers a twentieth faster.
- :func:`length_column`: a segment's field-length column, read whole: reading it a paper at a time made a cold
  start on 200,000 papers two thirds slower.
- :class:`StepWriter`: Whoosh's segment writer with its private steps named, so that a writer can write
  postings a term at a time (:mod:`.segwriter`) and a build can write segments in several processes and commit
  them together (:mod:`.parallel`).
- :func:`term_table`, :func:`field_writer_files`, :func:`add_row_positions` and :data:`TERMINFO`: the files
  and layouts a segment's terms are written into; :func:`hash_tables_written_by`: the term table's hash tables
  written a table a call (a build of 50,000 papers takes 7% more CPU through Whoosh's two calls a slot).

Three more are for safety, not speed: :func:`restrict_unpickling` has Whoosh 3's postings, inlined postings and
position lists unpickled by :func:`.unpickling.loads_data` (which builds numbers, bytes and containers only)
rather than by ``pickle.loads``, done when this module is imported, before any index is read (every Whoosh 3
index holds only those there, so Whoosh reads its own indexes as before); :class:`StepWriter` merges segments
without reading their stored fields (Whoosh pickles those; searchlib stores none); :func:`compound_directory`
reads a segment's compound-file directory for a folder being trusted (:func:`.folder.trust`);
:class:`CheckedIndex` reads each TOC's schema with the restricted unpickler instead of Whoosh's ``pickle.loads``.

:func:`missing` lists what of these the installed Whoosh lacks; the test suite fails with its answer.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import whoosh
from whoosh import formats
from whoosh.codec import whoosh3
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import RamStorage
from whoosh.index import TOC, FileIndex
from whoosh.writing import SegmentWriter

from .unpickling import loads_data

#: The Whoosh this module was written against.
WHOOSH_VERSION = (2, 7, 4)

#: A term info's fixed-size part (weight, document frequency, lengths, max weight, first and last document).
TERMINFO = whoosh3.W3TermInfo._struct
#: The name of a field's length column in a segment.
length_field: Callable[[str], str] = whoosh3._lenfield


# -- reading ---------------------------------------------------------------------------------------------------


def postings_file(reader: Any) -> Any:
    """The postings file of a segment in Whoosh 3's own layout (``W3TermsReader``), or None for other readers."""
    terms: Any = getattr(reader, "_terms", None)
    return terms._postfile if type(terms) is whoosh3.W3TermsReader else None


def term_index(reader: Any, field: str) -> tuple[Callable[[str, bytes], bytes], Any] | None:
    """``(the key of a term, the term table)`` of a segment in Whoosh 3's own layout that holds ``field``; None
    for other readers and fields."""
    terms: Any = getattr(reader, "_terms", None)
    if type(terms) is not whoosh3.W3TermsReader or field not in terms._fieldmap:
        return None
    return terms._keycoder, terms._tindex


def length_column(reader: Any, field: str) -> tuple[Any, int, int] | None:
    """``(file, offset, papers written)`` of a segment's length column for ``field`` when it is in the usual
    layout (a byte per paper, 0 for papers past the last one written); None otherwise."""
    perdoc: Any = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(length_field(field), whoosh3.LENGTHS_COLUMN)
    if type(column) is not whoosh3.LENGTHS_COLUMN.Reader or column._fixedlen != 1 or column._default != 0:
        return None
    return column._dbfile, column._basepos, column._count


# -- unpickling ------------------------------------------------------------------------------------------------

#: The Whoosh modules whose ``loads`` reads a segment's postings: block data and inlined postings (``whoosh3``),
#: a posting's positions (``formats``).
_POSTINGS_READERS = (whoosh3, formats)


def restrict_unpickling() -> None:
    """Have Whoosh unpickle postings, inlined postings and positions with :func:`.unpickling.loads_data`."""
    for module in _POSTINGS_READERS:
        module.loads = loads_data  # the name each module imported from whoosh.compat


restrict_unpickling()


class _WithoutStoredFields:
    """A segment's reader as a merge sees it: every paper with no stored fields.

    searchlib's indexes have none (records are JSON in a column); Whoosh's merge still reads each paper's from
    the segment's ``_stored`` column, with ``pickle.loads`` on whatever a crafted segment put there.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def iter_docs(self) -> Any:
        return ((docnum, {}) for docnum in self._reader.all_doc_ids())

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        return {}


class CheckedIndex(FileIndex):
    """Whoosh's index, whose every reading of the newest TOC is its storage's ``read_toc()``: the schema read by a
    restricted unpickler, so that Whoosh never unpickles one (a fresh schema each time, as Whoosh's own: each
    writer's analyzers count the words they indexed, :func:`.schema.indexed_words`), and read again when a
    commit replaced the TOC meanwhile."""

    def _read_toc(self) -> Any:
        return self.storage.read_toc(self.indexname)


def read_toc(storage: Any, indexname: str, schema: Any) -> Any:
    """Whoosh's reading of the newest TOC of ``storage``, given its ``schema``."""
    return TOC.read(storage, indexname, schema=schema)


def compound_directory(dbfile: Any) -> Any:
    """The directory of a segment's compound file ``dbfile`` (each part's name, offset and length), read as
    Whoosh reads it: through the file's own ``read_pickle``."""
    files = CompoundStorage(dbfile, use_mmap=False)
    try:
        return files._dir
    finally:
        files.close()


# -- writing ---------------------------------------------------------------------------------------------------


class StepWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter``, its private steps named, for writers that write a segment their own way.

    A subclass writes the segment's postings in :meth:`write_postings` (Whoosh's writer: from its pool); a
    build's helper process writes its segment with :meth:`finish_segment` and leaves the commit to the build's
    process, which lists every segment in one table of contents with :meth:`commit_segments`.
    """

    def __init__(self, ix: Any, *args: Any, lock: bool = True, tempname: str | None = None, **kwargs: Any) -> None:
        self.writelock = None
        try:
            super().__init__(ix, *args, _lk=lock, **kwargs)
            if tempname is not None:  # another process writes a segment of the same index at the same time
                self._tempstorage = self.storage.temp_storage(tempname)
        except BaseException:  # a full disk once the lock was taken: what it made goes, and the lock is free
            self.discard_files(segment=True)
            if self.writelock is not None:
                self.writelock.release()
            raise

    @property
    def scratch(self) -> Any:
        """Where the writer keeps its temporary files."""
        return self._tempstorage

    @property
    def has_documents(self) -> bool:
        """Whether documents were added (a segment to write)."""
        return bool(self._added)

    def add_reader(self, reader: Any) -> None:
        """Merge a segment into the one being written (Whoosh's merges call this), its stored fields unread."""
        super().add_reader(_WithoutStoredFields(reader))

    def check_document(self, fields: dict[str, Any]) -> None:
        """Refuse a document a closed writer is given, or one with fields the schema lacks."""
        self._check_state()
        self._check_fields(self.schema, fields)

    def document_added(self) -> None:
        self._added = True

    def write_postings(self) -> None:
        """Write the segment's postings and close its files (Whoosh: from the writer's pool)."""
        super()._flush_segment()

    def _flush_segment(self) -> None:  # what Whoosh's writer calls to write a segment
        self.write_postings()

    def finish_segment(self) -> Any:
        """Write the segment whole and return it, without committing it."""
        return self._finalize_segment()

    def close_segment(self) -> None:
        """Close a segment with no documents."""
        self._close_segment()

    def discard_files(self, segment: bool) -> None:
        """Close a failed writer's files and remove its scratch files, and with ``segment`` the new segment's
        files, whatever step it failed at (its constructor's too); never raises, as another error is on its way
        to the caller."""
        for name in ("perdocwriter", "fieldwriter"):
            part = getattr(self, name, None)
            if part is not None and not part.is_closed:
                with suppress(Exception):
                    part.close()
        with suppress(Exception):
            self.pool.cleanup()
        with suppress(Exception):
            self._tempstorage.destroy()
        if not segment or not hasattr(self, "newsegment"):
            return
        prefix = f"{self.newsegment.segment_id()}."
        with suppress(Exception):
            for name in self.storage.list():
                if name.startswith(prefix):
                    with suppress(Exception):
                        self.storage.delete_file(name)

    def commit_segments(self, segments: list[Any]) -> None:
        """Commit a table of contents listing ``segments``, and release the writer."""
        self._commit_toc(segments)
        self._finish()


def term_table(fieldwriter: Any) -> Any:
    """The term table (an ``OrderedHashWriter``) Whoosh 3's field writer writes a segment's terms into."""
    return fieldwriter._tindex


def hash_tables_written_by(fieldwriter: Any, write: Callable[[Any], None]) -> Any:
    """Have the term table's hash tables written by ``write(table)`` when the field writer is closed (Whoosh's
    writes two calls a slot); returns the term table."""
    table = term_table(fieldwriter)
    table._write_hashes = lambda: write(table)
    return table


def field_writer_files(fieldwriter: Any) -> tuple[Any, Any, int, int, int]:
    """``(postings file, term table, field number, block size, compression level)`` of the field Whoosh 3's field
    writer is writing (after its ``start_field``)."""
    postwriter = fieldwriter._postwriter
    return (
        fieldwriter._postfile,
        term_table(fieldwriter),
        fieldwriter._fieldid,
        postwriter._blocklimit,
        postwriter._compression,
    )


def add_row_positions(table: Any, positions: list[int]) -> None:
    """Add rows' positions to the term table's ordered index, widening its array as Whoosh's does."""
    index = table.index
    try:
        index.array.extend(array(index.array.typecode, positions))
    except OverflowError:  # past 64 KiB the positions need a wider type, as GrowableArray.append finds
        index._retype(positions[-1])
        index.array.extend(positions)


# -- compatibility ---------------------------------------------------------------------------------------------


def missing() -> list[str]:
    """What of the private names above the installed Whoosh lacks (empty when it is compatible): each is looked
    up on a writer, a segment and a reader of a small index made in memory."""
    from whoosh import fields

    gaps: list[str] = []

    def need(owner: Any, *names: str, where: str) -> None:
        gaps.extend(f"{where}.{name}" for name in names if not hasattr(owner, name))

    need(whoosh3.W3TermInfo, "_struct", where="W3TermInfo")
    need(whoosh3, "_lenfield", "LENGTHS_COLUMN", "W3TermsReader", where="whoosh.codec.whoosh3")
    need(SegmentWriter, "_flush_segment", "_finalize_segment", "_close_segment", where="SegmentWriter")
    need(SegmentWriter, "_commit_toc", "_finish", "_check_state", "_check_fields", where="SegmentWriter")
    need(whoosh3.W3PerDocReader, "_cached_reader", where="W3PerDocReader")
    need(whoosh3, "loads", where="whoosh.codec.whoosh3")
    need(FileIndex, "_read_toc", where="FileIndex")
    need(formats, "loads", where="whoosh.formats")
    if gaps:
        return gaps
    ix = RamStorage().create_index(fields.Schema(text=fields.TEXT(stored=True)))
    writer = StepWriter(ix, codec=whoosh3.W3Codec())
    need(writer, "_tempstorage", "_added", where="SegmentWriter")
    writer.cancel()
    codec = whoosh3.W3Codec()
    storage = RamStorage()
    fw = codec.field_writer(storage, codec.new_segment(storage, "check"))
    fw.start_field("text", ix.schema["text"])
    need(fw, "_postwriter", "_postfile", "_tindex", "_fieldid", where="W3FieldWriter")
    need(getattr(fw, "_postwriter", None), "_blocklimit", "_compression", where="W3PostingsWriter")
    table = getattr(fw, "_tindex", None)
    need(table, "_write_hashes", "index", "buckets", "lastkey", "dbfile", where="OrderedHashWriter")
    need(getattr(table, "index", None), "_retype", "array", where="GrowableArray")
    fw.finish_field()
    fw.close()
    writer = ix.writer()
    writer.add_document(text="a word")
    writer.commit()
    with ix.reader() as reader:
        need(reader, "_terms", "_perdoc", where="SegmentReader")
        terms: Any = getattr(reader, "_terms", None)
        need(terms, "_postfile", "_fieldmap", "_keycoder", "_tindex", where="W3TermsReader")
        perdoc: Any = getattr(reader, "_perdoc", None)
        if not gaps:
            column = perdoc._cached_reader(length_field("text"), whoosh3.LENGTHS_COLUMN)
            need(column, "_fixedlen", "_default", "_dbfile", "_basepos", "_count", where="lengths column")
    return gaps


def compatibility_problem() -> str | None:
    """Why the installed Whoosh cannot be used, or None when it can."""
    found = tuple(whoosh.__version__[:3])
    gaps = missing()
    if found == WHOOSH_VERSION and not gaps:
        return None
    version = ".".join(map(str, found))
    return f"searchlib needs Whoosh 2.7.4; found {version}: {', '.join(gaps) or 'another version'}"
