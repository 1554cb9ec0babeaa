"""MEDLINE text (PubMed's "Save as PubMed format", ``.nbib``): each citation as a :class:`Record`.

A citation is a block of ``TAG - value`` lines (tags padded to four characters, continuation lines indented six
spaces) starting at ``PMID-``; blank lines separate citations. Read: PMID, TI, AB, FAU (or AU), JT (or TA), VI,
IP (issue), PG, DP, LID/AID ``... [doi]`` (and ``[pii]``, an electronic article's number where there are no
pages), PMC, IS (ISSN), MH (MeSH headings, ``*Asthma/drug therapy``), PT, LA, OT (keywords) and AD. MEDLINE
text writes a structured abstract as one paragraph with its labels inline ("BACKGROUND: ... METHODS: ..."), so
sections come from the section parser; the categories NLM gives in XML are not in this format.
``raw`` is ``{tag: [values]}`` in file order.

>>> text = b'''PMID- 28775130
... TI  - Occupational pesticide exposure and subclinical hypothyroidism among male pesticide
...       applicators.
... AB  - OBJECTIVES: Animal studies suggest effects. METHODS: We measured TSH.
... FAU - Lerro, Catherine C
... DP  - 2018 Feb
... LID - 10.1136/oemed-2017-104431 [doi]
... '''
>>> [r] = read(text, "x.nbib")
>>> r.id, r.pmid, r.authors, r.date, [s.category for s in r.sections]
('10.1136/oemed-2017-104431', '28775130', ('Catherine C Lerro',), '2018-02', ['objective', 'methods'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...errors import LoadError
from ..record import Record
from ..vocabulary import Mesh
from ._fields import Part, build_record, decode_text, free_date, inverted_name, records_from_blocks
from .pubmed import article_number

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9]{0,3}) {0,3}- ?(.*)$")
_ID_RE = re.compile(r"^(\S+)\s*\[(\w+)\]\s*$")


def read(data: bytes, name: str) -> Iterator[Record | LoadError]:
    """Every citation in a MEDLINE file, or a :class:`LoadError` naming the line of each unreadable one."""
    return records_from_blocks(_citations(decode_text(data)), name, _record)


def _citations(text: str) -> Iterator[tuple[int, dict[str, list[str]], str | None]]:
    """(first line, {tag: values}, problem) per citation; a problem is a line neither tag nor continuation."""
    fields: dict[str, list[str]] = {}
    start, last, problem = 0, None, None
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if fields or problem:
                yield start, fields, problem
            fields, start, last, problem = {}, 0, None, None
            continue
        m = _TAG_RE.match(line)
        if m and not line.startswith(" "):
            if not fields and not problem:
                start = n
            last = m.group(1)
            fields.setdefault(last, []).append(m.group(2).strip())
        elif line.startswith(" ") and last is not None:
            fields[last][-1] = f"{fields[last][-1]} {line.strip()}"
        elif problem is None:
            start = start or n
            problem = (
                f"line {n} is neither a 'TAG - value' line nor an indented continuation: {line.strip()[:40]!r}"
            )
    if fields or problem:
        yield start, fields, problem


def _record(f: dict[str, list[str]]) -> Record:
    def one(tag: str) -> str | None:
        return f[tag][0] if f.get(tag) else None

    ids = {
        kind.lower(): value
        for v in f.get("LID", []) + f.get("AID", [])
        if (m := _ID_RE.match(v))
        for value, kind in [m.groups()]
    }
    if "PMID" not in f and not f.get("TI"):
        raise LoadError(f"a citation without PMID or TI (tags: {', '.join(list(f)[:6])})")
    authors = f.get("FAU") or f.get("AU") or []
    return build_record(
        raw=f,
        title=_plain(one("TI") or one("BTI") or ""),
        authors=[inverted_name(a) for a in authors] + f.get("CN", []),
        parts=[Part(None, None, _plain(one("AB") or ""))] if one("AB") else [],
        doi=ids.get("doi"),
        pmid=one("PMID"),
        pmcid=one("PMC") or ids.get("pmc"),
        journal=one("JT") or one("TA"),
        volume=one("VI"),
        pages=one("PG"),
        date=free_date(one("DP")),
        mesh=[Mesh.parse(h) for h in f.get("MH", [])],
        publication_types=f.get("PT", []),
        languages=f.get("LA", []),
        keywords=f.get("OT", []),
        affiliations=f.get("AD", []),
        issue=one("IP"),
        article_number=article_number(
            one("PG"),
            [
                m.group(1)
                for v in f.get("LID", []) + f.get("AID", [])
                if (m := _ID_RE.match(v)) and m.group(2) == "pii"
            ],
        ),
        issn=f.get("IS", []),
    )


def _plain(text: str) -> str:
    """MEDLINE text is plain: escape it so a "<" in it is never read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
