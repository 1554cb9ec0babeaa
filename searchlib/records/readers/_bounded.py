"""Reading a record file within bounds: no line, and no unpacked gzip, larger than a record file ever needs.

A record is at most a few hundred kilobytes, and record exports compress to a fifth or a tenth of their size; a
file that breaks either rule is damaged or made to exhaust memory (a 1 MB gzip can unpack to a single 1 GB line).
Both are refused as they are read, before more than the bound is held, with a :class:`LoadError` naming the file
(and the line):

- a line of a line-per-record format (JSON Lines and the seed form, RIS, MEDLINE) may hold at most
  :data:`MAX_LINE_BYTES`;
- a gzip file may unpack to at most :data:`UNPACK_RATIO` times its own size (and always to
  :data:`MIN_UNPACKED`), checked as it unpacks.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from typing import IO

from ...errors import LoadError

#: Bytes a line of JSON Lines, RIS or MEDLINE may hold.
MAX_LINE_BYTES = 10 * 2**20
#: How many times its own size a gzip file may unpack to ...
UNPACK_RATIO = 100
#: ... or this many bytes, if more.
MIN_UNPACKED = 64 * 2**20
#: Bytes unpacked at a time.
CHUNK = 2**20


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


class Unpacked:
    """A gzip file read as it unpacks, refused once it has unpacked past its bound (see the module)."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")
        self._raw = raw
        self._name = name
        self.bound = max(MIN_UNPACKED, UNPACK_RATIO * os.fstat(raw.fileno()).st_size)
        self._unpacked = 0

    def _count(self, data: bytes) -> bytes:
        self._unpacked += len(data)
        if self._unpacked > self.bound:
            raise LoadError(
                f"gzip file unpacks to more than {_megabytes(self.bound)}, over {UNPACK_RATIO} times its size; "
                "record exports compress far less, so it is damaged or not a record file (to read it anyway, "
                "unpack it with gunzip and load the unpacked file)",
                self._name,
            )
        return data

    def read(self, size: int = -1) -> bytes:
        if size >= 0:
            return self._count(self._gzip.read(size))
        chunks = []
        while chunk := self.read(CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)

    def readline(self, size: int = -1) -> bytes:
        return self._count(self._gzip.readline(size))

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()

    def __enter__(self) -> Unpacked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lines(f: io.BufferedIOBase | Unpacked, name: str) -> Iterator[bytes]:
    """The lines of ``f``, each read whole only when it is at most :data:`MAX_LINE_BYTES` long."""
    number = 0
    while line := f.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise _long_line(name, number)
        yield line


def check_lines(data: bytes, name: str) -> None:
    """Refuse ``data`` when one of its lines is longer than :data:`MAX_LINE_BYTES`.

    Each step looks at most one line's bound ahead for the last line break there, so a file of short lines takes
    a step per :data:`MAX_LINE_BYTES`, not one per line.
    """
    start = 0  # the start of a line
    while len(data) - start > MAX_LINE_BYTES:
        end = data.rfind(b"\n", start, start + MAX_LINE_BYTES + 1)
        if end < 0:
            raise _long_line(name, data.count(b"\n", 0, start) + 1)
        start = end + 1


def _long_line(name: str, number: int) -> LoadError:
    return LoadError(
        f"line {number} is longer than {_megabytes(MAX_LINE_BYTES)}; no record is that long, so the file is "
        "damaged or not in this format",
        name,
        number,
    )
