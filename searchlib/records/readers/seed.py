"""JSON records: the seed format, JSON Lines, JSON arrays, and the API envelopes around them.

The seed format is one JSON object per line, often preceded by a plain line of author names. A file may instead
hold one JSON document: an array of records, a single record, or an API response that wraps them (Crossref's
``{"message": {"items": [...]}}`` or ``{"message": {...}}``, Europe PMC's ``{"resultList": {"result": [...]}}``,
Semantic Scholar's ``{"data": [...]}``). Each object is read as the source its keys show
(:func:`.json_source`): a Crossref work, a Europe PMC result, a Semantic Scholar paper,
or else the seed's shape (:func:`searchlib.records.readers.seed.record_from_dict`). JSON is parsed with orjson.

Errors name the line of the record: the line itself in JSON Lines, the line where the element starts in an
array or envelope (found by a scan of the bytes, since a JSON parser does not keep positions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from ...errors import LoadError
from ..markup import html_to_text
from ..record import Record, new_record, normalise_doi, normalise_pmcid, normalise_pmid, paper_id, subject_fields
from ..sections import CATEGORIES, Section, label_category
from . import crossref, europepmc, semanticscholar
from ._fields import clean, name_text, opt_str, type_name
from .detect import json_source

# An array of records opens with "[" then "{" or "]"; a seed file's first author line may open with "[" too
# (PubMed's "[No authors listed]"), and is then read line by line like any other.
_ARRAY_START = re.compile(rb"\s*\[\s*[{\]]")
# The first line of a file that opens with "{", and the first character of the next line that is not blank.
_TWO_LINES = re.compile(rb"\s*(\{[^\n]*)\n\s*(\S)")

_CONVERTERS = {
    "crossref": crossref.record_from_work,
    "europepmc": europepmc.record_from_result,
    "semanticscholar": semanticscholar.record_from_paper,
}


_NAMES = {"crossref": "Crossref", "europepmc": "Europe PMC", "semanticscholar": "Semantic Scholar"}


def record_from_object(
    obj: Mapping[str, Any], source: str | None = None, author_line: str | None = None
) -> Record:
    """One JSON object as a :class:`Record`, read as ``source`` (a format name) or as its keys show."""
    found = json_source(obj)
    if source in _CONVERTERS and found != source:  # read as another source's, it would lose its DOI or authors
        other = f"a {_NAMES[found]} one" if found in _NAMES else "one in the seed's shape"
        raise LoadError(
            f"the object is not a {_NAMES[source]} record but, by its keys, {other}; give the right format, "
            "or leave it out to have each record told by its keys"
        )
    source = source if source in _CONVERTERS else found if source in (None, "json") else "seed"
    convert = _CONVERTERS.get(source)
    return convert(obj) if convert else record_from_dict(obj, author_line=author_line)


def read(data: bytes, name: str, source: str | None = None) -> Iterator[Record | LoadError]:
    """Every record of a JSON file, or a :class:`LoadError` (with file and line) for each one that is malformed."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if _ARRAY_START.match(data) or _spread_object(data):  # one document that does not parse: no records
                yield LoadError(f"invalid JSON: {_json_reason(exc)}", name, exc.lineno)
                return
        else:  # one document: an array, an envelope or a single record
            yield from _read_document(doc, data, name, source)
            return
    yield from read_lines(data.split(b"\n"), name, source)


def _spread_object(data: bytes) -> bool:
    """Whether ``data`` opens with an object spread over lines (an API response as saved), not a JSON Lines record:
    its first line is not a whole object and the next holds its first key (or closes it)."""
    m = _TWO_LINES.match(data)
    if m is None or m.group(2) not in (b'"', b"}"):
        return False
    try:
        orjson.loads(m.group(1))
    except orjson.JSONDecodeError:
        return True
    return False


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


# -- one JSON object in the seed's shape -> Record ---------------------------------------------------------

#: Longer text is not an abstract or a title but a whole paper or a scraping error; such a record is refused (a
#: LoadError, listed in skip mode) rather than slowing every search. Real abstracts are under 10,000 characters.
MAX_ABSTRACT_CHARS = 1_000_000
MAX_TITLE_CHARS = 10_000


#: The prefixes of the ids readers give papers without a DOI or PubMed id (see :func:`~.record.paper_id`).
_SOURCE_ID_PREFIXES = frozenset({"s2", "epmc", "scopus", "wos"})


def record_from_dict(obj: Mapping[str, Any], author_line: str | None = None) -> Record:
    """Build a :class:`Record` from a JSON object in the seed's shape. Raises :class:`LoadError` on wrong types.

    Also reads what :func:`searchlib.records.export.export_records` writes as JSON Lines: ``pmid``, ``pmcid`` and
    ``sections`` (a list of ``{label, category, text}``), which is then kept as given rather than re-parsed, and
    PubMed's fields as :meth:`Record.to_dict` writes them (``mesh``, ``publication_types``, ``languages``,
    ``keywords``, ``affiliations``, ``issue``, ``article_number``, ``issn``).
    The id is the DOI, else ``pmid:``/``pmcid:``, else the object's ``_id`` or ``id`` as it is (so BEIR corpus
    ids stay usable), else a content hash.
    """
    if not isinstance(obj, Mapping):
        raise LoadError(f"expected a JSON object, got {type_name(obj)}")
    title = html_to_text(opt_str(obj, "title") or "")
    doi_text = _text(obj, "doi")
    doi = normalise_doi(doi_text) or normalise_doi(_text(obj, "DOIUrl"))
    # Files in the seed's shape name a paper without a DOI by its id in "doi" ("pmid:123", "s2:<paperId>").
    named = (doi_text or "").strip() if not doi else ""
    kind = named.partition(":")[0].lower()
    pmid = normalise_pmid(obj.get("pmid")) or (normalise_pmid(named) if kind == "pmid" else None)
    pmcid = normalise_pmcid(obj.get("pmcid")) or (normalise_pmcid(named) if kind == "pmcid" else None)
    authors = _authors(obj.get("authors"), author_line)
    journal, volume, pages = _journal(obj)
    date, year = _date(obj)
    abstract_html = (opt_str(obj, "abstract") or opt_str(obj, "text") or "").strip()  # "text": BEIR corpora
    for name, value, limit in (("title", title, MAX_TITLE_CHARS), ("abstract", abstract_html, MAX_ABSTRACT_CHARS)):
        if len(value) > limit:
            raise LoadError(f"the {name} is {len(value):,} characters long; searchlib reads up to {limit:,}")
    given = _given_sections(obj.get("sections"))
    source_id = _source_id(obj) or (named if kind in _SOURCE_ID_PREFIXES and named != kind + ":" else None)
    return new_record(
        sections=given,  # None: found by the parser
        named=bool(title or doi or pmid or pmcid or source_id),
        id=paper_id(doi, pmid, pmcid, source_id, title=title, authors=authors, year=year),
        doi=doi,
        title=title,
        authors=authors,
        journal=journal,
        volume=volume,
        pages=pages,
        date=date,
        year=year,
        abstract_html=abstract_html,
        pdf_url=_pdf_url(obj.get("openAccessPdf")) or _pdf_url(obj.get("pdf_url")),
        pmid=pmid,
        pmcid=pmcid,
        raw=obj,
        **subject_fields(obj),
    )


def _given_sections(value: object) -> tuple[Section, ...] | None:
    """Sections stated in the object (our JSON Lines export), or None when it states none."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise LoadError(f"'sections' should be a list, not {type_name(value)}")
    sections = []
    for item in value:
        if not (isinstance(item, Mapping) and isinstance(item.get("text"), str)):
            raise LoadError("'sections' holds an entry without a 'text' string")
        label, category = item.get("label"), item.get("category")
        if label is not None and not isinstance(label, str):
            raise LoadError(f"a section label should be a string, not {type_name(label)}")
        if category not in (*CATEGORIES, "other"):
            category = label_category(label) if label else "other"
        sections.append(Section(label, category, item["text"]))
    return tuple(sections)


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    """``obj[key]`` as given when it is a string or absent: a DOI written as a JSON number (``10.1136``) has lost
    what follows its first slash, so it is an error, not a DOI to guess at or leave out."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise LoadError(f"'{key}' should be a string (a DOI is text, \"10.1136/bmj.n71\"), not {type_name(value)}")
    return value


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
                parts = [item.get("given") or "", item.get("family") or ""]
                if not all(isinstance(part, str) for part in parts):
                    raise LoadError("'authors' holds a name whose 'given' or 'family' is not a string")
                names.append(" ".join(parts))
            else:
                raise LoadError(f"'authors' holds {type_name(item)} where a name was expected")
    elif value is not None:
        raise LoadError(f"'authors' should be a string or a list of names, not {type_name(value)}")
    if not names and author_line:
        names = author_line.split(",")
    return tuple(n for n in (name_text(name) for name in names) if n)


def _journal(obj: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    value = obj.get("journal")
    if value is None or isinstance(value, str):
        name, parts = value, obj
    elif isinstance(value, Mapping):
        name, parts = opt_str(value, "name", numbers=True), value
    else:
        raise LoadError(f"'journal' should be an object or a string, not {type_name(value)}")
    return clean(name), clean(opt_str(parts, "volume", numbers=True)), clean(opt_str(parts, "pages", numbers=True))


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _date(obj: Mapping[str, Any]) -> tuple[str | None, int | None]:
    raw = obj.get("publicationDate") or obj.get("date")
    date: str | None = None
    year: int | None = None
    if isinstance(raw, str) and (m := _DATE_RE.match(raw.strip())):
        year = int(m.group(1))
        date = "-".join(p.zfill(2) if i else p for i, p in enumerate(g for g in m.groups() if g))
    elif raw is not None and not isinstance(raw, str):
        raise LoadError(f"'publicationDate' should be a string, not {type_name(raw)}")
    if year is None:
        y = obj.get("year")
        if isinstance(y, int) and not isinstance(y, bool):
            year = y
        elif isinstance(y, str) and y.strip().isascii() and y.strip().isdigit():
            year = int(y.strip())
    if year is not None and not 1000 <= year <= 2999:
        raise LoadError(f"year {year} is out of range")
    return date, year


def _pdf_url(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("url")
    return clean(value) if isinstance(value, str) else None


def _source_id(obj: Mapping[str, Any]) -> str | None:
    """The source's own id ("_id" in BEIR corpora, "id" elsewhere), for papers without a DOI."""
    for key in ("_id", "id"):
        value = obj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None
