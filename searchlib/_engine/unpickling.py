"""Unpicklers that can build only what an index's files hold, so that a crafted file cannot run code.

Whoosh 2.7 keeps three kinds of pickle in an index folder, and each is read here with an unpickler that refuses
everything else before it is built:

- a table of contents (TOC) holds the schema and the list of segments: :func:`load_structure` builds the
  classes of :data:`STRUCTURE_CLASSES` and nothing more. Each is named by its module and name exactly as a
  pickle names it and looked up in that table: no import, no attribute walk, no function.
- a segment's postings blocks, inlined postings, position lists and compound-file directory hold tuples, lists,
  dicts, numbers, strings and bytes: :func:`load_data` and :func:`loads_data` build those alone. Protocol 2
  writes bytes as a call to ``_codecs.encode(text, "latin1")``; that one name is answered with
  :func:`_latin1`, which does only that.

Records are not pickled at all (JSON in a column, :mod:`.schema`), and trust in a folder is decided before any
of these are read (:mod:`.trust`): these unpicklers are the second wall, for a folder that changed after it was
trusted.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from io import BytesIO
from typing import Any, BinaryIO

from whoosh import columns, fields, formats
from whoosh.analysis import filters as whoosh_filters
from whoosh.analysis import tokenizers as whoosh_tokenizers
from whoosh.codec import whoosh3

from ..analysis import authors, fast, filters, tokenizers, written
from ..errors import UntrustedIndexError


class RefusedPickle(UntrustedIndexError, pickle.UnpicklingError):
    """A pickle in an index file names something the file never holds: the index was changed by something other
    than searchlib. (An ``UnpicklingError`` too, as the unpickler's own refusals are.) ``what`` is what it names.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(
            f"an index file holds a pickle naming {what}, which searchlib never writes: the index was changed by "
            "something other than searchlib; rebuild it from its record files"
        )


def _latin1(text: str, encoding: str = "latin1", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocol 2 uses it for a bytes value, and nothing else."""
    if type(text) is not str or encoding not in ("latin1", "latin-1") or errors != "strict":
        raise RefusedPickle("_codecs.encode for something other than bytes")
    return text.encode("latin1")


#: Protocol 2 pickles use Python 2's names for builtins.
_PYTHON2_NAMES = {("__builtin__", "long"): ("builtins", "int")}
_PYTHON2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}

#: What a segment file's pickles may name.
DATA_NAMES: dict[tuple[str, str], Any] = {("_codecs", "encode"): _latin1}

#: The classes a TOC's schema and segment list are made of: searchlib's schema (:func:`.schema.make_schema`) and
#: Whoosh 3's segments. Every one is harmless to make with any arguments.
STRUCTURE_CLASSES: tuple[type, ...] = (
    frozenset,
    set,
    int,
    defaultdict,
    fields.Schema,
    fields.TEXT,
    fields.ID,
    fields.NUMERIC,
    fields.COLUMN,
    fields.KEYWORD,
    formats.Existence,
    formats.Frequency,
    formats.Positions,
    columns.VarBytesColumn,
    columns.NumericColumn,
    whoosh_filters.CharsetFilter,
    whoosh_filters.LowercaseFilter,
    whoosh_filters.StopFilter,
    whoosh_tokenizers.IDTokenizer,
    whoosh3.W3Codec,
    whoosh3.W3Segment,
    tokenizers.PaperTokenizer,
    tokenizers.ValueTokenizer,
    tokenizers.SpaceTokenizer,
    authors.AuthorTokenizer,
    fast.CachedAnalyzer,
    fast.NameListAnalyzer,
    filters.CompoundFilter,
    filters.QueryStopFilter,
    filters.SpellingFilter,
    filters.StemFilter,
    written.WrittenAnalyzer,
)
STRUCTURE_NAMES: dict[tuple[str, str], Any] = {(c.__module__, c.__qualname__): c for c in STRUCTURE_CLASSES}


class _Restricted(pickle.Unpickler):
    """An unpickler that builds only the names in its table (Python's C unpickler, so as fast as ``loads``)."""

    allowed: dict[tuple[str, str], Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        key = _PYTHON2_NAMES.get((module, name)) or (_PYTHON2_MODULES.get(module, module), name)
        found = self.allowed.get(key)
        if found is None:
            raise RefusedPickle(f"{module}.{name}")
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedPickle("a persistent id")


class _Data(_Restricted):
    allowed = DATA_NAMES


class _Structure(_Restricted):
    allowed = STRUCTURE_NAMES


def load_data(file: BinaryIO) -> Any:
    """The next pickle of a segment file (see the module's docstring); ``UnpicklingError`` for anything else."""
    return _Data(file).load()


def loads_data(data: bytes) -> Any:
    """:func:`load_data` of a bytes object: Whoosh's ``loads`` for postings, inlined postings and positions."""
    return _Data(_framed(data)).load()


def load_structure(file: BinaryIO) -> Any:
    """The next pickle of a TOC: a schema or a segment list (see the module's docstring)."""
    return _Structure(file).load()


def loads_structure(data: bytes) -> Any:
    """:func:`load_structure` of a bytes object."""
    return _Structure(_framed(data)).load()


#: A protocol 4 pickle's start: PROTO 4, then FRAME (its length follows).
_FRAME = b"\x80\x04\x95"


def _framed(data: bytes) -> BytesIO:
    """``data`` as one pickle frame. An unpickler reads a frame whole, then its opcodes from memory, as
    ``pickle.loads`` reads; without one, it asks the file for every opcode's bytes, and a block's ids and weights
    took ten times as long to read. (A pickle may hold protocol and frame opcodes anywhere.)"""
    return BytesIO(b"".join((_FRAME, len(data).to_bytes(8, "little"), data)))
