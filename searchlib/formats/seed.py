"""JSON records: the seed format, JSON Lines, JSON arrays, and the API envelopes around them.

The seed format is one JSON object per line, often preceded by a plain line of author names. A file may instead
hold one JSON document: an array of records, a single record, or an API response that wraps them (Crossref's
``{"message": {"items": [...]}}`` or ``{"message": {...}}``, Europe PMC's ``{"resultList": {"result": [...]}}``,
Semantic Scholar's ``{"data": [...]}``). Each object is read as the source its keys show
(:func:`~searchlib.formats.detect.json_source`): a Crossref work, a Europe PMC result, a Semantic Scholar paper,
or else the seed's shape (:func:`searchlib.records.record_from_dict`). JSON is parsed with orjson.

Errors name the line of the record: the line itself in JSON Lines, the line where the element starts in an
array or envelope (found by a scan of the bytes, since a JSON parser does not keep positions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from ..errors import LoadError
from ..records import Record, record_from_dict
from . import crossref, europepmc, semanticscholar
from .detect import json_source

__all__ = ["read", "read_lines", "is_line_per_record", "record_from_object"]

# An array of records opens with "[" then "{" or "]"; a seed file's first author line may open with "[" too
# (PubMed's "[No authors listed]"), and is then read line by line like any other.
_ARRAY_START = re.compile(rb"\s*\[\s*[{\]]")

_CONVERTERS = {
    "crossref": crossref.record_from_work,
    "europepmc": europepmc.record_from_result,
    "semanticscholar": semanticscholar.record_from_paper,
}


def record_from_object(
    obj: Mapping[str, Any], source: str | None = None, author_line: str | None = None
) -> Record:
    """One JSON object as a :class:`Record`, read as ``source`` (a format name) or as its keys show."""
    source = source if source in _CONVERTERS else json_source(obj) if source in (None, "json") else "seed"
    convert = _CONVERTERS.get(source)
    return convert(obj) if convert else record_from_dict(obj, author_line=author_line)


def read(data: bytes, name: str, source: str | None = None) -> Iterator[Record | LoadError]:
    """Every record of a JSON file, or a :class:`LoadError` (with file and line) for each one that is malformed."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if _ARRAY_START.match(data):  # an array that does not parse has no records to salvage
                yield LoadError(f"invalid JSON: {_json_reason(exc)}", name, exc.lineno)
                return
        else:  # one document: an array, an envelope or a single record
            yield from _read_document(doc, data, name, source)
            return
    yield from read_lines(data.split(b"\n"), name, source)


def is_line_per_record(head: bytes) -> bool:
    """Whether a file starting with ``head`` holds a record a line (JSON Lines, the seed form), not one document.

    True when the first line is a whole JSON object or a line of author names; an array, an API envelope, or an
    object spread over several lines is one document and is read whole.
    """
    stripped = head.lstrip()
    if not stripped or stripped[:1] == b"[":  # an array (or "[No authors listed]": read whole, as before)
        return False
    first = stripped.split(b"\n", 1)[0].strip()
    if first[:1] != b"{":
        return True  # a line of author names
    try:
        obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and _items(obj)[0] is None  # an envelope on one line is read as a document


def read_lines(lines: Iterable[bytes], name: str, source: str | None) -> Iterator[Record | LoadError]:
    """JSON Lines, and the seed form where a plain line of author names precedes its record."""
    pending: tuple[int, str] | None = None  # a plain author line waiting for its record
    for lineno, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if not line:
            continue
        if line[:1] == b"{":
            author_line = pending[1] if pending else None
            pending = None
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield LoadError(f"invalid JSON: {_json_reason(exc)}", name, lineno)
                continue
            yield _convert(obj, source, name, lineno, author_line)
            continue
        if pending is not None:
            yield LoadError("a line of text not followed by a JSON record", name, pending[0])
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield LoadError(f"invalid UTF-8 at byte {exc.start}", name, lineno)
            pending = None
            continue
        pending = (lineno, text)
    if pending is not None:
        yield LoadError("a line of text not followed by a JSON record", name, pending[0])


def _convert(
    obj: object, source: str | None, name: str, line: int | None, author_line: str | None = None, where: str = ""
) -> Record | LoadError:
    if not isinstance(obj, dict):
        what = "null (a batch lookup that found no paper)" if obj is None else "not a JSON object"
        return LoadError(f"{where or 'the line'} is {what}", name, line)
    try:
        return record_from_object(obj, source, author_line)
    except LoadError as exc:
        return LoadError(f"{where}: {exc.reason}" if where and line is None else exc.reason, name, line)


def _read_document(doc: object, data: bytes, name: str, source: str | None) -> Iterator[Record | LoadError]:
    items, key = _items(doc)
    if items is None:
        yield _convert(doc, source, name, 1, where="the document")
        return
    lines = _element_lines(data, len(items), key)
    for i, obj in enumerate(items):
        where = f"element {i + 1} of {'the array' if key is None else repr(key)}"
        yield _convert(obj, source, name, lines[i] if lines else None, where=where)


def _items(doc: object) -> tuple[list[Any] | None, str | None]:
    """The records a document holds and the key of the array holding them; (None, None) for a single record."""
    if isinstance(doc, list):
        return doc, None
    if not isinstance(doc, dict):
        return None, None
    message = doc.get("message")
    if isinstance(message, dict) and ("message-type" in doc or "status" in doc):  # Crossref
        return (message["items"], "items") if isinstance(message.get("items"), list) else ([message], None)
    result_list = doc.get("resultList")
    if isinstance(result_list, dict) and isinstance(result_list.get("result"), list):  # Europe PMC
        return result_list["result"], "result"
    if isinstance(doc.get("data"), list) and not ({"total", "offset", "next", "token"}.isdisjoint(doc)):  # S2
        return doc["data"], "data"
    return None, None


def _element_lines(data: bytes, count: int, key: str | None) -> list[int] | None:
    """Line numbers where the elements of the array (the top-level one, or the value of ``key``) start.

    A scan that skips strings; None when it cannot find them all (the caller then names elements by number).
    """
    start, lineno = 0, 1
    if key is not None:
        m = re.search(rb'(?<!\\)"' + re.escape(key.encode()) + rb'"\s*:\s*\[', data)
        if m is None:
            return None
        start = m.end() - 1
        lineno = data.count(b"\n", 0, start) + 1
    lines: list[int] = []
    depth = 0
    in_str = escape = False
    expect_value = False
    for byte in data[start:]:
        if byte == 0x0A:
            lineno += 1
        if in_str:
            if escape:
                escape = False
            elif byte == 0x5C:
                escape = True
            elif byte == 0x22:
                in_str = False
            continue
        if depth == 1 and expect_value and byte not in b" \t\r\n,]":
            lines.append(lineno)
            expect_value = False
        if byte == 0x22:
            in_str = True
        elif byte in b"{[":
            depth += 1
            expect_value = depth == 1
        elif byte in b"}]":
            depth -= 1
            if depth == 0 and key is not None:
                break
        elif byte == 0x2C and depth == 1:
            expect_value = True
    return lines if len(lines) >= count else None


def _json_reason(exc: orjson.JSONDecodeError) -> str:
    msg = str(exc.msg if hasattr(exc, "msg") else exc)
    return f"{msg} (column {exc.colno})" if getattr(exc, "colno", None) else msg
