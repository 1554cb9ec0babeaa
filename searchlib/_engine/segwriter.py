"""Writing a segment a term at a time: the same Whoosh segment files, made with a fraction of the work.

Whoosh's ``SegmentWriter`` turns every posting into a tuple, sorts them all (spilling runs to disk past a
memory limit), then writes them one call at a time, and for each one reads the document's field length back
from disk. Here, for every field whose analyzer is a :class:`~searchlib.analysis.fast.CachedAnalyzer` (or, for
author names, a :class:`~searchlib.analysis.fast.NameListAnalyzer`):

- a document's words are analysed straight into a ``term -> positions`` table, without token objects;
- each term's postings are appended to its document numbers and weights (arrays) and its encoded values (a list,
  the common one-position encodings shared, so a block's pickle names each once);
- past :data:`SPILL_POSTINGS` postings the arrays go to a sorted run file, and at the end the runs and what is
  still held are merged by concatenation, since document numbers only grow;
- each term's blocks (up to :data:`BLOCK_POSTINGS` postings) and its row of the term table are made in one go,
  with field lengths read once, not through a call per posting.

Fields with other analyzers (ids, numbers, author names) go through Whoosh's own ``field.index``, into the same
tables. The files written are those Whoosh's writer makes with the same codec (searchlib's has blocks of
:data:`BLOCK_POSTINGS`), and every file but the postings and the term table is byte for byte Whoosh's. Those two
hold the same terms, statistics, blocks and postings, in the same layout, with three differences Whoosh's reader
reads as it reads its own: a block's postings are pickled with protocol :data:`BLOCK_PROTOCOL` (Whoosh's writer
uses 2, which pickles each position list as a call that rebuilds the bytes); a block's pickle names each distinct
value once; and small blocks, which zlib would shrink little, are written uncompressed (:data:`SMALL_BLOCK`; each
block says whether it is compressed). The term table's offsets
into the postings differ with them. ``tests/engine/test_segwriter.py`` checks it, so everything that reads an index
(searching, merging, ``optimize``, plain Whoosh) is unchanged.

>>> from whoosh import fields
>>> from whoosh.filedb.filestore import RamStorage
>>> from searchlib.analysis import paper_analyzer
>>> ix = RamStorage().create_index(fields.Schema(text=fields.TEXT(analyzer=paper_analyzer())))
>>> writer = FastSegmentWriter(ix)
>>> writer.add_document(text="Randomised trials of exercise")
>>> writer.commit()
>>> with ix.searcher() as s:
...     sorted(s.lexicon("text"))
[b'exercis', b'random', b'trial']
"""

from __future__ import annotations

import heapq
import marshal
import zlib
from array import array
from collections.abc import Iterator
from pickle import dumps
from struct import Struct
from typing import Any

from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode

from ..analysis.fast import CachedAnalyzer, NameListAnalyzer
from ..analysis.written import WrittenAnalyzer
from . import termtable
from .whoosh_private import (
    TERMINFO,
    StepWriter,
    add_row_positions,
    field_writer_files,
    hash_tables_written_by,
    length_field,
)

#: Postings held in memory before they are written to a sorted run file (about 30 bytes each).
SPILL_POSTINGS = 6_000_000
#: Postings a block holds at most, in the codec a writer uses unless given one. Whoosh's default codec has 128;
#: its reader reads blocks of any size. Ranking reads a term's postings whole (``termwise``), paying about as
#: much per block as for 120 postings: on a large index, blocks of 512 answer claims in about three
#: quarters of the time that blocks of 128 take, with a slightly smaller index.
BLOCK_POSTINGS = 512
#: Blocks whose pickled postings are shorter than this are written uncompressed (the block says so, and Whoosh
#: reads either). zlib saves them little (on SciFact, blocks of 96 to 255 bytes shrink by a fifth, 2% of the
#: index; longer ones by half or more), and compressing them took a tenth of writing a segment. Whoosh's writer
#: means to skip pickles under 20 bytes but compresses every block.
SMALL_BLOCK = 256
#: The pickle protocol of a block's postings. Protocol 2, Whoosh's, writes each position list (a bytes value) as
#: a call to ``codecs.encode`` on a string: protocol 4 writes a segment in about two thirds of the time, with a
#: fifth less index, and its blocks read back faster too.
BLOCK_PROTOCOL = 4
#: Blocks of at least this many postings put their values (the positions) in a pickle frame of their own, after
#: the document numbers and weights: ranking reads only the first frame (``postings._ids_and_weights``).
HEAD_POSTINGS = 4
_FRAME = b"\x95"  # pickle's FRAME opcode, then the frame's length (8 bytes, little-endian)
#: Bytes of postings held before they and their term table rows are written out (each term costs a few list
#: appends, not two ``tell`` and four ``write`` calls through Whoosh's file wrappers).
FLUSH_BYTES = 1 << 22

#: Terms written to a run file per ``marshal`` call. Within one call, a value object held by several postings
#: (the shared one-position encodings) is written once and read back as one object, so reading a run makes few
#: objects and a block's pickle still names each value once.
RUN_CHUNK = 1024

_POSITIONS, _FREQUENCY, _EXISTENCE, _OTHER = range(4)


def _encode_positions(poses: list[int]) -> bytes:
    return formats.Positions.encode(None, poses)


#: Most postings are one word at one position: their encodings, made once.
_ONE_POSITIONS = 2048
_ONE_POSITION = [_encode_positions([p]) for p in range(_ONE_POSITIONS)]


class _Term:
    """One term's postings, in document order: numbers, weights and encoded values (none for a field that
    keeps only which documents hold a term). Most values are one position, whose encoding is shared."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self) -> None:
        self.ids = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []


class _Postings:
    """Postings of one segment by field and term, spilled to sorted runs past a size.

    Also takes Whoosh's pool calls (``add`` of ``(field, btext, docnum, weight, vbytes)`` tuples), which the
    writer makes when it merges other segments into the new one.
    """

    def __init__(self, tempstorage: Any, text_fields: frozenset[str], limit: int = SPILL_POSTINGS) -> None:
        self.text_fields = text_fields
        # Fields analysed here are keyed by term text, others by Whoosh's term bytes; text sorts as its UTF-8.
        self.fields: dict[str, dict[Any, _Term]] = {}
        self.tempstorage = tempstorage
        self.limit = limit
        self.count = 0
        self.runs: list[str] = []

    def terms(self, fieldname: str) -> dict[Any, _Term]:
        table = self.fields.get(fieldname)
        if table is None:
            table = self.fields[fieldname] = {}
        return table

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        key: str | bytes = btext.decode("utf-8") if fieldname in self.text_fields else btext
        table = self.terms(fieldname)
        term = table.get(key)
        if term is None:
            term = table[key] = _Term()
        term.ids.append(docnum)
        term.weights.append(weight)
        term.values.append(vbytes or b"")
        self.count += 1
        if self.count >= self.limit:
            self.spill()

    def spill(self) -> None:
        """Write what is held to a run file, sorted by field and term, and start afresh."""
        if not self.count:
            return
        name = f"postings-{len(self.runs)}.run"
        with self.tempstorage.create_file(name).raw_file() as f:
            chunk: list[tuple[str, bytes, bytes, bytes, list[bytes]]] = []
            for item in self._sorted():
                chunk.append(item)
                if len(chunk) == RUN_CHUNK:
                    _dump_chunk(chunk, f)
                    chunk = []
            if chunk:
                _dump_chunk(chunk, f)
        self.runs.append(name)
        self.fields = {}
        self.count = 0

    def _sorted(self) -> Iterator[tuple[str, bytes, bytes, bytes, list[bytes]]]:
        for fieldname in sorted(self.fields):
            table = self.fields[fieldname]
            for btext in sorted(table):
                t = table[btext]
                yield fieldname, btext, t.ids.tobytes(), t.weights.tobytes(), t.values

    def _read_run(self, name: str) -> Iterator[tuple[str, bytes, bytes, bytes, list[bytes]]]:
        with self.tempstorage.open_file(name).raw_file() as f:
            while True:
                head = f.read(_CHUNK_HEAD.size)
                if not head:
                    return
                (size,) = _CHUNK_HEAD.unpack(head)
                yield from marshal.loads(f.read(size))

    def merged(self) -> Iterator[tuple[str, bytes, _Term]]:
        """Every term's postings in (field, term) order, the runs' postings concatenated."""
        if not self.runs:
            for fieldname in sorted(self.fields):
                table = self.fields[fieldname]
                for btext in sorted(table):
                    yield fieldname, btext, table[btext]
            return
        # The postings still held are the latest documents: they come last, straight from memory. (heapq.merge
        # takes equal keys in the order of its streams, so each term's documents stay in order.)
        streams = [self._read_run(name) for name in self.runs]
        streams.append(self._sorted())
        current: tuple[str, bytes] | None = None
        term = _Term()
        for fieldname, btext, ids, weights, values in heapq.merge(*streams, key=lambda item: item[:2]):
            if (fieldname, btext) != current:
                if current is not None:
                    yield (*current, term)
                current, term = (fieldname, btext), _Term()
            term.ids.frombytes(ids)
            term.weights.frombytes(weights)
            term.values += values
        if current is not None:
            yield (*current, term)

    def cleanup(self) -> None:
        for name in self.runs:
            try:
                self.tempstorage.delete_file(name)
            except OSError:
                pass
        self.runs = []
        self.fields = {}


_CHUNK_HEAD = Struct("<Q")


def _dump_chunk(chunk: list[Any], f: Any) -> None:
    # Each chunk is prefixed by its size and read back whole: marshal.load on a file object would make a
    # Python-level read call for every string in it.
    data = marshal.dumps(chunk)
    f.write(_CHUNK_HEAD.pack(len(data)))
    f.write(data)


def _kind(field: Any) -> int:
    analyzer = getattr(field, "analyzer", None)
    if (
        not isinstance(analyzer, (CachedAnalyzer, NameListAnalyzer, WrittenAnalyzer))
        or field.format.field_boost != 1.0
    ):
        return _OTHER
    fmt = type(field.format)
    return {formats.Positions: _POSITIONS, formats.Frequency: _FREQUENCY, formats.Existence: _EXISTENCE}.get(
        fmt, _OTHER
    )


class FastSegmentWriter(StepWriter):
    """Whoosh's ``SegmentWriter`` with postings gathered per term and written a block at a time.

    Use it as ``FastSegmentWriter(ix, timeout=..., limitmb=...)`` wherever ``ix.writer()`` would do.
    """

    def __init__(self, ix: Any, *args: Any, spill_postings: int = SPILL_POSTINGS, **kwargs: Any) -> None:
        if kwargs.get("codec") is None:
            kwargs["codec"] = W3Codec(blocklimit=BLOCK_POSTINGS)
        super().__init__(ix, *args, **kwargs)
        schema = self.schema
        self._kinds = {name: _kind(schema[name]) for name in schema.names()}
        text_fields = frozenset(name for name, kind in self._kinds.items() if kind != _OTHER)
        self.pool = _Postings(self.scratch, text_fields, spill_postings)
        # Vectors and separate spelling words need Whoosh's own path; searchlib's schema has neither.
        self._plain = any(schema[n].vector or schema[n].separate_spelling() for n in schema.names())

    def add_document(self, **fields: Any) -> None:
        if self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self.check_document(fields)
        schema = self.schema
        pdw = self.perdocwriter
        pool = self.pool
        docnum = self.docnum
        pdw.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                kind = self._kinds[fieldname]
                table: Any = None
                if kind != _OTHER and isinstance(value, str):
                    analyzer = field.analyzer
                    table = analyzer.terms(value) if kind == _EXISTENCE else analyzer.positions(value)
                if table is None:
                    length = self._add_generic(field, fieldname, value, docnum)
                elif kind == _EXISTENCE:
                    length = _add_terms(pool.terms(fieldname), table, docnum)
                    pool.count += length
                else:
                    length = _add_table(pool.terms(fieldname), table, kind, docnum)
                    pool.count += len(table)
                if not field.scorable:
                    length = 0
            pdw.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column and value is not None:
                pdw.add_column_value(fieldname, column, field.to_column_value(value))
        pdw.finish_doc()
        self.document_added()
        self.docnum += 1
        if pool.count >= pool.limit:
            pool.spill()

    def _add_generic(self, field: Any, fieldname: str, value: Any, docnum: int) -> int:
        length = 0
        add = self.pool.add
        for btext, freq, weight, vbytes in field.index(value):
            length += freq
            add((fieldname, btext, docnum, weight, vbytes))
        return length

    def write_postings(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        tindex = hash_tables_written_by(self.fieldwriter, termtable.write_hash_tables)
        try:
            _write_postings(self.fieldwriter, self.schema, pdr, self.pool.merged())
        finally:
            self.fieldwriter.close()
            pdr.close()
            # The term table's hash buckets hold a tuple per term, and the closed writer holding them sits in
            # a reference cycle: let them go now, rather than leave them for the cyclic collector to walk.
            tindex.buckets = []


def _values_framed_apart(data: bytes, head: bytes) -> bytes:
    """``data``, a protocol 4 pickle of ``(ids, weights, values)``, as two frames: the first holds the ids and
    weights, the second the values and the end. Any unpickler reads it as before; a reader that wants only the ids
    and weights reads the first frame. ``head`` is the pickle of ``(ids, weights)``, whose opcodes, up to the
    TUPLE2, MEMOIZE and STOP that end it, are where ``data``'s begin. A pickle not in one frame (the pickler frames
    one of 64 KiB or more itself) is left as it is."""
    split = len(head) - 3
    if not (
        head.endswith(b"\x86\x94.")
        and data[2:3] == _FRAME
        and int.from_bytes(data[3:11], "little") == len(data) - 11
        and data.startswith(head[11:split], 11)
    ):
        return data
    rest = len(data) - split
    return b"".join(
        (
            data[:3],
            (split - 11).to_bytes(8, "little"),
            data[11:split],
            _FRAME,
            rest.to_bytes(8, "little"),
            data[split:],
        )
    )


def _add_terms(terms: dict[str, _Term], table: set[str], docnum: int) -> int:
    """Add one document's terms to a field that keeps only which documents hold a term (Whoosh's Existence
    format: one posting of weight 1 per term, whatever its frequency); returns the field's length."""
    for text in table:
        term = terms.get(text)
        if term is None:
            term = terms[text] = _Term()
        term.ids.append(docnum)
        term.weights.append(1.0)
    return len(table)


def _add_table(terms: dict[str, _Term], table: dict[str, list[int]], kind: int, docnum: int) -> int:
    """Add one document's ``term -> positions`` table to a field's terms; returns the field's length."""
    one = _ONE_POSITION
    get = terms.get
    for text, poses in table.items():
        term = get(text)
        if term is None:
            term = terms[text] = _Term()
        n = len(poses)
        term.ids.append(docnum)
        term.weights.append(n)
        if kind != _POSITIONS:
            term.values.append(pack_uint(n))
        elif n == 1 and poses[0] < _ONE_POSITIONS:
            term.values.append(one[poses[0]])
        else:
            term.values.append(_encode_positions(poses))
    return sum(map(len, table.values()))


def _write_postings(fw: Any, schema: Any, pdr: Any, terms: Iterator[tuple[str, bytes, _Term]]) -> None:
    """Write every term's postings and term info through Whoosh's field writer's files."""
    lastfield = None
    lengths: list[int] | None = None
    out: _TermWriter | None = None
    for fieldname, btext, term in terms:
        if out is None or fieldname != lastfield:  # the first term, or a new field's
            if out is not None:
                out.flush()
                fw.finish_field()
            fieldobj = schema[fieldname]
            fw.start_field(fieldname, fieldobj)
            lengths = _field_lengths(pdr, fieldname)
            out = _TermWriter(fw, fieldobj.format)
            lastfield = fieldname
        out.write(btext.encode("utf-8") if isinstance(btext, str) else btext, term, lengths)
    if out is not None:
        out.flush()
        fw.finish_field()


def _field_lengths(pdr: Any, fieldname: str) -> list[int] | None:
    """Each document's length of the field, as the postings writer would read it back (None: no lengths)."""
    lenfield = length_field(fieldname)
    if not pdr.has_column(lenfield):
        return None
    reader = pdr.column_reader(lenfield, LENGTHS_COLUMN)
    return [byte_to_length(b) for b in reader]


class _TermWriter:
    """Writes a field's terms as Whoosh 3's postings writer and term table do, without a call per posting.

    Each term is a run of blocks of up to the codec's block limit of postings in the postings file (a pickled
    header, then the pickled document numbers, weights and values, compressed as the codec says) and a row in the
    term table, as ``W3PostingsWriter`` and ``W3FieldWriter.finish_term`` write them (the blocks' values pickled
    with :data:`BLOCK_PROTOCOL`).
    """

    def __init__(self, fw: Any, fmt: Any) -> None:
        self.postfile, self.tindex, fieldid, self.size, self.compression = field_writer_files(fw)
        self.prefix = pack_ushort(fieldid)
        self.fixed = fmt.fixed_value_size()
        # What is not yet written: postings chunks, and the term table's rows (each a length header, a key and
        # a value) with the positions its hash buckets and ordered index need.
        self.post_pos = self.postfile.tell()
        self.posts: list[bytes] = []
        self.row_pos = self.tindex.dbfile.tell()
        self.rows: list[bytes] = []
        self.row_starts: list[int] = []
        self.held = 0
        self.lastkey = self.tindex.lastkey

    def _emit(self, btext: bytes, chunk: bytes, terminfo: bytes, start: int) -> None:
        """Hold a term's postings ``chunk`` (written at ``start`` in the postings file) and its term table row;
        past :data:`FLUSH_BYTES`, write what is held."""
        self.posts.append(chunk)
        self.post_pos = start + len(chunk)
        self.held += len(chunk)
        self._add_row(self.prefix + btext, terminfo + pack_long(start) + pack_int(len(chunk)))
        if self.held >= FLUSH_BYTES:
            self.flush()

    def _add_row(self, key: bytes, value: bytes) -> None:
        """``OrderedHashWriter.add(key, value)``: the same bytes, hash bucket entry and index entry."""
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        pos = self.row_pos
        self.row_starts.append(pos)
        header = termtable.ROW_LENGTHS.pack(len(key), len(value))
        self.rows += (header, key, value)
        self.row_pos = pos + 8 + len(key) + len(value)
        h = termtable.key_hash(key)
        self.tindex.buckets[h & 255].append((h, pos))
        self.lastkey = key

    def flush(self) -> None:
        """Write what is held to the postings file and the term table."""
        if self.posts:
            self.postfile.write(b"".join(self.posts))
            self.posts = []
        if self.rows:
            tindex = self.tindex
            tindex.dbfile.write(b"".join(self.rows))
            add_row_positions(tindex, self.row_starts)
            tindex.lastkey = self.lastkey
            self.rows = []
            self.row_starts = []
        self.held = 0

    def write(self, btext: bytes, term: _Term, lengths: list[int] | None) -> None:
        ids, weights, all_values = term.ids, term.weights, term.values
        size, comp, fixed = self.size, self.compression, self.fixed
        start = self.post_pos
        n = len(ids)
        parts = [WHOOSH3_HEADER_MAGIC]
        total_weight: float = 0
        maxweight: float = 0
        minlength: int | None = None
        maxlength = 0
        for lo in range(0, n, size):
            hi = min(lo + size, n)
            block_ids = ids[lo:hi]
            block_weights = weights[lo:hi]
            block_max = max(0, max(block_weights))
            block_min_length = None
            block_max_length = 0
            if lengths is not None:
                known = [x for x in map(lengths.__getitem__, block_ids) if x]
                if known:
                    block_min_length = min(known)
                    block_max_length = max(known)
            # The block's statistics, added to the term's as W3TermInfo.add_block does.
            total_weight += sum(block_weights)
            if minlength is None:
                minlength = block_min_length
            elif block_min_length is not None:
                minlength = min(minlength, block_min_length)
            maxlength = max(maxlength, block_max_length)
            maxweight = max(maxweight, block_max)
            # The block, minified as W3PostingsWriter does.
            mini_ids = tuple(block_ids) if hi - lo == 1 else tuple(delta_encode(block_ids))
            first = block_weights[0]
            if first == 1.0 and block_weights.count(1.0) == hi - lo:
                mini_weights: Any = None
            elif block_weights.count(first) == hi - lo:
                mini_weights = first
            else:
                mini_weights = tuple(block_weights)
            if fixed == 0:
                mini_values: Any = None
            else:
                values = all_values[lo:hi]
                if b"" in values:  # as Whoosh's writer, which keeps no empty value
                    values = [v for v in values if v]
                mini_values = tuple(values) if fixed is None or fixed < 0 else b"".join(values)
            data = dumps((mini_ids, mini_weights, mini_values), BLOCK_PROTOCOL)
            if mini_values and hi - lo >= HEAD_POSTINGS:
                data = _values_framed_apart(data, dumps((mini_ids, mini_weights), BLOCK_PROTOCOL))
            level = comp if len(data) >= SMALL_BLOCK else 0
            if level:
                data = zlib.compress(data, level)
            min_byte, max_byte = length_to_byte(block_min_length), length_to_byte(block_max_length)
            info = dumps((hi - lo, block_ids[-1], block_max, level, min_byte, max_byte), 2)
            blocklength = len(info) + len(data)
            parts += (pack_int(-blocklength if hi == n else blocklength), info, data)
        terminfo = TERMINFO.pack(
            False,
            total_weight,
            n,
            0 if minlength is None else length_to_byte(minlength),
            length_to_byte(maxlength),
            maxweight,
            ids[0],
            ids[-1],
        )
        self._emit(btext, b"".join(parts), terminfo, start)
