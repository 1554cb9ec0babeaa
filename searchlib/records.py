"""Paper records: the :class:`Record` every stage works on, and :func:`load_records`, which reads record files.

Reads the seed format (one JSON object per line, often preceded by a plain line of author names), JSON
Lines, a JSON array, and a gzip of any of them. JSON is parsed with orjson.

>>> records = load_records(bundled_records_path())
>>> records[0].doi, records[0].year, [s.category for s in records[0].sections]
('10.1136/bmjqs-2024-017268', 2025, ['background', 'methods', 'results', 'conclusions'])
"""

from __future__ import annotations

import gzip
import hashlib
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import orjson

from .errors import LoadError
from .markup import html_to_text
from .sections import Section, parse_abstract

__all__ = ["Record", "RecordList", "load_records", "record_from_dict", "bundled_records_path", "normalise_doi"]


@dataclass(frozen=True)
class Record:
    """One paper. ``raw`` is the source's JSON object, whole, so nothing the source said is lost."""

    id: str
    doi: str | None
    title: str
    authors: tuple[str, ...]
    journal: str | None = None
    volume: str | None = None
    pages: str | None = None
    date: str | None = None
    year: int | None = None
    abstract_html: str = ""
    abstract: str = ""
    sections: tuple[Section, ...] = ()
    pdf_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        first = self.authors[0] if self.authors else "-"
        return f"Record({self.id!r}, {self.year or '-'}, {first!r}, {_shorten(self.title, 60)!r})"

    def section_text(self, category: str) -> str:
        """All text of the sections in ``category`` (e.g. ``"methods"``), joined; empty when there is none."""
        return " ".join(s.text for s in self.sections if s.category == category)


class RecordList(list[Record]):
    """A list of records that also says what was skipped: ``skipped`` holds one :class:`LoadError` per line."""

    def __init__(self, records: Iterable[Record] = (), skipped: Iterable[LoadError] = ()) -> None:
        super().__init__(records)
        self.skipped: list[LoadError] = list(skipped)

    def report(self) -> str:
        """One line per skipped record, after a count: what a user reads to see nothing was lost silently."""
        head = f"{len(self)} records loaded, {len(self.skipped)} skipped"
        return "\n".join([head, *(f"  {e}" for e in self.skipped)])


def bundled_records_path() -> Path:
    """Path of the sample records that ship inside the package (10 BMJ Quality & Safety papers)."""
    return Path(str(resources.files("searchlib.data").joinpath("seed_records.txt")))


_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalise_doi(value: object) -> str | None:
    """Lower-case DOI without URL or ``doi:`` prefix; None when ``value`` holds no DOI.

    >>> normalise_doi("https://doi.org/10.1136/BMJQS-2024-017386")
    '10.1136/bmjqs-2024-017386'
    """
    if not isinstance(value, str):
        return None
    doi = _DOI_PREFIX.sub("", value).strip().lower()
    return doi if doi.startswith("10.") and "/" in doi else None


def load_records(path: str | Path, errors: Literal["raise", "skip"] = "raise") -> RecordList:
    """Read a record file and return its records in file order.

    ``errors="raise"`` (the default) stops at the first malformed record with a :class:`LoadError` naming the
    file and line. ``errors="skip"`` keeps going: each skipped line is in the result's ``skipped`` list, and a
    warning says how many were skipped.
    """
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    path = Path(path)
    data = _read_bytes(path)
    records = RecordList()
    for item in _parse(data, str(path)):
        if isinstance(item, LoadError):
            if errors == "raise":
                raise item
            records.skipped.append(item)
            continue
        line, obj, author_line = item
        try:
            records.append(record_from_dict(obj, author_line=author_line))
        except LoadError as exc:
            err = LoadError(exc.reason, str(path), line)
            if errors == "raise":
                raise err from None
            records.skipped.append(err)
    if records.skipped:
        warnings.warn(
            f"{path}: skipped {len(records.skipped)} malformed record(s); see .skipped on the result",
            stacklevel=2,
        )
    return records


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise LoadError("is a directory, not a record file", str(path)) from None
    except FileNotFoundError:
        raise LoadError("no such file", str(path)) from None
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise LoadError(f"damaged gzip file: {exc}", str(path)) from None
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    return data


_Item = tuple[int, dict[str, Any], "str | None"]


def _parse(data: bytes, name: str) -> Iterator[_Item | LoadError]:
    """Yield (line, object, author line) per record, or a LoadError per malformed line."""
    if data.lstrip()[:1] == b"[":
        yield from _parse_array(data, name)
        return
    pending: tuple[int, str] | None = None  # a plain author line waiting for its record
    for lineno, raw_line in enumerate(data.split(b"\n"), start=1):
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
            if not isinstance(obj, dict):
                yield LoadError("expected a JSON object", name, lineno)
                continue
            yield lineno, obj, author_line
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


def _parse_array(data: bytes, name: str) -> Iterator[_Item | LoadError]:
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield LoadError(f"invalid JSON: {_json_reason(exc)}", name, exc.lineno)
        return
    # Line numbers of the array's elements are not known after parsing; report the element's position instead
    # as the line of the array when it is one line per element, which is how exports are usually written.
    starts = _element_lines(data, len(items))
    for i, obj in enumerate(items):
        line = starts[i] if starts else 1
        if not isinstance(obj, dict):
            yield LoadError(f"element {i + 1} of the array is not a JSON object", name, line)
            continue
        yield line, obj, None


def _element_lines(data: bytes, count: int) -> list[int] | None:
    """Line numbers where the array's top-level elements start, found by a scan that skips strings."""
    lines: list[int] = []
    depth = 0
    in_str = escape = False
    expect_value = False
    lineno = 1
    for byte in data:
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
        elif byte == 0x2C and depth == 1:
            expect_value = True
    return lines if len(lines) >= count else None


def _json_reason(exc: orjson.JSONDecodeError) -> str:
    msg = str(exc.msg if hasattr(exc, "msg") else exc)
    return f"{msg} (column {exc.colno})" if getattr(exc, "colno", None) else msg


# ---------------------------------------------------------------------------------------------------------------
# One JSON object -> Record


def record_from_dict(obj: Mapping[str, Any], author_line: str | None = None) -> Record:
    """Build a :class:`Record` from a JSON object in the seed's shape. Raises :class:`LoadError` on wrong types."""
    if not isinstance(obj, Mapping):
        raise LoadError(f"expected a JSON object, got {_type_name(obj)}")
    title = html_to_text(_opt_str(obj, "title") or "")
    doi = normalise_doi(obj.get("doi")) or normalise_doi(obj.get("DOIUrl"))
    authors = _authors(obj.get("authors"), author_line)
    journal, volume, pages = _journal(obj)
    date, year = _date(obj)
    abstract_html = _opt_str(obj, "abstract") or _opt_str(obj, "text") or ""  # "text": BEIR corpora
    sections = tuple(parse_abstract(abstract_html))
    abstract = " ".join(s.text for s in sections) if sections else ""
    if not (title or abstract or doi or _source_id(obj)):
        raise LoadError("record has no title, abstract, DOI or id")
    return Record(
        id=doi or _source_id(obj) or _content_id(title, authors, year),
        doi=doi,
        title=title,
        authors=authors,
        journal=journal,
        volume=volume,
        pages=pages,
        date=date,
        year=year,
        abstract_html=abstract_html,
        abstract=abstract,
        sections=sections,
        pdf_url=_pdf_url(obj.get("openAccessPdf")),
        raw=obj,
    )


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return _blank_to_none(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("title", "abstract"):
        return str(value)
    raise LoadError(f"'{key}' should be a string, not {_type_name(value)}")


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _authors(value: object, author_line: str | None) -> tuple[str, ...]:
    names: list[str] = []
    if isinstance(value, str):
        names = value.split(",")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
                names.append(item["name"])
            elif isinstance(item, Mapping) and (item.get("family") or item.get("given")):
                names.append(f"{item.get('given') or ''} {item.get('family') or ''}")
            else:
                raise LoadError(f"'authors' holds {_type_name(item)} where a name was expected")
    elif value is not None:
        raise LoadError(f"'authors' should be a string or a list of names, not {_type_name(value)}")
    if not names and author_line:
        names = author_line.split(",")
    return tuple(n for n in (" ".join(name.split()) for name in names) if n)


def _journal(obj: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    value = obj.get("journal")
    if value is None or isinstance(value, str):
        return _blank_to_none(value), _opt_str(obj, "volume"), _opt_str(obj, "pages")
    if not isinstance(value, Mapping):
        raise LoadError(f"'journal' should be an object or a string, not {_type_name(value)}")
    return _opt_str(value, "name"), _opt_str(value, "volume"), _opt_str(value, "pages")


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _date(obj: Mapping[str, Any]) -> tuple[str | None, int | None]:
    raw = obj.get("publicationDate") or obj.get("date")
    date: str | None = None
    year: int | None = None
    if isinstance(raw, str) and (m := _DATE_RE.match(raw.strip())):
        year = int(m.group(1))
        date = "-".join(p.zfill(2) if i else p for i, p in enumerate(g for g in m.groups() if g))
    elif raw is not None and not isinstance(raw, str):
        raise LoadError(f"'publicationDate' should be a string, not {_type_name(raw)}")
    if year is None:
        y = obj.get("year")
        if isinstance(y, int) and not isinstance(y, bool):
            year = y
        elif isinstance(y, str) and y.strip().isdigit():
            year = int(y.strip())
    if year is not None and not 1000 <= year <= 2999:
        raise LoadError(f"year {year} is out of range")
    return date, year


def _pdf_url(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("url")
    return _blank_to_none(value) if isinstance(value, str) else None


def _source_id(obj: Mapping[str, Any]) -> str | None:
    """The source's own id ("_id" in BEIR corpora, "id" elsewhere), for papers without a DOI."""
    for key in ("_id", "id"):
        value = obj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _content_id(title: str, authors: tuple[str, ...], year: int | None) -> str:
    """A stable id for a paper with no DOI, so loading it again replaces rather than duplicates it."""
    key = "\x1f".join([" ".join(title.lower().split()), ";".join(a.lower() for a in authors), str(year or "")])
    return "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
