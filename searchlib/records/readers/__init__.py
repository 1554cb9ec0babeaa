"""Record formats in: one reader module per format, each turning a source record into a :class:`Record`.

| format            | module                | what it reads                                                     |
|-------------------|-----------------------|-------------------------------------------------------------------|
| ``json``          | ``seed.py``           | the seed format, JSON Lines, JSON arrays, API envelopes           |
| ``crossref``      | ``crossref.py``       | Crossref works (JATS abstracts)                                   |
| ``europepmc``     | ``europepmc.py``      | Europe PMC search results (``resultType=core``)                   |
| ``semanticscholar`` | ``semanticscholar.py`` | Semantic Scholar Graph API papers                              |
| ``pubmed``        | ``pubmed.py``         | PubMed efetch XML (``PubmedArticleSet``)                          |
| ``medline``       | ``medline.py``        | MEDLINE / ``.nbib`` text                                          |
| ``ris``           | ``ris.py``            | RIS (EndNote, Zotero, Mendeley, Rayyan, publishers)               |
| ``bibtex``        | ``bibtex.py``         | BibTeX                                                            |
| ``endnote``       | ``endnote.py``        | EndNote XML (EndNote, Zotero, Mendeley)                           |
| ``csv``           | ``delimited.py``      | CSV and tab-delimited: Zotero, Scopus, Web of Science, Rayyan,    |
|                   |                       | Covidence, PubMed, ASySD, this library's own CSV export           |

:func:`read_records` unpacks gzip, tells the format from the content (:mod:`.detect`) and yields each record,
or a :class:`~searchlib.errors.LoadError` naming the file and line for each one that cannot be read;
:func:`searchlib.load_records` collects them. Lines and unpacked gzip are read within bounds no export reaches
(:mod:`._bounded`). Writers (records out) are in :mod:`searchlib.records.export`.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Literal

from ...errors import LoadError, check_choice, check_path
from ...progress import counted
from ..record import Record, RecordList, with_origin
from . import bibtex, delimited, endnote, medline, pubmed, ris, seed
from ._bounded import Unpacked, check_lines, lines
from .detect import FORMATS, detect_format

__all__ = [
    "FORMATS",
    "Reader",
    "bundled_records_path",
    "detect_format",
    "load_records",
    "read_bytes",
    "read_records",
]

Reader = Callable[[bytes, str], Iterator["Record | LoadError"]]

_READERS: dict[str, Reader] = {
    "pubmed": pubmed.read,
    "medline": medline.read,
    "ris": ris.read,
    "bibtex": bibtex.read,
    "endnote": endnote.read,
    "csv": delimited.read,
}


def read_records(path: Path, format: str | None = None) -> Iterator[Record | LoadError]:
    """Each record of the file at ``path`` in order, or a :class:`LoadError` for each unreadable one.

    Problems with the file as a whole (missing, damaged gzip, unknown format) raise :class:`LoadError`.
    """
    if format is not None:
        check_choice("format", format, FORMATS)
    name = str(path)
    if format in (None, "json"):
        head = read_bytes(path, _HEAD_BYTES)
        if (format or detect_format(head, name)) == "json" and seed.is_line_per_record(head):
            # JSON Lines and the seed form are read a line at a time, so memory does not grow with the file.
            yield from _marked(seed.read_lines(_lines(path), name, None), "json", name)
            return
    data = read_bytes(path)
    fmt = format or detect_format(data, name)
    if fmt in _LINE_FORMATS:
        check_lines(data, name)
    reader = _READERS.get(fmt)
    if reader is not None:
        yield from _marked(reader(data, name), fmt, name)
    else:
        yield from _marked(seed.read(data, name, None if fmt == "json" else fmt), fmt, name)


def _marked(items: Iterable[Record | LoadError], fmt: str, name: str) -> Iterator[Record | LoadError]:
    """Each record marked with its format, file and place in the file (:attr:`Record.sources`)."""
    for number, item in enumerate(items, start=1):
        yield item if isinstance(item, LoadError) else with_origin(item, fmt, name, number)


_HEAD_BYTES = 1 << 16
#: Formats of lines (besides JSON Lines, read a line at a time): a line far longer than any record is refused.
_LINE_FORMATS = ("ris", "medline")


def _open(path: Path) -> io.BufferedIOBase | Unpacked:
    """The file opened for reading bytes, gunzipped as it is read, within its bound, when it is gzip (by
    content)."""
    try:
        f = open(path, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
    except IsADirectoryError:
        raise LoadError("is a directory, not a record file", str(path)) from None
    except FileNotFoundError:
        raise LoadError("no such file", str(path)) from None
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if f.read(2) == b"\x1f\x8b":
        f.seek(0)
        return Unpacked(f, str(path))
    f.seek(0)
    return f


def _lines(path: Path) -> Iterator[bytes]:
    """The file's lines, read as needed, none longer than :data:`._bounded.MAX_LINE_BYTES`."""
    with _open(path) as f:
        try:
            for n, line in enumerate(lines(f, str(path))):
                yield line[3:] if n == 0 and line[:3] == b"\xef\xbb\xbf" else line
        except (OSError, EOFError) as exc:
            raise LoadError(f"damaged gzip file: {exc}", str(path)) from None


def read_bytes(path: Path, limit: int = -1) -> bytes:
    """The file's bytes (the first ``limit`` of them, if given), gunzipped when they are gzip (by content, whatever
    the name), without a UTF-8 BOM."""
    with _open(path) as f:
        try:
            data = f.read(limit)
        except (OSError, EOFError) as exc:
            raise LoadError(f"damaged gzip file: {exc}", str(path)) from None
    return data[3:] if data[:3] == b"\xef\xbb\xbf" else data


def bundled_records_path() -> Path:
    """Path of the sample records that ship inside the package (10 BMJ Quality & Safety papers)."""
    return Path(str(resources.files("searchlib.records.data").joinpath("seed_records.txt")))


def records_only(items: Iterable[Record | LoadError], skipped: list[LoadError] | None) -> Iterator[Record]:
    """The records among ``items``: each :class:`LoadError` is raised, or, given a ``skipped`` list, kept there
    while reading goes on (a file's good records are not lost to one bad one)."""
    for item in items:
        if isinstance(item, LoadError):
            if skipped is None:
                raise item
            skipped.append(item)
        else:
            yield item


def load_records(
    path: str | os.PathLike[str],
    format: str | None = None,
    errors: Literal["raise", "skip"] = "raise",
) -> RecordList:
    """Read a record file, in any format :mod:`.readers` knows, and return its records in file order.

    The format is told from the content (a ``.gz`` is unpacked first); pass ``format`` (``"json"``,
    ``"pubmed"``, ``"medline"``, ``"ris"``, ``"bibtex"``, ``"endnote"``, ``"csv"``, ``"crossref"``,
    ``"europepmc"``, ``"semanticscholar"``) to say it instead. ``errors="raise"`` (the default) stops at the
    first malformed record with a :class:`LoadError` naming the file and line. ``errors="skip"`` keeps going:
    each skipped record is in the result's ``skipped`` list, and a warning says how many were skipped. A file
    with no records gives an empty list, not an error.
    """
    check_path("path", path)
    check_choice("errors", errors, ("raise", "skip"))
    records = RecordList()
    records.extend(records_only(read_records(Path(path), format), records.skipped if errors == "skip" else None))
    if records.skipped:
        warnings.warn(
            f"{path}: skipped {counted(len(records.skipped), 'malformed record')}; see .skipped on the result",
            stacklevel=2,
        )
    return records
