"""The :class:`Record` every stage works on, what makes a paper's identity, and :class:`RecordList`.

Readers (:mod:`searchlib.records.readers`) make records; the index stores them; results hand them back.

>>> record = new_record(sections=None, named=True, id="10.1/x", doi="10.1/x", title="T", authors=("A B",),
...                     abstract_html="Methods: We asked. Results: Fewer falls.")
>>> [s.category for s in record.sections], record.abstract
(['methods', 'results'], 'We asked. Fewer falls.')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote

import orjson

from ..errors import LoadError
from ..progress import counted
from .sections import Section, parse_abstract
from .vocabulary import Mesh, MeshQualifier, language_name, publication_type


@dataclass(frozen=True)
class Record:
    """One paper. ``raw`` is the source's record, whole, so nothing the source said is lost.

    ``id`` is the DOI when there is one, else ``pmid:<PMID>``, ``pmcid:PMC<n>``, the source's own id (bare for
    plain JSON such as BEIR corpora, prefixed by source for the others: ``s2:``, ``epmc:``) or a content hash
    (``sha1:``). ``pmid`` is the bare PubMed id, ``pmcid`` the ``PMC`` id, when the source gives them.
    ``sources`` says where the paper was read from; a paper merged from several copies has one per copy, and
    ``raw`` is then the first copy's.

    PubMed's own fields, from every source that carries them (:mod:`searchlib.records.vocabulary`): ``mesh``
    (MeSH headings with their qualifiers and major-topic flags), ``publication_types`` (PubMed's names:
    "Journal Article", "Review", "Preprint"), ``languages`` (English names: "English"), ``keywords`` (the
    authors' or the database's, not MeSH), ``affiliations``, ``issue``, ``article_number`` (an electronic
    article's number, where it has no pages) and ``issn``.
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
    mesh: tuple[Mesh, ...] = ()
    publication_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    issue: str | None = None
    article_number: str | None = None
    issn: str | None = None
    #: Every source record this paper was read from (one, or several once copies are merged): see :class:`Origin`.
    sources: tuple[Origin, ...] = field(default=(), repr=False, compare=False)

    def __repr__(self) -> str:
        first = self.authors[0] if self.authors else "-"
        return f"Record({self.id!r}, {self.year or '-'}, {first!r}, {_shorten(self.title, 60)!r})"

    def section_text(self, category: str) -> str:
        """All text of the sections in ``category`` (e.g. ``"methods"``), joined; empty when there is none."""
        return " ".join(s.text for s in self.sections if s.category == category)

    def to_dict(self) -> dict[str, Any]:
        """The paper as JSON-ready data, the one shape every JSON output uses (``search --json``, ``similar``,
        ``show``, JSON Lines exports, the record stored in an index), and that :func:`searchlib.load_records`
        reads back into an equal record. ``abstract`` is the abstract as the source gave it (markup kept);
        ``sections`` its parts as plain text. ``raw`` is left out: it is the source's, in the source's shape.

        >>> paper = Record("10.1/x", "10.1/x", "A trial", ("Ann Lee",), year=2021, abstract_html="We tried.",
        ...                sections=(Section(None, "other", "We tried."),))
        >>> paper.to_dict()["sections"], paper.to_dict()["abstract"]
        ([{'label': None, 'category': 'other', 'text': 'We tried.'}], 'We tried.')
        """
        return {
            "id": self.id,
            "doi": self.doi,
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "title": self.title,
            "authors": list(self.authors),
            "journal": self.journal,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "article_number": self.article_number,
            "issn": self.issn,
            "date": self.date,
            "year": self.year,
            "pdf_url": self.pdf_url,
            "publication_types": list(self.publication_types),
            "languages": list(self.languages),
            "keywords": list(self.keywords),
            "mesh": [mesh_to_dict(m) for m in self.mesh],
            "affiliations": list(self.affiliations),
            "abstract": self.abstract_html,
            "sections": [{"label": s.label, "category": s.category, "text": s.text} for s in self.sections],
        }


@dataclass(frozen=True)
class Origin:
    """Where a source record came from, and the record itself: what a merged paper was made of.

    ``format`` is the reader's (``"ris"``, ``"pubmed"``, ...; None for records made in Python), ``file`` the path
    it was read from (None for records passed in directly), ``number`` its place there (1 for the first record,
    malformed ones counted too). ``ids`` are the identifiers the source gave (``doi:...``, ``pmid:...``,
    ``pmcid:...``, ``id:...``): a merged paper is found by any of them. ``raw`` is the source record, whole.

    >>> from searchlib import bundled_records_path, load_records
    >>> paper = load_records(bundled_records_path())[0]
    >>> origin = paper.sources[0]
    >>> origin.format, origin.file.endswith("seed_records.txt"), origin.number, origin.ids
    ('json', True, 1, ('id:10.1136/bmjqs-2024-017268', 'doi:10.1136/bmjqs-2024-017268'))
    """

    format: str | None
    file: str | None
    number: int | None
    ids: tuple[str, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def where(self) -> str:
        """Where the record was read, for people: ``"export.ris, record 3 (ris)"``."""
        place = (
            f"{self.file}, record {self.number}" if self.file else f"record {self.number}" if self.number else ""
        )
        return f"{place} ({self.format})" if place and self.format else place or self.format or "given directly"


def record_ids(record: Record) -> tuple[str, ...]:
    """The identifiers of one record, as :attr:`Origin.ids` holds them: its id, DOI, PMID and PMCID."""
    keys = [f"id:{record.id}"]
    keys += [f"{name}:{value}" for name in ("doi", "pmid", "pmcid") if (value := getattr(record, name, None))]
    return tuple(keys)


def with_origin(record: Record, format: str | None, file: str | None, number: int | None) -> Record:
    """``record``, just read and held by no one else, marked with where it came from."""
    origin = Origin(format, file, number, record_ids(record), record.raw)
    object.__setattr__(record, "sources", (origin,))  # frozen, but not yet seen by anyone
    return record


def mesh_to_dict(mesh: Mesh) -> dict[str, Any]:
    """A heading as JSON: ``{"heading", "major", "qualifiers": [{"name", "major"}]}``."""
    qualifiers = [{"name": q.name, "major": q.major} for q in mesh.qualifiers]
    return {"heading": mesh.heading, "major": mesh.major, "qualifiers": qualifiers}


#: The fields of PubMed's that :func:`subject_fields` reads from JSON: lists of text, text, and all of them.
_LISTS: tuple[str, ...] = ("publication_types", "languages", "keywords", "affiliations")
_TEXTS: tuple[str, ...] = ("issue", "article_number", "issn")
SUBJECT_FIELDS: tuple[str, ...] = ("mesh", *_LISTS, *_TEXTS)


_NORMAL = {"publication_types": publication_type, "languages": language_name}


def subject_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """PubMed's fields of a JSON record (:meth:`Record.to_dict`'s shape), checked, as :class:`Record` takes them.

    A list field may be a list of strings or one string (publication types and languages are named as
    :mod:`~searchlib.records.vocabulary` names them); ``mesh`` a list of headings, each an object as
    :meth:`Record.to_dict` writes it or a string in MEDLINE's form (``"*Asthma/drug therapy"``). A value of any
    other type is a :class:`LoadError` naming the field.

    >>> subject_fields({"keywords": "falls", "mesh": ["*Humans"], "issue": 2})
    {'keywords': ('falls',), 'issue': '2', 'mesh': (Mesh('*Humans'),)}
    """
    out: dict[str, Any] = {}
    for name in _LISTS:
        value = obj.get(name)
        items = [value] if isinstance(value, str) else value if value is not None else []
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise LoadError(f"'{name}' should be a list of strings")
        normal = _NORMAL.get(name)
        texts = (normal(v) if normal else " ".join(v.split()) for v in items)
        kept = tuple(dict.fromkeys(t for t in texts if t))
        if kept:
            out[name] = kept
    for name in _TEXTS:
        value = obj.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise LoadError(f"'{name}' should be a string")
        if value and value.strip():
            out[name] = " ".join(value.split())
    mesh = obj.get("mesh")
    if mesh is not None:
        if not isinstance(mesh, list):
            raise LoadError("'mesh' should be a list of headings")
        headings = tuple(h for h in (_mesh_from_json(item) for item in mesh) if h is not None)
        if headings:
            out["mesh"] = headings
    return out


def _mesh_from_json(item: object) -> Mesh | None:
    if isinstance(item, str):
        return Mesh.parse(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("heading"), str):
        raise LoadError("'mesh' holds an entry that is neither a string nor an object with a 'heading'")
    qualifiers = item.get("qualifiers") or []
    if not isinstance(qualifiers, list) or not all(
        isinstance(q, Mapping) and isinstance(q.get("name"), str) for q in qualifiers
    ):
        raise LoadError("a MeSH heading's 'qualifiers' should be a list of objects with a 'name'")
    heading = " ".join(item["heading"].split())
    if not heading:
        return None
    kept = tuple(MeshQualifier(" ".join(q["name"].split()), q.get("major") is True) for q in qualifiers)
    return Mesh(heading, item.get("major") is True, tuple(q for q in kept if q.name))


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

    sections = _SplitOnRead()
    abstract = _SplitOnRead()

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

    >>> paper = dict(id="T", doi=None, title="T", authors=(), abstract_html="Methods: We asked. Results: Fewer.")
    >>> with sections_deferred():
    ...     record = new_record(sections=None, named=True, **paper)
    >>> "sections" in vars(record), [s.category for s in record.sections]
    (False, ['methods', 'results'])
    >>> record == new_record(sections=None, named=True, **paper)
    True
    """
    token = _DEFER.set(True)
    try:
        yield
    finally:
        _DEFER.reset(token)


#: Authors a record may have: far more than any paper lists (the largest collaborations sign about 5,000), few
#: enough that a damaged or made-up record cannot take seconds and hundreds of megabytes to index.
MAX_AUTHORS = 10_000


def check_authors(authors: tuple[str, ...]) -> None:
    """Refuse a record with more than :data:`MAX_AUTHORS` authors (a :class:`LoadError`)."""
    if len(authors) > MAX_AUTHORS:
        raise LoadError(
            f"the record has {len(authors):,} authors; searchlib reads up to {MAX_AUTHORS:,}, more than any "
            "paper lists, so the author field is damaged"
        )


def new_record(*, sections: tuple[Section, ...] | None, named: bool, **values: Any) -> Record:
    """A :class:`Record` of ``values`` (every field but ``sections`` and ``abstract``), as the readers make them.

    ``sections=None`` means those :func:`parse_abstract` finds in ``abstract_html``: found now or, inside
    :func:`sections_deferred` for a ``named`` record (one with a title, DOI or id), when first read. Raises
    :class:`LoadError` for a record with nothing in it (not named, and no section text) or with more than
    :data:`MAX_AUTHORS` authors.
    """
    check_authors(values["authors"])
    if values["id"].startswith("sha1:") and not (values.get("authors") and values.get("year")):
        values["id"] = _whole_content_id(values)
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
        head = f"{counted(len(self), 'record')} loaded, {len(self.skipped):,} skipped"
        return "\n".join([head, *(f"  {e}" for e in self.skipped)])


_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalise_doi(value: object) -> str | None:
    """Lower-case DOI without URL or ``doi:`` prefix; None when ``value`` holds no DOI.

    >>> normalise_doi("https://doi.org/10.1136/BMJQS-2024-017386")
    '10.1136/bmjqs-2024-017386'
    >>> normalise_doi("10.1016/s0041-1345%2898%2902098-3")  # a percent-escaped "(" and ")"
    '10.1016/s0041-1345(98)02098-3'
    """
    if not isinstance(value, str):
        return None
    doi = _DOI_PREFIX.sub("", value).strip().lower()
    if "%" in doi:  # copied from a link: "%28" is "("
        doi = unquote(doi)
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


def content_id(record: Record) -> str:
    """The id ``record`` would have if it had no identifier (a ``sha1:`` hash of its content)."""
    if record.authors and record.year:
        return _content_id(record.title, record.authors, record.year)
    return _whole_content_id({f.name: getattr(record, f.name) for f in fields(Record)})


def _content_id(title: str, authors: tuple[str, ...], year: int | None) -> str:
    """A stable id for a paper with no DOI, so loading it again replaces rather than duplicates it."""
    key = "\x1f".join([" ".join(title.lower().split()), ";".join(a.lower() for a in authors), str(year or "")])
    return "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _whole_content_id(values: Mapping[str, Any]) -> str:
    """The id of a record with no identifier that lacks its authors or year: a hash of everything it holds (its
    source record too), so that two "Editorial"s are never one paper by their title alone, while the same record
    read again is still the same paper."""
    parts = [str(values.get(name) or "") for name in ("title", "authors", "year", "journal", "volume", "pages")]
    parts += [str(values.get(name) or "") for name in ("date", "abstract_html")]
    try:
        parts.append(orjson.dumps(values.get("raw") or {}, option=orjson.OPT_SORT_KEYS).decode())
    except TypeError:  # a raw record that is not JSON data: its text stands in
        parts.append(repr(values.get("raw")))
    key = "\x1f".join(" ".join(part.lower().split()) for part in parts)  # case and spacing aside, as titles
    return "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
