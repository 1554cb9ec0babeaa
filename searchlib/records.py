"""Paper records: the :class:`Record` every stage works on, and :func:`load_records`, which reads record files.

:func:`load_records` reads every format in :mod:`searchlib.formats` (the seed's JSON, JSON Lines and arrays,
PubMed XML, MEDLINE, RIS, BibTeX, Crossref, Europe PMC, Semantic Scholar, and a gzip of any), telling them apart
by their content. :func:`record_from_dict` reads one JSON object in the seed's shape.

>>> records = load_records(bundled_records_path())
>>> records[0].doi, records[0].year, [s.category for s in records[0].sections]
('10.1136/bmjqs-2024-017268', 2025, ['background', 'methods', 'results', 'conclusions'])
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from .errors import LoadError
from .markup import html_to_text
from .sections import CATEGORIES, Section, label_category, parse_abstract

__all__ = [
    "Record",
    "RecordList",
    "load_records",
    "record_from_dict",
    "bundled_records_path",
    "normalise_doi",
    "normalise_pmid",
    "normalise_pmcid",
    "paper_id",
]


@dataclass(frozen=True)
class Record:
    """One paper. ``raw`` is the source's record, whole, so nothing the source said is lost.

    ``id`` is the DOI when there is one, else ``pmid:<PMID>``, ``pmcid:PMC<n>``, the source's own id (bare for
    plain JSON such as BEIR corpora, prefixed by source for the others: ``s2:``, ``epmc:``) or a content hash
    (``sha1:``). ``pmid`` is the bare PubMed id, ``pmcid`` the ``PMC`` id, when the source gives them.
    """

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
    pmid: str | None = None
    pmcid: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        first = self.authors[0] if self.authors else "-"
        return f"Record({self.id!r}, {self.year or '-'}, {first!r}, {_shorten(self.title, 60)!r})"

    def section_text(self, category: str) -> str:
        """All text of the sections in ``category`` (e.g. ``"methods"``), joined; empty when there is none."""
        return " ".join(s.text for s in self.sections if s.category == category)


class _SplitOnRead:
    """``sections`` or ``abstract`` of a :class:`_Deferred` record: found from its ``abstract_html`` when first
    read, then kept. (A data descriptor, so it comes before the class defaults ``()`` and ``""``.)"""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, record: Record | None, owner: type | None = None) -> Any:
        if record is None:
            return self
        held = record.__dict__
        if self.name not in held:
            sections = tuple(parse_abstract(record.abstract_html))
            held["sections"] = sections
            held["abstract"] = " ".join(s.text for s in sections)
        return held[self.name]

    def __set__(self, record: Record, value: Any) -> None:  # Record.__init__ sets every field
        record.__dict__[self.name] = value


class _Deferred(Record):
    """A :class:`Record` whose abstract is split into sections when ``sections`` or ``abstract`` is first read.

    Made only while :func:`sections_deferred` is in effect: a build reads every record in one process but hands
    most of them to helper processes, which then do the splitting (most of the cost of reading a record).
    """

    sections = _SplitOnRead()  # type: ignore[assignment]
    abstract = _SplitOnRead()  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:  # equal to the eager Record of the same paper
        if not isinstance(other, Record):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Record) if f.compare)

    __hash__ = Record.__hash__


_DEFERRED_FIELDS = ("sections", "abstract")
_DEFER: ContextVar[bool] = ContextVar("searchlib_sections_deferred", default=False)


@contextmanager
def sections_deferred() -> Iterator[None]:
    """Records read from sources inside this block split their abstracts only when their sections are first
    read (and so, when sent to another process, in that process). For builds; the records equal eager ones.

    >>> paper = {"title": "T", "abstract": "Methods: We asked. Results: Fewer falls."}
    >>> with sections_deferred():
    ...     record = record_from_dict(paper)
    >>> "sections" in vars(record), [s.category for s in record.sections], record == record_from_dict(paper)
    (False, ['methods', 'results'], True)
    """
    token = _DEFER.set(True)
    try:
        yield
    finally:
        _DEFER.reset(token)


def new_record(*, sections: tuple[Section, ...] | None, named: bool, **values: Any) -> Record:
    """A :class:`Record` of ``values`` (every field but ``sections`` and ``abstract``), as the readers make them.

    ``sections=None`` means those :func:`parse_abstract` finds in ``abstract_html``: found now or, inside
    :func:`sections_deferred` for a ``named`` record (one with a title, DOI or id), when first read. Raises
    :class:`LoadError` for a record with nothing in it: not named, and no section text.
    """
    if sections is None and named and _DEFER.get():
        record = _Deferred(sections=(), abstract="", **values)
        for name in _DEFERRED_FIELDS:
            del record.__dict__[name]
        return record
    if sections is None:
        sections = tuple(parse_abstract(values["abstract_html"]))
    abstract = " ".join(s.text for s in sections)
    if not (named or abstract):
        raise LoadError("record has no title, abstract, DOI or id")
    return Record(sections=sections, abstract=abstract, **values)


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


def normalise_pmid(value: object) -> str | None:
    """The PubMed id as bare digits (from ``123``, ``"123"``, ``"PMID: 123"`` or ``"pmid:123"``); else None.

    >>> normalise_pmid("PMID: 28775130"), normalise_pmid(28775130), normalise_pmid("abc")
    ('28775130', '28775130', None)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    m = _PMID_RE.match(value)
    return m.group(1).lstrip("0") or None if m else None


def normalise_pmcid(value: object) -> str | None:
    """The PubMed Central id as ``PMC<digits>``; None when ``value`` holds none.

    >>> normalise_pmcid("pmc5012345"), normalise_pmcid("pmcid:PMC5012345"), normalise_pmcid("5012345")
    ('PMC5012345', 'PMC5012345', None)
    """
    if not isinstance(value, str):
        return None
    m = _PMCID_RE.match(value)
    return f"PMC{m.group(1)}" if m else None


_PMID_RE = re.compile(r"^\s*(?:pmid\s*[:\s]\s*)?(\d{1,9})\s*$", re.IGNORECASE)
_PMCID_RE = re.compile(r"^\s*(?:pmcid\s*[:\s]\s*)?pmc\s*(\d{1,9})\s*$", re.IGNORECASE)


def paper_id(
    doi: str | None,
    pmid: str | None = None,
    pmcid: str | None = None,
    source_id: str | None = None,
    *,
    title: str = "",
    authors: tuple[str, ...] = (),
    year: int | None = None,
) -> str:
    """A paper's identity: the DOI, else ``pmid:``, ``pmcid:``, the source's own id, else a content hash.

    ``source_id`` is used as given, so readers pass it already prefixed (``s2:...``) when they want a prefix.

    >>> paper_id(None, "123", "PMC9"), paper_id("10.1/x", "123"), paper_id(None, source_id="s2:abc")
    ('pmid:123', '10.1/x', 's2:abc')
    """
    if doi:
        return doi
    if pmid:
        return f"pmid:{pmid}"
    if pmcid:
        return f"pmcid:{pmcid}"
    return source_id or _content_id(title, authors, year)


def load_records(
    path: str | Path,
    format: str | None = None,
    errors: Literal["raise", "skip"] = "raise",
) -> RecordList:
    """Read a record file, in any format :mod:`searchlib.formats` knows, and return its records in file order.

    The format is told from the content (a ``.gz`` is unpacked first); pass ``format`` (``"json"``,
    ``"pubmed"``, ``"medline"``, ``"ris"``, ``"bibtex"``, ``"crossref"``, ``"europepmc"``,
    ``"semanticscholar"``) to say it instead. ``errors="raise"`` (the default) stops at the first malformed
    record with a :class:`LoadError` naming the file and line. ``errors="skip"`` keeps going: each skipped
    record is in the result's ``skipped`` list, and a warning says how many were skipped. A file with no
    records gives an empty list, not an error.
    """
    # The readers build Records, so they import this module; import them only when called.
    from .formats import read_records

    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    records = RecordList()
    for item in read_records(Path(path), format):
        if isinstance(item, LoadError):
            if errors == "raise":
                raise item
            records.skipped.append(item)
        else:
            records.append(item)
    if records.skipped:
        warnings.warn(
            f"{path}: skipped {len(records.skipped)} malformed record(s); see .skipped on the result",
            stacklevel=2,
        )
    return records


# ---------------------------------------------------------------------------------------------------------------
# One JSON object -> Record


#: Longer text is not an abstract or a title but a whole paper or a scraping error; such a record is refused (a
#: LoadError, listed in skip mode) rather than slowing every search. Real abstracts are under 10,000 characters.
MAX_ABSTRACT_CHARS = 1_000_000
MAX_TITLE_CHARS = 10_000


def record_from_dict(obj: Mapping[str, Any], author_line: str | None = None) -> Record:
    """Build a :class:`Record` from a JSON object in the seed's shape. Raises :class:`LoadError` on wrong types.

    Also reads what :func:`searchlib.export.export_records` writes as JSON Lines: ``pmid``, ``pmcid`` and
    ``sections`` (a list of ``{label, category, text}``), which is then kept as given rather than re-parsed.
    The id is the DOI, else ``pmid:``/``pmcid:``, else the object's ``_id`` or ``id`` as it is (so BEIR corpus
    ids stay usable), else a content hash.
    """
    if not isinstance(obj, Mapping):
        raise LoadError(f"expected a JSON object, got {_type_name(obj)}")
    title = html_to_text(_opt_str(obj, "title") or "")
    doi = normalise_doi(obj.get("doi")) or normalise_doi(obj.get("DOIUrl"))
    pmid = normalise_pmid(obj.get("pmid"))
    pmcid = normalise_pmcid(obj.get("pmcid"))
    authors = _authors(obj.get("authors"), author_line)
    journal, volume, pages = _journal(obj)
    date, year = _date(obj)
    abstract_html = _opt_str(obj, "abstract") or _opt_str(obj, "text") or ""  # "text": BEIR corpora
    for name, value, limit in (("title", title, MAX_TITLE_CHARS), ("abstract", abstract_html, MAX_ABSTRACT_CHARS)):
        if len(value) > limit:
            raise LoadError(f"the {name} is {len(value):,} characters long; searchlib reads up to {limit:,}")
    given = _given_sections(obj.get("sections"))
    source_id = _source_id(obj)
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
    )


def _given_sections(value: object) -> tuple[Section, ...] | None:
    """Sections stated in the object (our JSON Lines export), or None when it states none."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise LoadError(f"'sections' should be a list, not {_type_name(value)}")
    sections = []
    for item in value:
        if not (isinstance(item, Mapping) and isinstance(item.get("text"), str)):
            raise LoadError("'sections' holds an entry without a 'text' string")
        label, category = item.get("label"), item.get("category")
        if label is not None and not isinstance(label, str):
            raise LoadError(f"a section label should be a string, not {_type_name(label)}")
        if category not in (*CATEGORIES, "other"):
            category = label_category(label) if label else "other"
        sections.append(Section(label, category, item["text"]))
    return tuple(sections)


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
                parts = [item.get("given") or "", item.get("family") or ""]
                if not all(isinstance(part, str) for part in parts):
                    raise LoadError("'authors' holds a name whose 'given' or 'family' is not a string")
                names.append(" ".join(parts))
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
        elif isinstance(y, str) and y.strip().isascii() and y.strip().isdigit():
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
