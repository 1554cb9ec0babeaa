"""CSV and tab-delimited exports: each row as a :class:`Record`.

The header row says whose export a file is (:func:`.detect.csv_dialect`) and which column holds what; the
delimiter (comma, tab or semicolon) is the one the header row uses, a byte-order mark (UTF-8 or UTF-16) is
dropped, and a cell may hold line breaks inside quotes (Web of Science's tab-delimited files have no quotes, so
a ``"`` there is just a character). Read, by column (upper and lower case alike):

- title: ``Title`` (Zotero, Scopus, Rayyan, Covidence, PubMed, ASySD), ``TI`` (Web of Science);
- authors: ``Author full names`` (Scopus, else ``Authors``), ``Author`` (Zotero), ``authors`` (Rayyan),
  ``AF`` (Web of Science, else ``AU``) and ``CA`` (its group authors), each split as :mod:`._names` reads them;
- journal: ``Publication Title``, ``Source title``, ``Journal``, ``Journal/Book``, ``SO``;
- year and date: ``Publication Year``, ``Year``, ``Published Year``, ``PY``, with ``Date`` (Zotero),
  ``Published Month`` (Covidence), ``month`` and ``day`` (Rayyan) or ``PD`` (Web of Science);
- ids: ``DOI``/``DI``; the PMID in ``PubMed ID``, ``pubmed_id``, ``PMID``, ``PM``, Zotero's ``Extra``
  ("PMID: 35319117", also ``PMCID:`` and ``DOI:``) or a Covidence ``Accession Number`` of a PMID's form;
  ``pmc_id``/``PMCID``; Scopus's ``EID`` (``scopus:2-s2.0-...``) and Web of Science's ``UT``
  (``wos:000...``) as the source's own id;
- ``Volume``/``VL``; ``Pages``, or ``Page start``-``Page end`` (Scopus), ``BP``-``EP`` (Web of Science);
- abstract: ``Abstract Note`` (Zotero), ``Abstract``, ``AB``; one labelled section per line keeps those sections;
- publication type: ``Item Type`` (Zotero), ``Document Type`` (Scopus), ``DT`` (Web of Science), ``Publication
  Type``; keywords: ``Author Keywords`` and ``Index Keywords`` (Scopus), ``Manual Tags`` and ``Automatic Tags``
  (Zotero), ``DE`` and ``ID`` (Web of Science), ``Keywords``; language: ``Language of Original Document``,
  ``Language``, ``LA``; ``Issue``/``IS``; ``Art. No.``/``AR`` (article number); ``ISSN``/``SN`` (and ``EI``);
  affiliations: ``Affiliations``, ``C1`` (each "[Authors] Address" of it); several values in one cell have
  ``;`` between them.

This library's own CSV export is read back too, its sections from their category columns. ``raw`` is the row,
``{column: cell}``, every column kept (issue, keywords, language, document type, notes, tags ...). A row that
does not have the header's number of cells (a line break or delimiter outside quotes), or whose quote is never
closed, is a :class:`LoadError` at the line the row starts on.

>>> text = b'''Key,Item Type,Publication Year,Author,Title,Abstract Note,Extra
... ABCD1234,journalArticle,2022,"Rotter, Carina; Bertolini, F.M.",Myoclonus in spaniels,"BACKGROUND: Seen.
... METHODS: Case series.",PMID: 35319117
... '''
>>> [r] = read(text, "zotero.csv")
>>> r.id, r.authors, r.year, [s.category for s in r.sections]
('pmid:35319117', ('Carina Rotter', 'F. M. Bertolini'), 2022, ['background', 'methods'])
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterator, Mapping

from ...errors import LoadError
from ..record import Record
from ..sections import CATEGORIES
from ..vocabulary import Mesh
from ._fields import (
    OWN_ID_RE,
    Part,
    accession_pmid,
    build_record,
    decode_text,
    free_date,
    iso_date,
    split_list,
    year_and_month,
)
from ._names import split_authors
from .detect import csv_dialect, csv_header
from .ris import labelled_parts

#: Where each field is, by the lower-case column names that hold it: the first non-empty cell wins.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "primary_title"),
    "authors": ("author full names", "authors", "author", "author names"),
    "journal": (
        "publication title",
        "source title",
        "journal",
        "journal/book",
        "journal title",
        "secondary_title",
    ),
    "year": ("publication year", "published year", "year"),
    "date": ("date", "publication date"),
    "month": ("published month", "month"),
    "day": ("day",),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed id", "pubmed_id"),
    "pmcid": ("pmcid", "pmc_id", "pmc id"),
    "volume": ("volume",),
    "pages": ("pages",),
    "first page": ("page start",),
    "last page": ("page end",),
    "abstract": ("abstract note", "abstract"),
    "accession": ("accession number",),
    "extra": ("extra",),
    "eid": ("eid",),
    "types": ("item type", "document type", "publication type", "publication types", "publication_types"),
    "keywords": (
        "author keywords",
        "index keywords",
        "manual tags",
        "automatic tags",
        "keywords",
        "tags",
    ),
    "languages": ("language of original document", "language", "languages"),
    "issue": ("issue",),
    "article number": ("art. no.", "article number", "article_number"),
    "issn": ("issn", "eissn"),
    "affiliations": ("affiliations", "affiliation"),
    "mesh": ("mesh",),
}
#: Web of Science's field codes, which would be read as other words ("ID" is Keywords Plus) by the table above.
_WOS_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("ti",),
    "authors": ("af", "au"),
    "group authors": ("ca",),
    "journal": ("so",),
    "year": ("py",),
    "month": ("pd",),
    "doi": ("di",),
    "pmid": ("pm",),
    "volume": ("vl",),
    "first page": ("bp",),
    "last page": ("ep",),
    "abstract": ("ab",),
    "ut": ("ut",),
    "types": ("dt",),
    "keywords": ("de", "id"),
    "languages": ("la",),
    "issue": ("is",),
    "article number": ("ar",),
    "issn": ("sn", "ei"),
    "affiliations": ("c1",),
}
#: Dialects written by R and by hand, where "NA" is an empty cell.
_NA_DIALECTS = frozenset({"asysd", "csv"})
_EXTRA_RE = {key: re.compile(rf"(?:^|\s){key}:\s*(\S+)", re.IGNORECASE) for key in ("PMID", "PMCID", "DOI")}
_NO_ABSTRACT = "[no abstract available]"  # what Scopus writes in place of one


def read(data: bytes, name: str) -> Iterator[Record | LoadError]:
    """Every row of a CSV or tab-delimited export, or a :class:`LoadError` naming the line of each bad one."""
    text = _decode(data, name)
    header = csv_header(text)
    dialect = csv_dialect(header[1]) if header else None
    if header is None or dialect is None:
        found = f" (columns: {', '.join(header[1][:8])})" if header else ""
        raise LoadError(
            f"the first line is not a header row with a Title column{found}; "
            "export the file with its header row, or name the title column 'Title'",
            name,
            1,
        )
    delimiter = header[0]
    rows = csv.reader(
        io.StringIO(text),
        delimiter=delimiter,
        strict=True,
        quoting=csv.QUOTE_NONE if dialect == "wos" else csv.QUOTE_MINIMAL,
    )
    try:
        columns = next(c for c in rows if c)  # the header row, after any blank lines
    except (StopIteration, csv.Error) as exc:
        raise LoadError(f"the header row cannot be read: {exc}", name, 1) from None
    last = rows.line_num
    columns = _unique([c.strip() for c in columns])
    while columns and not columns[-1]:
        columns.pop()
    get = _Columns(columns, _WOS_COLUMNS if dialect == "wos" else _COLUMNS, dialect in _NA_DIALECTS)
    while True:
        start = last + 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield LoadError(_problem(exc), name, start)
            continue
        finally:
            last = rows.line_num
        if not any(cell.strip() for cell in row):
            continue  # a blank line, or a row of empty cells: no record
        if len(row) < len(columns) or any(cell.strip() for cell in row[len(columns) :]):
            where = "tab" if delimiter == "\t" else repr(delimiter)
            yield LoadError(
                f"row has {len(row)} cells but the header row names {len(columns)} columns: "
                f"a line break or {where} outside quotes? Quote that cell, or export the file again",
                name,
                start,
            )
            continue
        cells = dict(zip(columns, row[: len(columns)], strict=True))
        try:
            yield _record(cells, get, dialect)
        except LoadError as exc:
            yield LoadError(exc.reason, name, start)


def _decode(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError("damaged UTF-16 text; save the file as UTF-8", name) from None
        return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return decode_text(data)


def _problem(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc):
        return "a quoted cell opened in this row is never closed (is the file cut short?)"
    return f"malformed row ({exc}): quote any cell that holds the delimiter, a quote or a line break"


def _unique(columns: list[str]) -> list[str]:
    """Column names made unique ("Notes", "Notes (2)"), so ``raw`` keeps every cell."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        seen[c] = seen.get(c, 0) + 1
        out.append(c if seen[c] == 1 or not c else f"{c} ({seen[c]})")
    return out


class _Columns:
    """Where each field is in a file's rows, by the column names ``table`` gives for it."""

    def __init__(self, columns: list[str], table: dict[str, tuple[str, ...]], na_empty: bool) -> None:
        by_name = {c.lower(): c for c in reversed(columns)}  # the first column of a name wins
        self.where = {field: [by_name[n] for n in names if n in by_name] for field, names in table.items()}
        self.na_empty = na_empty

    def cells(self, row: Mapping[str, str], field: str) -> Iterator[str]:
        for column in self.where.get(field, ()):
            value = row[column].strip()
            if value and not (self.na_empty and value == "NA"):
                yield value

    def one(self, row: Mapping[str, str], field: str) -> str | None:
        """The row's first non-empty cell for ``field``."""
        return next(self.cells(row, field), None)

    def every(self, row: Mapping[str, str], field: str) -> list[str]:
        """The values of every column that holds ``field``, a cell of several split at ``;``."""
        return [v for cell in self.cells(row, field) for v in split_list(cell)]


def _record(cells: Mapping[str, str], columns: _Columns, dialect: str) -> Record:
    def get(field: str) -> str | None:
        return columns.one(cells, field)

    def every(field: str) -> list[str]:
        return columns.every(cells, field)

    extra = get("extra") or ""
    from_extra = {key: m.group(1) for key, pattern in _EXTRA_RE.items() if (m := pattern.search(extra))}
    if dialect == "searchlib":  # written "Given Family" by this library, whatever the name's words look like
        authors = [a.strip() for a in (get("authors") or "").split(";") if a.strip()]
    else:
        authors = split_authors(get("authors") or "")
    authors += [a.strip() for a in (get("group authors") or "").split(";") if a.strip()]
    pages = get("pages")
    if not pages and get("first page"):
        pages = "-".join(p for p in (get("first page"), get("last page")) if p)
    source_id = None
    if get("eid"):
        source_id = f"scopus:{get('eid')}"
    elif (ut := get("ut")) is not None:
        source_id = f"wos:{ut.removeprefix('WOS:')}"
    elif dialect == "searchlib" and OWN_ID_RE.match(cells.get("id", "")):
        source_id = cells["id"]
    url = cells.get("url", "") if dialect == "searchlib" else ""
    return build_record(
        raw=dict(cells),
        title=html.escape(get("title") or "", quote=False),
        authors=authors,
        parts=_parts(cells, get("abstract"), dialect),
        doi=get("doi") or from_extra.get("DOI"),
        pmid=get("pmid") or from_extra.get("PMID") or accession_pmid(get("accession")),
        pmcid=get("pmcid") or from_extra.get("PMCID"),
        source_id=source_id,
        journal=html.escape(get("journal") or "", quote=False) or None,
        volume=get("volume"),
        pages=pages,
        date=_date(get),
        pdf_url=url if url and "doi.org/" not in url else None,
        mesh=[Mesh.parse(h) for h in every("mesh")],
        publication_types=every("types"),
        languages=[lang for v in every("languages") for lang in split_list(v, ",")],
        keywords=every("keywords"),
        affiliations=[a for v in columns.cells(cells, "affiliations") for a in _affiliations(v)],
        issue=get("issue"),
        article_number=get("article number"),
        issn=[i for v in columns.cells(cells, "issn") for i in split_list(v, ",;")],
    )


def _affiliations(cell: str) -> list[str]:
    """The addresses of an affiliations cell: ``;`` between them, Web of Science's ``[Authors]`` before each
    dropped (a ``;`` between its names is not between addresses)."""
    return split_list(re.sub(r"\[[^\]]*\]", "", cell))


def _parts(cells: Mapping[str, str], abstract: str | None, dialect: str) -> list[Part]:
    """The abstract's parts; this library's own export gives them by category, one column each."""
    if dialect == "searchlib":
        parts = [
            Part(None if c == "other" else c.capitalize(), c, html.escape(text, quote=False))
            for c in (*CATEGORIES, "other")
            if (text := cells.get(c, "").strip())
        ]
        if parts:
            return parts
    if not abstract or abstract.lower() == _NO_ABSTRACT:
        return []
    return labelled_parts(abstract)


def _date(get: Callable[[str], str | None]) -> tuple[str | None, int | None]:
    """The date as precise as the columns give it; a whole date that disagrees with the year column loses."""
    year = free_date(get("year"))[1]
    whole = free_date(get("date"))
    if whole[1] is not None and year in (None, whole[1]):
        return whole
    if year is None:
        return None, None
    month, day = get("month"), get("day")
    if month and month.isdigit():
        return iso_date(year, month, day)
    return year_and_month(year, " ".join(p for p in (month, day) if p))
