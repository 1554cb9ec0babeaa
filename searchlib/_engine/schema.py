"""The index's fields, and how a :class:`~searchlib.records.Record` becomes a Whoosh document.

Searchable text fields: ``title``, ``authors``, ``abstract`` (all of it) and one field per section category
(``background``, ``objective``, ``methods``, ``results``, ``conclusions``); ``journal``; ``year`` (numeric)
and ``date``; ``doi``, ``pmid``, ``pmcid`` and ``id`` (the DOI, or another id when a paper has none);
``first_author`` and ``last_author``. PubMed's own fields: ``mesh`` (every heading and ``heading/qualifier``
pair), ``mesh_major`` (those that are major topics), ``subheading`` (the qualifiers), ``publication_type`` and
``language``, each value whole as :func:`~searchlib.records.vocabulary.value_key` folds it; ``keywords`` and
``affiliation``, their words as written, each value in a stretch of positions of its own so that no phrase runs
from one into the next; ``issn``. The whole record is stored once, as compressed JSON in the ``record`` column,
so a hit can be shown without going back to the source file, and the id in the ``id`` column, so a hit names its
paper without reading the record. Nothing is a Whoosh stored field: Whoosh pickles those, and an index read must
never unpickle anything but what :mod:`.unpickling` allows.

One field is for the library's own use, not for queries (:data:`INTERNAL_FIELDS`): ``journal_name``, the
journal exactly as the record gives it (a sortable column, for journal facets and filters); ``facet_values``, the
publication types, languages and MeSH headings as the record names them (``language:English``), which facets
count. Indexes built
before this version also have a ``vocabulary`` field (title and abstract words as written, for "Did you
mean"), which is no longer written or read: suggestions come from the index's stem table
(:mod:`searchlib.search.suggest`).
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterator
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from whoosh import columns, fields
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from ..analysis import author_analyzer, paper_analyzer, plain_analyzer
from ..analysis.fast import CachedAnalyzer
from ..analysis.meaning import paper_encoder, paper_text
from ..analysis.meaning import to_bytes as vector_bytes
from ..analysis.tokenizers import VALUE_SEPARATOR, SpaceTokenizer, ValueTokenizer
from ..analysis.written import with_regions, written_analyzer
from ..errors import SearchlibError
from ..records.merge import paper_keys
from ..records.record import SUBJECT_FIELDS, Origin, Record, record_ids, subject_fields
from ..records.sections import CATEGORIES, Section
from ..records.vocabulary import mesh_keys, value_key

SECTION_FIELDS: tuple[str, ...] = CATEGORIES
#: Fields a bare word searches.
DEFAULT_FIELDS: tuple[str, ...] = ("title", "abstract", "authors")
#: Fields whose text can be highlighted in a hit.
TEXT_FIELDS: tuple[str, ...] = ("title", "abstract", *SECTION_FIELDS)

#: Other names users may type for a field (``ti:``, ``au:``, ``ab:`` as in PubMed, singulars and plurals).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("ti",),
    "authors": ("au", "author"),
    "abstract": ("ab",),
    "journal": ("jo", "ta"),
    "year": ("py",),
    "background": ("introduction", "intro"),
    "objective": ("objectives", "aim", "aims"),
    "methods": ("method",),
    "results": ("result", "findings"),
    "conclusions": ("conclusion", "discussion"),
    "first_author": ("firstauthor",),
    "last_author": ("lastauthor",),
    "mesh": ("mh",),
    "mesh_major": ("majr",),
    "subheading": ("sh",),
    "publication_type": ("pt",),
    "language": ("la",),
    "keywords": ("ot", "kw", "keyword"),
    "affiliation": ("ad", "affiliations"),
}

#: Fields of whole values (a query's words are matched against a value whole), and the facets of those that
#: have one (:data:`FACET_FIELDS` names each facet's values in ``facet_values``).
VALUE_FIELDS: tuple[str, ...] = ("mesh", "mesh_major", "subheading", "publication_type", "language")
FACET_FIELDS: tuple[str, ...] = ("publication_type", "language", "mesh")
#: Fields of words as written that are not the title's or the abstract's: each value its own stretch.
WORD_FIELDS: tuple[str, ...] = ("keywords", "affiliation")

#: Beside the title and the abstract, their words as written (:mod:`searchlib.analysis.written`): what quoted
#: words, phrases, proximity and truncation search. A section's words are those of its region of the abstract's.
EXACT_FIELDS: dict[str, str] = {"title": "title_exact", "abstract": "abstract_exact"}
#: The region of ``abstract_exact`` each section category's words are in (text outside any category: 0).
SECTION_REGIONS: dict[str, int] = {"other": 0, **{name: i for i, name in enumerate(SECTION_FIELDS, start=1)}}

#: zlib's level for a stored record: JSON of records shrinks to about a third, and reads back in microseconds.
RECORD_COMPRESSION = 3

#: Fields the library keeps for itself, never named in a query.
INTERNAL_FIELDS: tuple[str, ...] = (
    "record",
    "journal_name",
    "facet_values",
    "ids",
    "meaning",
    *EXACT_FIELDS.values(),
)


def make_schema(meaning: bool = False) -> fields.Schema:
    """The fields of a new index; ``meaning`` adds each paper's vector (:mod:`searchlib.analysis.meaning`)."""
    text = paper_analyzer()
    authors = author_analyzer()
    schema = fields.Schema(
        id=fields.ID(unique=True, sortable=True),  # its column: a hit's id, read without its record
        doi=fields.ID(),
        pmid=fields.ID(),
        pmcid=fields.ID(),
        title=fields.TEXT(analyzer=text, phrase=False),
        authors=fields.TEXT(analyzer=authors, phrase=True),
        first_author=fields.TEXT(analyzer=authors, phrase=True),
        last_author=fields.TEXT(analyzer=authors, phrase=True),
        abstract=fields.TEXT(analyzer=text, phrase=False),
        journal=fields.TEXT(analyzer=plain_analyzer(), phrase=True),
        # signed: Whoosh 2.7.4's range queries on unsigned numeric fields match every document for some spans.
        year=fields.NUMERIC(int, bits=16, signed=True, stored=False, sortable=True),
        date=fields.ID(sortable=True),
        # JSON, not a stored field: Whoosh pickles stored fields, and unpickling can run code.
        record=fields.COLUMN(columns.VarBytesColumn()),
        journal_name=fields.ID(sortable=True),
        # The identifiers of a merged paper's copies that its own fields lack (``doi:10.1/x``, ``pmid:123``,
        # ``id:...``): how a copy read later finds the paper it went into, whichever of them it carries.
        ids=fields.KEYWORD(analyzer=SpaceTokenizer(), scorable=False),  # Whoosh's own pickles a regex
    )
    for name in SECTION_FIELDS:
        schema.add(name, fields.TEXT(analyzer=text, phrase=False))
    written = written_analyzer()
    for name in (*EXACT_FIELDS.values(), *WORD_FIELDS):
        schema.add(name, fields.TEXT(analyzer=written, phrase=True))
    values = ValueTokenizer()
    for name in (*VALUE_FIELDS, "facet_values"):
        schema.add(name, fields.TEXT(analyzer=values, phrase=False))
    schema.add("issn", fields.ID())
    if meaning:
        paper_encoder()  # a missing model is an error before any record is read
        schema.add("meaning", fields.COLUMN(columns.VarBytesColumn()))
    return schema


def to_document(record: Record, meaning: bool = False) -> dict[str, Any]:
    """The Whoosh document for a record: searchable text per field plus the stored record; ``meaning`` adds the
    vector of its title and abstract."""
    doc: dict[str, Any] = {
        "id": record.id,
        "title": record.title,
        "abstract": record.abstract,
        "record": zlib.compress(orjson.dumps(_stored(record)), RECORD_COMPRESSION),
    }
    if record.doi:
        doc["doi"] = record.doi
    if record.pmid:
        doc["pmid"] = record.pmid
    if record.pmcid:
        doc["pmcid"] = record.pmcid
    if record.authors:
        doc["authors"] = "; ".join(record.authors)
        doc["first_author"] = record.authors[0]
        doc["last_author"] = record.authors[-1]
    if record.journal:
        doc["journal"] = record.journal
        doc["journal_name"] = record.journal
    if record.year is not None:
        doc["year"] = record.year
    if record.date:
        doc["date"] = record.date
    aliases = paper_keys(record)[len(record_ids(record)) :]  # most papers have none
    if aliases:
        doc["ids"] = " ".join(key_token(key) for key in aliases)
    for name in SECTION_FIELDS:
        text = record.section_text(name)
        if text:
            doc[name] = text
    if record.title:
        doc["title_exact"] = record.title
    if record.sections:
        doc["abstract_exact"] = with_regions(
            [(SECTION_REGIONS.get(s.category, 0), s.text) for s in record.sections]
        )
    doc.update(_subject_document(record))
    if meaning:
        doc["meaning"] = vector_bytes(paper_encoder().encode([paper_text(record.title, record.abstract)])[0])
    return doc


def _subject_document(record: Record) -> dict[str, str]:
    """The fields of PubMed's a record has, as the index holds them (see the module docstring)."""
    mesh, major, qualifiers = mesh_keys(record.mesh)
    lists = {
        "mesh": mesh,
        "mesh_major": major,
        "subheading": qualifiers,
        "publication_type": [value_key(t) for t in record.publication_types],
        "language": [value_key(t) for t in record.languages],
    }
    doc = {name: VALUE_SEPARATOR.join(dict.fromkeys(v for v in values if v)) for name, values in lists.items()}
    shown = {"publication_type": record.publication_types, "language": record.languages}
    shown["mesh"] = tuple(m.heading for m in record.mesh)
    doc["facet_values"] = VALUE_SEPARATOR.join(f"{name}:{v}" for name, values in shown.items() for v in values)
    if record.keywords:
        doc["keywords"] = with_regions([(0, k) for k in record.keywords])
    if record.affiliations:
        doc["affiliation"] = with_regions([(0, a) for a in record.affiliations])
    if record.issn:
        doc["issn"] = record.issn
    return {name: value for name, value in doc.items() if value}


def indexed_words(schema: fields.Schema) -> dict[str, int]:
    """The title, abstract and section words a writer with ``schema`` has indexed, as written (lower-cased and
    accent-folded, three letters or more, no stopwords), with how often each occurred: what "Did you mean"
    suggests from (:func:`searchlib.analysis.stemtable.add_words`)."""
    analyzers = {id(a): a for a in (schema[n].analyzer for n in TEXT_FIELDS if n in schema)}
    counts: dict[str, int] = {}
    for analyzer in analyzers.values():
        if isinstance(analyzer, CachedAnalyzer):
            for word, n in analyzer.indexed_words().items():
                counts[word] = counts.get(word, 0) + n
    return counts


def _stored(record: Record) -> dict[str, Any]:
    """The record as stored in the index: :meth:`Record.to_dict` with the names and layout indexes have always
    stored (``abstract_html``, sections as ``[label, category, text]``), so any index reads it, plus ``raw``."""
    stored = record.to_dict()
    stored["abstract_html"] = stored.pop("abstract")
    stored["sections"] = [[s.label, s.category, s.text] for s in record.sections]
    stored["raw"] = dict(record.raw)
    if record.sources:  # each as [format, file, number, ids, raw], raw None when it is the record's own
        stored["sources"] = [
            [
                o.format,
                o.file,
                o.number,
                list(o.ids),
                None if o.raw is record.raw or o.raw == record.raw else dict(o.raw),
            ]
            for o in record.sources
        ]
    return stored


#: The names in a stored record that are :class:`Record` fields as they are (lists and PubMed's fields aside).
_FIELDS = frozenset(f.name for f in dataclasses.fields(Record)) - {
    "authors",
    "sections",
    "abstract",
    "sources",
    *SUBJECT_FIELDS,
}


def record_from_stored(blob: bytes) -> Record:
    """Rebuild the :class:`Record` stored in the index (compressed JSON: :func:`to_document`; indexes built
    before ``pmid`` and ``pmcid`` were stored lack them: they are None)."""
    try:
        d = orjson.loads(zlib.decompress(blob))
        sections = tuple(Section(label, category, text) for label, category, text in d["sections"])
        raw = d.get("raw") or {}
        sources = tuple(
            Origin(fmt, file, number, tuple(ids), raw if own is None else own)
            for fmt, file, number, ids, own in d.get("sources", ())
        )
        return Record(
            **{name: value for name, value in d.items() if name in _FIELDS and name != "raw"},
            raw=raw,
            authors=tuple(d["authors"]),
            sections=sections,
            abstract=" ".join(s.text for s in sections),
            sources=sources,
            **subject_fields(d),
        )

    except (zlib.error, orjson.JSONDecodeError, LookupError, TypeError, ValueError, AttributeError):
        raise SearchlibError(
            "a paper's stored record cannot be read: the index is damaged; rebuild it from its record files"
        ) from None


def key_token(key: str) -> str:
    """An identifier as one word of the ``ids`` field (white space, which no identifier should hold, taken out)."""
    return "".join(key.split())


class StoredRecords:
    """The papers' records and ids as an open searcher's (or reader's) columns hold them, a paper at a time.

    Each read is a slice of a mapped file, so a hit keeps its record's bytes and reads nothing more when shown.
    """

    def __init__(self, source: Searcher | IndexReader) -> None:
        reader = source.reader() if isinstance(source, Searcher) else source
        schema = reader.schema
        if any(name not in schema or not schema[name].column_type for name in ("record", "id")):
            raise SearchlibError("the index keeps no records where searchlib does: it is damaged; rebuild it")
        empty = reader.doc_count_all() == 0  # an empty index's reader has no columns
        self._reader = reader
        self._records = None if empty else reader.column_reader("record", translate=False)
        self._ids = None if empty else reader.column_reader("id")

    def blob(self, docnum: int) -> bytes:
        """The stored bytes of paper ``docnum`` (:func:`record_from_stored` reads them)."""
        assert self._records is not None
        blob = self._records[docnum]
        if not blob:
            raise SearchlibError(f"paper {docnum} of the index has no stored record; rebuild the index")
        return bytes(blob)

    def record(self, docnum: int) -> Record:
        return record_from_stored(self.blob(docnum))

    def id(self, docnum: int) -> str:
        assert self._ids is not None
        return str(self._ids[docnum])

    def __iter__(self) -> Iterator[Record]:
        """Every paper's record, deleted papers left out, in index order."""
        reader = self._reader
        for docnum in range(reader.doc_count_all()):
            if not reader.is_deleted(docnum):
                yield self.record(docnum)


_STORED: WeakKeyDictionary[Searcher | IndexReader, StoredRecords] = WeakKeyDictionary()


def stored_records(source: Searcher | IndexReader) -> StoredRecords:
    """The :class:`StoredRecords` of a searcher or reader, made once: its column readers read the columns'
    offsets."""
    found = _STORED.get(source)
    if found is None:
        found = _STORED[source] = StoredRecords(source)
    return found
