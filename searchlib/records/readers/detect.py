"""Telling a record file's format from its content, and a JSON object's source from its keys.

The extension is only a hint: exports are often renamed (``pubmed.txt`` holding MEDLINE, ``.txt`` RIS from
EndNote), so the first bytes decide. A file's first non-blank text says most formats outright: ``<`` is XML
(PubMed's ``PubmedArticleSet``, or EndNote's ``<xml><records>``), ``TY  -`` is RIS, ``PMID-`` is MEDLINE, an
``@type{`` entry is BibTeX; JSON is everything starting with ``{`` or ``[`` and the seed form whose first line
is a list of author names followed by a ``{`` line.

>>> detect_format(b"TY  - JOUR\\nTI  - A title\\nER  - \\n", "x.txt")
'ris'
>>> detect_format(b'{"paperId": "abc", "title": "T"}', "papers.json")
'json'
>>> json_source({"paperId": "abc", "title": "T"}), json_source({"title": "T", "doi": "10.1/x"})
('semanticscholar', 'seed')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...errors import LoadError

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
)

_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "pubmed",
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
    if _BIBTEX_RE.search(text):  # may follow comment lines
        return "bibtex"
    if _RIS_RE.search(text):  # a RIS file with a header line (EndNote adds a blank or a title line)
        return "ris"
    if _MEDLINE_RE.search(text):
        return "medline"
    if "\n{" in text or text.startswith("{"):  # the seed form: a line of author names, then the record
        return "json"
    raise LoadError(
        "cannot tell the format: not JSON, PubMed or EndNote XML, MEDLINE, RIS or BibTeX"
        f" (first line: {first[:60]!r})",
        name,
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
