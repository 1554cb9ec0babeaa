"""XML exports read one record element at a time (PubMed's ``<PubmedArticle>``, EndNote's ``<record>``).

Each element is cut from the file at its opening tag and parsed on its own, so a damaged record is reported with
the line it starts on and the others are still read, and one opened but never closed (a file cut short) is
reported too, never dropped. The standard library's ``xml.etree.ElementTree`` parses each element without the
file's DOCTYPE, so entity declarations (the "billion laughs" attack) and external entities never reach the
parser: an undeclared entity is an error in that record, nothing is expanded or fetched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from ...errors import LoadError
from ..record import Record
from ._fields import clean


def read_elements(
    data: bytes,
    opener: re.Pattern[bytes],
    name: str,
    build: Callable[[ET.Element, str], Record],
    root: re.Pattern[bytes] | None = None,
) -> Iterator[Record | LoadError]:
    """``build(element, its XML text)`` for each element ``opener`` finds (its group 1 is the tag), or a
    :class:`LoadError` naming the line of each one that is not closed, not XML, or that ``build`` rejects, and
    of the file's end when the element ``root`` opens (its group 1 the tag) is not closed after the last one."""
    starts = list(opener.finditer(data))
    yield from _elements(data, starts, name, build)
    if root is None or (starts and data.find(b"</" + starts[-1].group(1) + b">", starts[-1].end()) < 0):
        return  # the last element is unclosed: already reported
    opened = root.search(data, 0, starts[0].start() if starts else len(data))
    if opened and data.find(b"</" + opened.group(1) + b">", starts[-1].end() if starts else opened.end()) < 0:
        after = f" after <{starts[-1].group(1).decode()}> {len(starts)}" if starts else " before any record"
        yield LoadError(
            f"the file ends without </{opened.group(1).decode()}>{after}: is it cut short? Any records after "
            "that are missing; download or export it again",
            name,
            data.count(b"\n", 0, len(data.rstrip())) + 1,
        )


def _elements(
    data: bytes, starts: list[re.Match[bytes]], name: str, build: Callable[[ET.Element, str], Record]
) -> Iterator[Record | LoadError]:
    line, counted = 1, 0  # lines are counted onward from the previous element, not from the top each time
    for n, m in enumerate(starts, start=1):
        tag = m.group(1).decode()
        line += data.count(b"\n", counted, m.start())
        counted = m.start()
        end_tag = f"</{tag}>".encode()
        stop = starts[n].start() if n < len(starts) else len(data)
        end = data.find(end_tag, m.start(), stop)
        if end < 0:
            yield LoadError(f"<{tag}> {n} is never closed (is the file cut short?)", name, line)
            continue
        chunk = data[m.start() : end + len(end_tag)]
        try:
            element = ET.fromstring(chunk)
        except ET.ParseError as exc:
            row, _ = exc.position
            yield LoadError(f"<{tag}> {n}: invalid XML: {str(exc).split(':')[0]}", name, line + row - 1)
            continue
        try:
            yield build(element, chunk.decode("utf-8"))
        except LoadError as exc:
            yield LoadError(f"<{tag}> {n}: {exc.reason}", name, line)


def text_of(element: ET.Element | None) -> str | None:
    """All the text inside an element (markup such as EndNote's ``<style>`` dropped), white space collapsed."""
    return clean("".join(element.itertext())) if element is not None else None
