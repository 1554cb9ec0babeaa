"""Reading Whoosh 3 segment files straight from their bytes, where Whoosh's readers cost a search most.

Ranking (:mod:`searchlib.search.termwise`) reads a term's postings whole, without positions, and every paper's
field length; Whoosh's own readers make a matcher per term, step it a posting at a time and unpickle every
block's positions (a claim with feedback takes twice as long through them), and read a field length a paper at
a time. These functions read the same files (searchlib's segments: :mod:`.segwriter`; Whoosh's own merged
segments too), reached through :mod:`.whoosh_private`, and fall back to Whoosh's public reader for anything not
in the layout they expect.
"""

from __future__ import annotations

import zlib
from itertools import accumulate
from typing import Any

from whoosh.codec import whoosh3
from whoosh.filedb import filetables
from whoosh.matching import FilterMatcher
from whoosh.reading import IndexReader, ReaderClosed, TermInfo, TermNotFound
from whoosh.util.numeric import length_to_byte

from .termtable import POINTER, ROW_LENGTHS, key_hash
from .unpickling import loads_data
from .whoosh_private import length_column, postings_file, term_index

#: Not read this way (another codec or storage, a field the segment lacks): the caller asks Whoosh.
UNREAD = object()


def read_postings(reader: IndexReader, field: str, btext: bytes, info: TermInfo) -> tuple[list[int], list[float]]:
    """The term's document numbers and term frequencies in this segment, deleted papers included.

    Whoosh's on-disk postings are read a block at a time without their positions (:func:`_read_blocks`); a term
    found in few papers has its postings in its term info; other postings (other readers) are stepped through
    with a matcher.
    """
    inlined = info.inlined_postings() if hasattr(info, "inlined_postings") else None
    if inlined is not None:
        return list(inlined[0]), list(inlined[1])
    postfile = postings_file(reader)
    if postfile is not None:
        try:
            found = _read_blocks(postfile, info.extent()[0])
        except ValueError:  # its file closed under it: the reader was closed, as Whoosh's own reads say it
            if getattr(reader, "is_closed", False):
                raise ReaderClosed from None
            raise
        if found is not None:
            return found
    try:
        m = reader.postings(field, btext)
    except TermNotFound:
        return [], []
    if isinstance(m, FilterMatcher):  # the segment's deletions: dropped from the scores instead
        m = m.child
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return ids, weights


def _read_blocks(postfile: Any, offset: int) -> tuple[list[int], list[float]] | None:
    """The document numbers and weights of the postings at ``offset``, block after block as Whoosh 3's matcher
    reads them (a magic number; then per block its length, negative for the last, a pickled header and the
    pickled data), without making a matcher; None if they do not start with Whoosh 3's magic number. Every
    pickle is read with the unpickler that builds numbers, bytes and containers alone (:mod:`.unpickling`)."""
    postfile.seek(offset)
    if postfile.read(4) != whoosh3.WHOOSH3_HEADER_MAGIC:
        return None
    ids: list[int] = []
    weights: list[float] = []
    pos = offset + 4
    while True:
        postfile.seek(pos)
        length = postfile.read_int()
        count, _maxid, _maxweight, compression = postfile.read_pickle()[:4]
        end = pos + 4 + abs(length)
        deltas, block_weights = _ids_and_weights(postfile, count, compression, postfile.tell(), end)
        ids += accumulate(deltas)  # each block's first number is whole, the rest are gaps
        if block_weights is None or isinstance(block_weights, float):  # one weight for the whole block
            weights += [1.0 if block_weights is None else block_weights] * len(deltas)
        else:
            weights += block_weights
        if length < 0:
            return ids, weights
        pos = end


def term_row(reader: IndexReader, field: str, btext: bytes) -> bytes | None | object:
    """The term's row in the segment's term table (its term info's bytes), or None if the segment lacks it.

    Whoosh looks a term up through two generators and a file read per slot, key and value; this probes the same
    hash table in the mapped file with ``struct.unpack_from``, in a third of the time (a claim with feedback looks
    up some 300 terms per segment). :data:`UNREAD` when the segment is not read that way (another codec or
    storage, a field the segment lacks): the caller then asks Whoosh.
    """
    found = term_index(reader, field)
    if found is None:
        return UNREAD
    keycoder, table = found
    buf = getattr(table.dbfile, "view", None)
    if buf is None or table.hashfn is not filetables.md5_hash:
        return UNREAD
    key = keycoder(field, btext)
    keyhash = key_hash(key)
    start, slots = table.tables[keyhash & 255]
    if not slots:
        return None
    slot = (keyhash >> 8) % slots
    for _ in range(slots):
        slothash, pos = POINTER.unpack_from(buf, start + slot * POINTER.size)
        if not pos:
            return None
        if slothash == keyhash:
            keylen, datalen = ROW_LENGTHS.unpack_from(buf, pos)
            keypos = pos + ROW_LENGTHS.size
            if keylen == len(key) and buf[keypos : keypos + keylen] == key:
                return bytes(buf[keypos + keylen : keypos + keylen + datalen])
        slot = slot + 1 if slot + 1 < slots else 0
    return None


#: Where a block's positions start in Whoosh 2.7's pickle of it (protocol 2): the mark of the tuple of values,
#: then the decoder of the first value's bytes.
_VALUES_START = b"(c_codecs\nencode\n"
#: How a protocol 4 pickle starts: PROTO 4, then FRAME (its length follows).
_PROTOCOL_4_FRAME = b"\x80\x04\x95"
#: A block's ids take at most 5 pickled bytes each, its weights 9.
_HEAD_BYTES_PER_POSTING = 14


def _ids_and_weights(postfile: Any, n: int, compression: int, start: int, end: int) -> tuple[Any, Any]:
    """The id gaps and weights of the block of ``n`` postings whose data lies from ``start`` to ``end``, as
    Whoosh stores them (``(gaps, weights, positions)`` pickled, compressed if ``compression``).

    In a block Whoosh's own writer pickled (protocol 2: segments Whoosh merged), unpickling the positions is
    nine tenths of the cost of reading it (each is a bytes object rebuilt by a call to ``codecs.encode``), and
    ranking needs none of them; so only the pickle's head, up to where the positions start, is decompressed and
    read. Blocks searchlib writes (protocol 4, :data:`searchlib._engine.segwriter.BLOCK_PROTOCOL`) hold the ids and
    weights in a pickle frame of their own, before the positions': only that frame is decompressed and read
    (a claim with feedback takes a sixth longer when blocks are read whole). Anything unexpected reads the whole
    block as Whoosh does (:func:`_read_whole`).
    """
    if n >= 4:  # a tuple of three or fewer positions has no mark to find
        raw = postfile.get(start, end - start)
        try:
            head = zlib.decompressobj().decompress(raw, n * _HEAD_BYTES_PER_POSTING + 64) if compression else raw
            if head.startswith(_PROTOCOL_4_FRAME):  # searchlib's: ids and weights in a frame of their own
                size = int.from_bytes(head[3:11], "little")
                apart = head[11 + size : 12 + size] == b"\x95"  # the values' frame follows
                frame = b"\x80\x04" + head[11 : 11 + size] + b"\x86."  # then TUPLE2 and STOP
                found = loads_data(frame) if apart else None
            else:  # Whoosh's: up to the call that rebuilds the first position list
                cut = head.find(_VALUES_START)
                found = loads_data(head[:cut] + b"\x86.") if cut > 0 else None
        except Exception:
            found = None
        if (
            type(found) is tuple
            and len(found) == 2
            and type(found[0]) is tuple
            and len(found[0]) == n
            and (found[1] is None or type(found[1]) is float or (type(found[1]) is tuple and len(found[1]) == n))
        ):
            return found
    return _read_whole(postfile, compression, start, end)


def _read_whole(postfile: Any, compression: int, start: int, end: int) -> tuple[Any, Any]:
    """A block's id gaps and weights, its data read whole as Whoosh's matcher reads it."""
    data = postfile.get(start, end - start)
    block = loads_data(zlib.decompress(data) if compression else data)
    return block[0], block[1]


def length_bytes(reader: IndexReader, field: str) -> bytes:
    """Every paper's stored length byte for ``field`` in this segment (0 where the paper has no such field).

    Read straight from Whoosh's length column when the segment has one in the usual layout (one byte per paper,
    papers past the last one written take the default 0); else paper by paper through the public reader.
    """
    n = reader.doc_count_all()
    column = length_column(reader, field)
    if column is not None:
        dbfile, start, count = column
        held = min(count, n)
        return dbfile.get(start, held) + bytes(n - held)
    return bytes(length_to_byte(reader.doc_field_length(d, field, 0) or 0) for d in range(n))
