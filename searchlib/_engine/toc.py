"""Reading a Whoosh 2.7 table of contents (TOC) without letting Whoosh unpickle it.

A TOC is a header (the sizes of ints, longs and floats; a magic number; Whoosh's TOC version and release), the
schema's pickle as a length-prefixed string, the generation and an unused int, then the pickled list of segments.
Its two pickles are read here with the restricted unpickler of :mod:`.unpickling`, and what they hold is checked
to be a schema and a list of Whoosh 3 segments whose ids make plain file names.
"""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

from whoosh import fields
from whoosh.codec import whoosh3
from whoosh.filedb.structfile import StructFile

from ..errors import UntrustedIndexError
from .unpickling import RefusedPickle, loads_structure

#: A segment's id: its files are named ``<index name>_<id>.<extension>``.
_SEGMENT_ID_RE = re.compile(r"^[0-9a-z]+$")


def toc_parts(data: bytes, toc: Path) -> tuple[bytes, bytes]:
    """A TOC's two pickles, its schema's and its segment list's, its header checked on the way."""
    stream = StructFile(BytesIO(data))
    try:
        sizes = [stream.read_varint() for _ in range(3)]
        magic, version = stream.read_int(), stream.read_int()
        [stream.read_varint() for _ in range(3)]
        if magic != -12345 or version != -111 or sizes[0] not in (4, 8):
            raise ValueError("header")
        schema = stream.read_string()
        stream.read_int(), stream.read_int()
        return schema, data[stream.tell() :]
    except Exception:
        raise UntrustedIndexError(
            f"{toc} is not a Whoosh 2.7 TOC searchlib can read; refusing to open it", str(toc.parent)
        ) from None


def _unpickle(data: bytes, what: str, toc: Path) -> Any:
    try:
        return loads_structure(data)
    except RefusedPickle as exc:
        raise UntrustedIndexError(
            f"{toc} is not a TOC searchlib writes: its {what} names {exc.what}; refusing to open it",
            str(toc.parent),
        ) from None
    except Exception as exc:
        raise UntrustedIndexError(
            f"{toc} is damaged: its {what} cannot be read ({type(exc).__name__})", str(toc.parent)
        ) from None


def schema_of(data: bytes, toc: Path) -> fields.Schema:
    """The schema in a TOC's bytes, read with the restricted unpickler (:mod:`.unpickling`)."""
    schema = _unpickle(toc_parts(data, toc)[0], "schema", toc)
    if not isinstance(schema, fields.Schema):
        raise UntrustedIndexError(f"{toc} is not a TOC searchlib writes: its schema is not one", str(toc.parent))
    return schema


def segments_of(data: bytes, toc: Path, indexname: str) -> list[Any]:
    """The segments in a TOC's bytes, read with the restricted unpickler; each must be a Whoosh 3 segment of this
    index whose id is letters and digits, as the names of its files are made from it."""
    segments = _unpickle(toc_parts(data, toc)[1], "segment list", toc)
    if not isinstance(segments, list) or not all(_is_segment(s, indexname) for s in segments):
        raise UntrustedIndexError(
            f"{toc} is not a TOC searchlib writes: its segment list holds something else", str(toc.parent)
        )
    return segments


def _is_segment(segment: Any, indexname: str) -> bool:
    try:
        return (
            type(segment) is whoosh3.W3Segment
            and type(segment.codec()) is whoosh3.W3Codec
            and segment.indexname == indexname
            and isinstance(segment.segid, str)
            and _SEGMENT_ID_RE.match(segment.segid) is not None
        )
    except AttributeError:  # built without its attributes
        return False
