"""Records out: RIS, BibTeX, CSV and JSON Lines, for reference managers, screening tools and spreadsheets.

:func:`export_records` writes any iterable of :class:`Record` (a search's hits, a whole index, a loaded file) in
one of :data:`EXPORT_FORMATS`; :class:`~searchlib.results.Results` and the ``searchlib export`` command use it.

- **RIS** as Zotero, EndNote, Mendeley and Rayyan import it: ``TY`` from the publication type (:func:`ris_type`:
  ``JOUR``, ``UNPB`` for a preprint, ``CPAPER``, ``CHAP``, ...) and ``M3`` with the other types ("Review",
  as Scopus and Embase write them), one ``AU`` per author as "Family, Given", ``PY``/``DA``, ``T2`` and ``JO``
  (journal), ``VL``, ``IS``, ``SP``/``EP`` (the last page whole: ``1772-7`` is 1772 to 1777), ``C7`` (the
  article number), ``SN`` (ISSN), ``DO``, ``AN`` with ``DB  - PubMed`` (the PMID), ``C2`` (the PMCID, as
  EndNote's PubMed import puts it), ``LA``, ``KW`` (the keywords, then the MeSH headings in MEDLINE's form
  ``*Asthma/drug therapy``, where EndNote's and Zotero's PubMed imports file them), ``AD`` (affiliations),
  ``AB`` with one "Label: text" line per section, ``UR`` (the DOI link), ``L1`` (a PDF), ``ID`` (searchlib's
  id), ``ER``.
- **BibTeX** entries with unique keys (``lerro2018occupational``), LaTeX specials escaped: ``@article``
  (reviews and letters too, their types in ``type``), ``@misc`` for a preprint (``type = {Preprint}``),
  ``@inproceedings``, ``@incollection``, ``@book``, ``@phdthesis``, ``@techreport``; ``pages`` whole with
  ``--``, ``number`` (issue), ``eid`` (article number), ``issn``, ``language``, ``keywords`` (keywords and
  MeSH headings, ``, `` between them), ``affiliations``, and ``doi``, ``pmid``, ``pmcid``, ``url``,
  ``abstract`` fields (and ``id``, searchlib's id, for a paper with none of those ids).
- **CSV**: one row per paper, a column per section category (``background`` ... ``conclusions``, then
  ``other`` for unlabelled text), as a spreadsheet opens it; lists (publication types, keywords, MeSH headings
  in MEDLINE's form, affiliations) with ``; `` between their values.
- **JSON Lines** (orjson): one object per paper in the shape :func:`searchlib.load_records` reads back, sections
  included, so exporting and loading again gives the same documents.

>>> from searchlib import Record, Section
>>> r = Record("10.1/x", "10.1/x", "A trial", ("Catherine C Lerro",), journal="J Tests", year=2021,
...            pages="1-9", sections=(Section("Methods", "methods", "We tried."),))
>>> print(to_ris([r]).rstrip())
TY  - JOUR
ID  - 10.1/x
TI  - A trial
AU  - Lerro, Catherine C
PY  - 2021
T2  - J Tests
JO  - J Tests
SP  - 1
EP  - 9
DO  - 10.1/x
AB  - Methods: We tried.
UR  - https://doi.org/10.1/x
ER  -
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from ..errors import ArgumentError, check_choice
from .record import Record
from .sections import CATEGORIES

#: Formats :func:`export_records` writes.
EXPORT_FORMATS: tuple[str, ...] = ("ris", "bibtex", "csv", "jsonl")

# Lower-case particles that belong to the family name ("Ludwig van Beethoven" -> "van Beethoven, Ludwig").
_PARTICLES = frozenset("van von der den de del della di da dos das du le la ten ter bin al el".split())


def export_records(records: Iterable[Record], format: str) -> str:
    """``records`` as text in ``format`` (one of :data:`EXPORT_FORMATS`)."""
    writers = {"ris": to_ris, "bibtex": to_bibtex, "csv": to_csv, "jsonl": to_jsonl}
    check_choice("format", format, EXPORT_FORMATS)
    if isinstance(records, (str, bytes, Mapping, Record)) or not isinstance(records, Iterable):
        raise ArgumentError(
            f"export_records takes a list of records (Record objects), not {type(records).__name__}"
        )
    return writers[format](_checked(records))


def write_whole(target: Path, text: str) -> None:
    """Write ``text`` beside ``target``, then move it over: a full disk leaves the previous file whole, not half
    an export. A target that is no regular file (``/dev/stdout``, a pipe) is written as it is."""
    temp = (
        target
        if target.exists() and not target.is_file()
        else target.with_name(f".{target.name}.tmp-{os.getpid()}")
    )
    try:
        temp.write_text(text, encoding="utf-8", newline="")
        if temp != target:
            os.replace(temp, target)
    except OSError:
        if temp != target:
            temp.unlink(missing_ok=True)
        raise


def _checked(records: Iterable[Record]) -> Iterator[Record]:
    for record in records:
        if not isinstance(record, Record):
            raise ArgumentError(
                f"export_records takes Record objects (from load_records or an index), not {type(record).__name__}"
            )
        yield record


def family_given(name: str) -> str:
    """A "Given Family" name as "Family, Given", the form RIS and BibTeX want.

    The family name is the last word with any lower-case particles before it; a name of one word stays as is.

    >>> family_given("Catherine C Lerro"), family_given("Ludwig van Beethoven"), family_given("WHO")
    ('Lerro, Catherine C', 'van Beethoven, Ludwig', 'WHO')
    """
    words = name.split()
    if len(words) < 2:
        return name.strip()
    i = len(words) - 1
    while i > 1 and words[i - 1] in _PARTICLES:
        i -= 1
    return f"{' '.join(words[i:])}, {' '.join(words[:i])}"


_PAGE_RANGE = re.compile(r"\s*([A-Za-z]*)(\d+)\s*[-\u2013\u2014]+\s*([A-Za-z]*)(\d+)\s*")


def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """The first and last page, the last written whole: MEDLINE's ``1772-7`` is 1772 to 1777, ``R12-5`` is R12
    to R15; anything else is split at its first hyphen as it is.

    >>> page_range("1772-7"), page_range("79-89"), page_range("e123-e130"), page_range("S1")
    (('1772', '1777'), ('79', '89'), ('e123', 'e130'), ('S1', None))
    """
    if not pages:
        return None, None
    m = _PAGE_RANGE.fullmatch(pages)
    if m and m.group(3) in ("", m.group(1)):
        prefix, first, last = m.group(1), m.group(2), m.group(4)
        if len(last) < len(first) and int(first[: len(first) - len(last)] + last) >= int(first):
            last = first[: len(first) - len(last)] + last
        return prefix + first, prefix + last
    first, _, last = pages.partition("-")
    return first.strip() or None, last.strip() or None


#: RIS and BibTeX types of publication types (PubMed's names, :mod:`.vocabulary`), the first a record has
#: deciding; a journal article (review, letter, editorial ...) otherwise.
_ENTRY_TYPES: dict[str, tuple[str, str]] = {
    "Preprint": ("UNPB", "misc"),
    "Conference Paper": ("CPAPER", "inproceedings"),
    "Book Chapter": ("CHAP", "incollection"),
    "Book": ("BOOK", "book"),
    "Thesis": ("THES", "phdthesis"),
    "Report": ("RPRT", "techreport"),
}
_JOURNAL_ARTICLE = ("JOUR", "article")


def entry_type(record: Record) -> tuple[tuple[str, str], list[str]]:
    """The RIS and BibTeX types of a record, and its publication types those leave unsaid.

    >>> from searchlib import Record
    >>> entry_type(Record("x", None, "T", (), publication_types=("Journal Article", "Review")))
    (('JOUR', 'article'), ['Review'])
    >>> entry_type(Record("x", None, "T", (), publication_types=("Preprint",)))
    (('UNPB', 'misc'), [])
    """
    types = list(record.publication_types)
    main = next((t for t in types if t in _ENTRY_TYPES), None)
    kinds = _ENTRY_TYPES[main] if main else _JOURNAL_ARTICLE
    return kinds, [t for t in types if t not in (main, "Journal Article")]


def _subjects(record: Record) -> list[str]:
    """Keywords, then MeSH headings in MEDLINE's form: what reference managers file as keywords."""
    return list(dict.fromkeys([*record.keywords, *(str(m) for m in record.mesh)]))


def _abstract_lines(record: Record) -> list[str]:
    """The abstract as lines: one "Label: text" line per labelled section, unlabelled text as it is."""
    return [f"{s.label}: {s.text}" if s.label else s.text for s in record.sections if s.text]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- RIS -----------------------------------------------------------------------------------------------------


def to_ris(records: Iterable[Record]) -> str:
    """RIS text for ``records``, each ending ``ER  - `` and a blank line (see the module docstring for tags)."""
    out: list[str] = []
    for r in records:
        (ris, _), other_types = entry_type(r)
        lines: list[tuple[str, str | None]] = [("TY", ris), ("ID", r.id), ("TI", _one_line(r.title))]
        lines += [("AU", family_given(a)) for a in r.authors]
        if r.year:
            lines.append(("PY", str(r.year)))
        if r.date and len(r.date) > 4:
            lines.append(("DA", r.date.replace("-", "/")))
        if r.journal:
            lines += [("T2", r.journal), ("JO", r.journal)]
        first, last = page_range(r.pages)
        lines += [("VL", r.volume), ("IS", r.issue), ("SP", first), ("EP", last), ("C7", r.article_number)]
        lines += [("SN", r.issn), ("DO", r.doi), ("M3", "; ".join(other_types))]
        if r.pmid:
            lines += [("AN", r.pmid), ("DB", "PubMed")]
        lines.append(("C2", r.pmcid))
        lines += [("LA", language) for language in r.languages]
        lines += [("KW", _one_line(k)) for k in _subjects(r)]
        lines += [("AD", _one_line(a)) for a in r.affiliations]
        abstract = _abstract_lines(r)
        if abstract:
            lines.append(("AB", "\n".join(abstract)))
        url = (
            f"https://doi.org/{r.doi}"
            if r.doi
            else f"https://pubmed.ncbi.nlm.nih.gov/{r.pmid}/"
            if r.pmid
            else None
        )
        lines += [("UR", url), ("L1", r.pdf_url)]
        out += [f"{tag}  - {value}" for tag, value in lines if value]
        out += ["ER  - ", ""]
    return "\n".join(out)


# -- BibTeX --------------------------------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))
_MONTH_MACROS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def _latex(text: str) -> str:
    """``text`` as BibTeX reads it back: specials escaped, and "--" kept two hyphens ("-{}-"), not an en dash."""
    return _RUN_HYPHEN.sub("-{}", _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text))


#: A hyphen that another follows: BibTeX reads "--" as an en dash, "-{}-" as two hyphens.
_RUN_HYPHEN = re.compile(r"-(?=-)")


def _bibtex_key(record: Record, used: set[str]) -> str:
    first = record.authors[0] if record.authors else "anon"
    family = family_given(first).split(",")[0].split()[-1]
    word = next((w for w in re.findall(r"[^\W\d_]{4,}", record.title)), "")
    base = "".join(
        c
        for c in unicodedata.normalize("NFKD", f"{family}{record.year or ''}{word}".lower())
        if c.isalnum() and c.isascii()
    )
    base = base or "paper"
    key, n = base, 0
    while key in used:
        n += 1
        key = base + ("abcdefghijklmnopqrstuvwxyz"[n - 1] if n <= 26 else str(n))
    used.add(key)
    return key


def to_bibtex(records: Iterable[Record]) -> str:
    """BibTeX entries for ``records``, with keys unique within the output (see the module docstring for types).

    >>> from searchlib import Record
    >>> print(to_bibtex([Record("10.1/x", "10.1/x", "Costs & 50% savings", ("Ann Lee",), year=2021, pages="1-9")]))
    @article{lee2021costs,
      title = {Costs \\& 50\\% savings},
      author = {Lee, Ann},
      year = {2021},
      pages = {1--9},
      doi = {10.1/x},
      url = {https://doi.org/10.1/x},
    }
    <BLANKLINE>
    """
    used: set[str] = set()
    out: list[str] = []
    for r in records:
        (_, kind), other_types = entry_type(r)
        if kind in ("article", "misc"):
            shown = other_types if kind == "article" else list(r.publication_types)
        else:
            shown = []
        # A book's, thesis's or report's container (a proceedings, a series) as its booktitle, which the BibTeX
        # reader takes back as the journal: nothing the record holds is dropped.
        container = "journal" if kind in ("article", "misc") else "booktitle"
        first, last = page_range(r.pages)
        fields: list[tuple[str, str | None]] = [
            ("title", _latex(_one_line(r.title))),
            ("author", " and ".join(_latex(family_given(a)) for a in r.authors) or None),
            (container, _latex(r.journal) if r.journal else None),
            ("year", str(r.year) if r.year else None),
        ]
        month = int(r.date[5:7]) if r.date and len(r.date) >= 7 else None
        fields += [
            ("month", _MONTH_MACROS[month - 1] if month else None),
            ("date", r.date if r.date and len(r.date) > 4 else None),
            ("volume", _latex(r.volume) if r.volume else None),
            ("number", _latex(r.issue) if r.issue else None),
            ("pages", "--".join(_latex(p) for p in (first, last) if p) if first else None),
            ("eid", _latex(r.article_number) if r.article_number else None),
            ("issn", r.issn),
            ("type", _latex("; ".join(shown)) if shown else None),
            ("language", _latex(", ".join(r.languages)) if r.languages else None),
            ("keywords", _latex(", ".join(_one_line(k) for k in _subjects(r))) or None),
            ("affiliations", _latex("; ".join(_one_line(a) for a in r.affiliations)) or None),
            ("doi", r.doi),
            ("pmid", r.pmid),
            ("pmcid", r.pmcid),
            ("id", r.id if r.id not in (r.doi, f"pmid:{r.pmid}", f"pmcid:{r.pmcid}") else None),
            ("url", f"https://doi.org/{r.doi}" if r.doi else None),
            ("pdf", r.pdf_url),
            ("abstract", "\n\n".join(_latex(line) for line in _abstract_lines(r)) or None),
        ]
        out.append(f"@{kind}{{{_bibtex_key(r, used)},")
        for name, value in fields:
            if value:
                out.append(f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},")
        out += ["}", ""]
    return "\n".join(out)


# -- CSV -----------------------------------------------------------------------------------------------------

#: CSV columns, in order: a paper's fields, then one column per section category, then the whole abstract.
CSV_COLUMNS: tuple[str, ...] = (
    "id", "doi", "pmid", "pmcid", "title", "authors", "journal", "volume", "issue", "pages", "article_number",
    "issn", "year", "date", "url", "publication_types", "languages", "keywords", "mesh", "affiliations",
    *CATEGORIES, "other", "abstract",
)  # fmt: skip


def csv_row(record: Record) -> dict[str, Any]:
    """One CSV row: authors and the other lists joined by "; ", each section category's text in its own column."""
    row: dict[str, Any] = {
        "id": record.id,
        "doi": record.doi,
        "pmid": record.pmid,
        "pmcid": record.pmcid,
        "title": record.title,
        "authors": "; ".join(record.authors),
        "journal": record.journal,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "article_number": record.article_number,
        "issn": record.issn,
        "year": record.year,
        "date": record.date,
        "url": f"https://doi.org/{record.doi}" if record.doi else record.pdf_url,
        "publication_types": "; ".join(record.publication_types),
        "languages": "; ".join(record.languages),
        "keywords": "; ".join(record.keywords),
        "mesh": "; ".join(str(m) for m in record.mesh),
        "affiliations": "; ".join(record.affiliations),
        "abstract": record.abstract,
    }
    for category in (*CATEGORIES, "other"):
        row[category] = record.section_text(category)
    return row


def to_csv(records: Iterable[Record], extra: Iterable[Mapping[str, Any]] | None = None) -> str:
    """CSV text with a header row and one row per paper (:data:`CSV_COLUMNS`).

    ``extra`` gives leading columns per row (a search's ``rank`` and ``score``), in the same order as records.
    """
    rows = [csv_row(r) for r in records]
    extras = list(extra) if extra is not None else []
    columns = list(extras[0]) if extras else []
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*columns, *CSV_COLUMNS])
    writer.writeheader()
    for i, row in enumerate(rows):
        writer.writerow({**(extras[i] if extras else {}), **row})
    return buf.getvalue()


# -- JSON Lines ----------------------------------------------------------------------------------------------


def to_jsonl(records: Iterable[Record]) -> str:
    """One JSON object a line per record, in the shape of :meth:`Record.to_dict`."""
    return "".join(orjson.dumps(r.to_dict()).decode() + "\n" for r in records)
