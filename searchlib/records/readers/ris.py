"""RIS (EndNote, Zotero, Mendeley, Rayyan, publishers' "export citation"): each reference as a :class:`Record`.

A reference runs from ``TY  - `` to ``ER  - ``; every line is ``XX  - value`` (two-character tag, two spaces,
a hyphen, a space), and a line without a tag continues the previous value on a new line. Read: TI/T1, AU/A1
(and A2-A4 when there is no AU), T2/JO/JF/JA, VL, SP/EP, PY/Y1/DA, DO, AB/N2, UR, L1 (a PDF), AN with DB
PubMed (the PMID, also ``PMID:123``), C2 (a ``PMC`` id), ID (our own ids, only when prefixed: ``pmid:``,
``s2:``, ``sha1:`` ...; a bare ID is a number local to someone's library and would collide across files);
TY and M3 (the publication type: ``JOUR``, ``CHAP``; Scopus's and Embase's "Article", "Review"), KW
(keywords, a line each or ``;`` between them), LA, AD (affiliations), IS (issue), C7 (article number) and SN
(the ISSN; an ISBN there is not one).
Each AU is split as :mod:`._names` reads author fields, so Embase's one ``AU`` of every name gives each author.

An abstract written one labelled section per line ("Background: ...", as :mod:`searchlib.records.export` writes it)
keeps those sections; any other abstract goes through the section parser. ``raw`` is ``{tag: [values]}``.

>>> text = b'''TY  - JOUR
... TI  - A trial
... AU  - Lee, Ann
... PY  - 2021
... AB  - Methods: We tried.
... Results: It worked.
... DO  - 10.1/ABC
... ER  - '''
>>> [r] = read(text, "x.ris")
>>> r.id, r.authors, r.year, [(s.label, s.category, s.text) for s in r.sections]
('10.1/abc', ('Ann Lee',), 2021, [('Methods', 'methods', 'We tried.'), ('Results', 'results', 'It worked.')])
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from ...errors import LoadError
from ..record import Record, normalise_pmid
from ._fields import OWN_ID_RE, Part, build_record, decode_text, free_date, records_from_blocks, split_list
from ._names import split_authors

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*))?$")
# "Label: text" at the start of an abstract line: a short label of letters, then a colon.
_LINE_LABEL_RE = re.compile(r"^([A-Z][^\W\d_]*(?:[ /&-]+[^\W\d_]+){0,5}):\s+(\S.*)$")


def read(data: bytes, name: str) -> Iterator[Record | LoadError]:
    """Every reference in a RIS file, or a :class:`LoadError` naming the line of each unreadable one."""
    return records_from_blocks(_references(decode_text(data)), name, _record)


def _references(text: str) -> Iterator[tuple[int, dict[str, list[str]], str | None]]:
    """(line of TY, {tag: values}, problem) per reference."""
    fields: dict[str, list[str]] | None = None
    start, last = 0, None
    for n, line in enumerate(text.split("\n"), start=1):
        m = _TAG_RE.match(line)
        if m is None:
            if fields is not None and last is not None and line.strip():
                fields[last][-1] += "\n" + line.strip()
            elif fields is None and line.strip() and n > 1:
                yield n, {}, f"text outside a reference (before TY): {line.strip()[:40]!r}"
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            if fields is not None:
                yield start, fields, f"reference starting here has no ER line before the next TY (line {n})"
            fields, start, last = {"TY": [value]}, n, "TY"
        elif fields is None:
            yield n, {}, f"'{tag}' line outside a reference (no TY before it)"
        elif tag == "ER":
            yield start, fields, None
            fields, last = None, None
        else:
            fields.setdefault(tag, []).append(value)
            last = tag
    if fields is not None:
        yield start, fields, "reference has no ER line (is the file cut short?)"


def _record(f: dict[str, list[str]]) -> Record:
    def one(*tags: str) -> str | None:
        return next((f[t][0] for t in tags if f.get(t) and f[t][0]), None)

    authors = f.get("AU") or f.get("A1") or []
    pages = one("SP")
    if pages and one("EP") and "-" not in pages:
        pages = f"{pages}-{one('EP')}"
    date = free_date(one("DA", "Y1", "PY"))
    if date[1] is None:
        date = free_date(one("PY", "Y1"))
    pmid = _pmid(f)
    own = one("ID")
    return build_record(
        raw=f,
        title=_plain(one("TI", "T1", "CT", "BT") or ""),
        authors=[name for a in authors for name in split_authors(a)],
        parts=labelled_parts(one("AB", "N2") or ""),
        doi=one("DO"),
        pmid=pmid,
        pmcid=one("C2") if (one("C2") or "").upper().startswith("PMC") else None,
        source_id=own if own and OWN_ID_RE.match(own) else None,
        journal=_plain(one("T2", "JO", "JF", "JA", "J2") or "") or None,
        volume=one("VL"),
        pages=pages,
        date=date,
        pdf_url=one("L1"),
        publication_types=[
            *f.get("TY", []),
            *(t for m3 in f.get("M3", []) if not re.search(r"\d", m3) for t in split_list(m3)),
        ],
        languages=[lang for v in f.get("LA", []) for lang in split_list(v, ";,")],
        keywords=[k for v in f.get("KW", []) for k in split_list(v, ";\n")],
        affiliations=[a for v in f.get("AD", []) for a in split_list(v, "\n")],
        issue=one("IS"),
        article_number=one("C7"),
        issn=f.get("SN", []),
    )


def _pmid(f: dict[str, list[str]]) -> str | None:
    an = (f.get("AN") or [""])[0]
    db = " ".join(f.get("DB", []) + f.get("DP", [])).lower()
    if an.lower().startswith("pmid") or "pubmed" in db or "medline" in db:
        return normalise_pmid(an)
    return None


def labelled_parts(abstract: str) -> list[Part]:
    """An abstract's parts: one per "Label: text" line when every line is one, else the whole text unlabelled."""
    lines = [line.strip() for line in abstract.split("\n") if line.strip()]
    if not lines:
        return []
    labelled = labelled_lines(lines)
    if labelled is None:
        return [Part(None, None, "".join(f"<p>{_plain(line)}</p>" for line in lines))]
    return [Part(label, None, _plain(text)) for label, text in labelled]


def labelled_lines(lines: list[str]) -> list[tuple[str | None, str]] | None:
    """(label, text) per line when there are two or more lines and each one opens with a label; else None."""
    if len(lines) < 2:
        return None
    out = []
    for line in lines:
        m = _LINE_LABEL_RE.match(line)
        if m is None:
            return None
        out.append((m.group(1), m.group(2)))
    return out


def _plain(text: str) -> str:
    """RIS is plain text: escape it so a "<" in it is never read as markup."""
    return html.escape(text, quote=False)
