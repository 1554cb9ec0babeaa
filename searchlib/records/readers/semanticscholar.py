"""Semantic Scholar Graph API papers: one paper object as a :class:`Record`.

The abstract is plain text; its paragraphs (line breaks) become ``<p>`` and its sections are whatever inline
labels the section parser finds ("Background: ... Methods: ..."). ``externalIds`` gives the DOI, PMID and PMCID;
a paper with none of them keeps its own id as ``s2:<paperId>``. ``publicationTypes`` ("JournalArticle",
"Review", "Conference") are its publication types. Search and batch responses
(``{"data": [...]}`` and arrays with ``null`` for papers not found) are opened by :mod:`.seed`.

>>> r = record_from_paper({"paperId": "eb32", "externalIds": {"PubMed": "123", "PubMedCentral": "456"},
...     "title": "T", "abstract": "Background: Why. Methods: How.", "authors": [{"name": "A. Turing"}],
...     "year": 2019})
>>> r.id, r.pmcid, r.year, [s.category for s in r.sections]
('pmid:123', 'PMC456', 2019, ['background', 'methods'])
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from ...errors import LoadError
from ..record import Record
from ._fields import Part, build_record, clean, free_date, iso_date, opt_object, opt_str


def record_from_paper(paper: Mapping[str, Any]) -> Record:
    """A Semantic Scholar paper object as a :class:`Record`; ``raw`` is the paper."""
    ids = opt_object(paper, "externalIds")
    abstract, title = opt_str(paper, "abstract"), opt_str(paper, "title")
    authors = paper.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, Mapping) for a in authors):
        raise LoadError("'authors' should be a list of objects")
    journal = opt_object(paper, "journal")
    pmc = clean(ids.get("PubMedCentral"))
    pdf = paper.get("openAccessPdf")
    paper_id = clean(paper.get("paperId"))
    date = free_date(paper.get("publicationDate"))
    return build_record(
        raw=paper,
        title=html.escape(title or "", quote=False),  # plain text: a "<" in it is a character, not a tag
        authors=[clean(a.get("name")) or "" for a in authors],
        parts=[Part(None, None, html.escape(p, quote=False)) for p in (abstract or "").splitlines()],
        doi=opt_str(ids, "DOI"),
        pmid=ids.get("PubMed"),
        pmcid=f"PMC{pmc}" if pmc and pmc.isdigit() else pmc,
        source_id=f"s2:{paper_id}" if paper_id else None,
        journal=clean(journal.get("name")) or clean(paper.get("venue")),
        volume=journal.get("volume"),
        pages=journal.get("pages"),
        date=date if date[1] is not None else iso_date(paper.get("year")),
        pdf_url=pdf.get("url") if isinstance(pdf, Mapping) else None,
        publication_types=[t for t in types if isinstance(t, str)]
        if isinstance(types := paper.get("publicationTypes"), list)
        else [],
    )
