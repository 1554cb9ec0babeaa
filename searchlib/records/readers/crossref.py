"""Crossref works (REST API ``/works``): one work object as a :class:`Record`.

Read besides the title, authors, ids, journal, volume, pages and dates: ``type`` (the publication type:
``journal-article``, ``posted-content`` a preprint), ``issue``, ``article-number``, ``ISSN``, ``language`` and
the authors' ``affiliation`` names. ``subject`` is left out: it names the journal's fields, not the paper's.

The abstract is JATS (``<jats:sec><jats:title>Methods</jats:title><jats:p>...``), kept as given in
``abstract_html`` and split into sections by its own ``<jats:title>`` headings (the section parser reads JATS).
Envelopes (``{"message": {...}}``, ``{"message": {"items": [...]}}``) are opened by :mod:`.seed`.

>>> r = record_from_work({"DOI": "10.1/ABC", "title": ["A <i>trial</i>"],
...     "author": [{"given": "Ann", "family": "Lee"}],
...     "container-title": ["J Tests"], "issued": {"date-parts": [[2021, 3]]},
...     "abstract": "<jats:sec><jats:title>Methods</jats:title><jats:p>We tried.</jats:p></jats:sec>"})
>>> r.id, r.title, r.authors, r.date, [(s.label, s.category) for s in r.sections]
('10.1/abc', 'A trial', ('Ann Lee',), '2021-03', [('Methods', 'methods')])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import LoadError
from ..record import Record
from ._fields import Part, build_record, clean, iso_date, opt_str, person

# Most specific first: the print date is what citations give, then online, then Crossref's summaries.
_DATE_KEYS = ("published-print", "published-online", "published", "issued", "posted", "created")


def record_from_work(work: Mapping[str, Any]) -> Record:
    """A Crossref work object as a :class:`Record`; ``raw`` is the work."""
    title = _first(work.get("title"), "title")
    abstract = opt_str(work, "abstract")
    return build_record(
        raw=work,
        title=title,
        authors=_authors(work.get("author")),
        parts=[Part(None, None, abstract)] if abstract else [],
        doi=opt_str(work, "DOI"),
        journal=_first(work.get("container-title"), "container-title"),
        volume=work.get("volume"),
        pages=work.get("page"),
        date=_date(work),
        pdf_url=_pdf_link(work.get("link")),
        publication_types=[work.get("type") if isinstance(work.get("type"), str) else None],
        languages=[opt_str(work, "language")],
        affiliations=_affiliations(work.get("author")),
        issue=work.get("issue"),
        article_number=work.get("article-number"),
        issn=_strings(work.get("ISSN")),
    )


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _affiliations(authors: object) -> list[str | None]:
    """Each author's affiliation names (``author[].affiliation[].name``), in order."""
    return [
        clean(a.get("name"))
        for author in (authors if isinstance(authors, list) else [])
        if isinstance(author, Mapping) and isinstance(author.get("affiliation"), list)
        for a in author["affiliation"]
        if isinstance(a, Mapping)
    ]


def _first(value: object, key: str) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if value is not None and not isinstance(value, str):
        raise LoadError(f"'{key}' should be a list of strings")
    return value


def _authors(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LoadError("'author' should be a list")
    names = []
    for a in value:
        if not isinstance(a, Mapping):
            raise LoadError("'author' holds an entry that is not an object")
        names.append(person(a.get("given"), a.get("family")) or clean(a.get("name")) or "")
    return names


def _date(work: Mapping[str, Any]) -> tuple[str | None, int | None]:
    for key in _DATE_KEYS:
        parts = work.get(key)
        parts = parts.get("date-parts") if isinstance(parts, Mapping) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] and parts[0][0]:
            first = [*parts[0], None, None]
            date = iso_date(first[0], first[1], first[2])
            if date[1] is not None:
                return date
    return None, None


def _pdf_link(value: object) -> str | None:
    if not isinstance(value, list):
        return None
    for link in value:
        if isinstance(link, Mapping) and link.get("content-type") == "application/pdf":
            return clean(link.get("URL"))
    return None
