"""Telling a record file's format from its content, and a JSON object's source from its keys.

The extension is only a hint: exports are often renamed (``pubmed.txt`` holding MEDLINE, ``.txt`` RIS from
EndNote, ``savedrecs.txt`` a Web of Science table), so the first bytes decide. A file's first non-blank text says
most formats outright: ``<`` is XML (PubMed's ``PubmedArticleSet``, or EndNote's ``<xml><records>``), ``TY  -``
is RIS, ``PMID-`` is MEDLINE, a header row naming a title column is CSV (:func:`csv_dialect` says whose), an
``@type{`` entry is BibTeX; JSON is everything starting with ``{`` or ``[`` and the seed form whose first line
is a list of author names followed by a ``{`` line.

>>> detect_format(b"TY  - JOUR\\nTI  - A title\\nER  - \\n", "x.txt")
'ris'
>>> detect_format(b'"Key","Item Type","Publication Year","Author","Title"\\n', "x.txt")
'csv'
>>> detect_format(b'{"paperId": "abc", "title": "T"}', "papers.json")
'json'
>>> json_source({"paperId": "abc", "title": "T"}), json_source({"title": "T", "doi": "10.1/x"})
('semanticscholar', 'seed')
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import LoadError
from ..sections import CATEGORIES

#: Format names ``load_records(path, format=...)`` accepts. "json" reads each object as its keys show.
FORMATS: tuple[str, ...] = (
    "json",
    "crossref",
    "europepmc",
    "semanticscholar",
    "pubmed",
    "medline",
    "ris",
    "bibtex",
    "endnote",
    "csv",
)

_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "pubmed",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}

_PUBMED_ROOT_RE = re.compile(rb"<(?:PubmedArticleSet|PubmedArticle|PubmedBookArticle|MedlineCitationSet)\b")
_XML_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ENDNOTE_RE = re.compile(rb"<records[\s>]")
_RIS_RE = re.compile(r"^TY {1,2}-", re.MULTILINE)
_MEDLINE_RE = re.compile(r"^PMID ?- ", re.MULTILINE)
_BIBTEX_RE = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_HEAD = 65536  # bytes looked at


def detect_format(data: bytes, name: str) -> str:
    """The format of a file's bytes (already unpacked from gzip): one of :data:`FORMATS`.

    Raises :class:`LoadError` when the content is none of them, saying what the file starts with.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: how Web of Science once wrote its tab-delimited files
        header = csv_header(data[: _HEAD & ~1].decode("utf-16", errors="replace"))
        if header is not None and csv_dialect(header[1]):
            return "csv"
        raise LoadError("UTF-16 text that is not a CSV or tab-delimited export; save it as UTF-8", name)
    head = data[:_HEAD].lstrip()
    if not head:
        return _by_extension(name) or "json"  # empty: any reader gives no records
    if head[:1] == b"<":
        if _PUBMED_ROOT_RE.search(head):
            return "pubmed"
        root = next(
            (m.group(1).decode() for m in _XML_ROOT_RE.finditer(head) if not m.group(1).startswith(b"!")), "?"
        )
        if root == "xml" and _ENDNOTE_RE.search(head):
            return "endnote"
        raise LoadError(
            f"XML with root <{root}> is not PubMed XML (PubmedArticleSet) or EndNote XML (<xml><records>); "
            "no other XML format is read",
            name,
        )
    if head[:1] in (b"{", b"["):
        return "json"
    text = head.decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0].strip()
    if _RIS_RE.match(first):
        return "ris"
    if _MEDLINE_RE.match(first):
        return "medline"
    header = csv_header(text)
    if header is not None and csv_dialect(header[1]):
        return "csv"
    if _BIBTEX_RE.search(text):  # may follow comment lines
        return "bibtex"
    if _RIS_RE.search(text):  # a RIS file with a header line (EndNote adds a blank or a title line)
        return "ris"
    if _MEDLINE_RE.search(text):
        return "medline"
    if "\n{" in text or text.startswith("{"):  # the seed form: a line of author names, then the record
        return "json"
    raise LoadError(
        "cannot tell the format: not JSON, PubMed or EndNote XML, MEDLINE, RIS, BibTeX, or a CSV or tab-delimited"
        f" export with a header row naming a Title column (first line: {first[:60]!r})",
        name,
    )


#: Column delimiters a CSV export may use, told apart by the header row: comma, tab (Web of Science, ``.tsv``)
#: and semicolon (spreadsheets in languages that write decimal commas).
_DELIMITERS = (",", "\t", ";")


def csv_header(text: str) -> tuple[str, list[str]] | None:
    """(delimiter, column names) of the text's first non-blank line read as a CSV header row; None when that
    line holds no delimiter outside quotes. Trailing empty names (a trailing tab) are dropped.

    >>> csv_header('PT\\tAU\\tTI\\tSO\\t\\nJ\\tLee, A\\tA title\\tJ TESTS\\t\\n')
    ('\\t', ['PT', 'AU', 'TI', 'SO'])
    """
    first = next((line for line in text.split("\n") if line.strip()), "").strip("\r\ufeff")
    outside = re.sub(r'"[^"]*"', "", first)
    delimiter = max(_DELIMITERS, key=outside.count)
    if not outside.count(delimiter):
        return None
    names = [n.strip() for n in next(csv.reader([first], delimiter=delimiter))]
    while names and not names[-1]:
        names.pop()
    return delimiter, names


def csv_dialect(columns: Sequence[str]) -> str | None:
    """Whose CSV export a header row is, by the column names only that source writes; ``"csv"`` for any other
    with a title column, None for a header with none (not a record file).

    ``"wos"`` (Web of Science's two-letter codes ``PT AU TI SO``), ``"scopus"`` (``Authors``, ``Source title``),
    ``"zotero"`` (``Key``, ``Item Type``), ``"covidence"`` (``Covidence #`` or ``Published Year``),
    ``"rayyan"`` (lower-case ``key``, ``title``, ``authors``), ``"pubmed"`` (``Citation``, ``Journal/Book``),
    ``"asysd"`` (``record_id``, ``author``), ``"searchlib"`` (this library's own export: a column per section
    category).

    >>> csv_dialect(["Authors", "Author full names", "Title", "Year", "Source title"]), csv_dialect(["a", "b"])
    ('scopus', None)
    """
    exact = set(columns)
    lower = {c.lower() for c in columns}
    if {"PT", "AU", "TI"} <= exact or {"AU", "TI", "SO"} <= exact:
        return "wos"
    for dialect, needs in _DIALECTS:
        if needs <= lower:
            return dialect
    return "csv" if lower & {"title", "article title", "document title", "primary_title"} else None


_DIALECTS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (dialect, frozenset(needs))
    for dialect, needs in (
        ("scopus", {"authors", "title", "source title"}),
        ("zotero", {"key", "item type", "title"}),
        ("covidence", {"covidence #", "title"}),
        ("covidence", {"title", "authors", "published year"}),
        ("rayyan", {"key", "title", "authors"}),
        ("pubmed", {"pmid", "title", "citation", "journal/book"}),
        ("asysd", {"record_id", "author", "title"}),
        ("searchlib", {"id", "title", "authors", *CATEGORIES}),
    )
)


def _by_extension(name: str) -> str | None:
    lowered = name.lower().removesuffix(".gz")
    return next((fmt for ext, fmt in _EXTENSIONS.items() if lowered.endswith(ext)), None)


def json_source(obj: Mapping[str, Any]) -> str:
    """Which source a JSON record comes from, by the keys only that source uses.

    ``"crossref"`` (a work: upper-case ``DOI`` with a list ``title`` or Crossref's bookkeeping keys),
    ``"europepmc"`` (``authorString``, ``journalInfo``, ``abstractText``, ``pubYear``), ``"semanticscholar"``
    (``paperId``), else ``"seed"``.
    """
    if "paperId" in obj:
        return "semanticscholar"
    if "DOI" in obj and (
        isinstance(obj.get("title"), list)
        or not {"container-title", "member", "prefix", "reference-count"}.isdisjoint(obj)
    ):
        return "crossref"
    if not {"authorString", "journalInfo", "abstractText", "pubYear"}.isdisjoint(obj):
        return "europepmc"
    return "seed"
