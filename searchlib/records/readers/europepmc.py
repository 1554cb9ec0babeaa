"""Europe PMC search results (REST ``/search``, ``resultType=core``): one result as a :class:`Record`.

Europe PMC marks sections of ``abstractText`` with ``<h4>Label</h4>`` headings, which the section parser reads.
Read besides the title, authors, ids, journal, volume, pages and dates: ``issue`` and the journal's ``issn``,
``language``, ``pubTypeList``, ``keywordList``, ``meshHeadingList`` (headings, qualifiers, major-topic flags)
and the authors' affiliations (``affiliation``, and each author's ``authorAffiliationDetailsList``).
A result's own id is kept as ``epmc:<source>:<id>`` (``epmc:PPR:PPR123456``) for papers with no DOI, PMID or
PMCID, since Europe PMC ids are unique only within a source (MED, PMC, PPR, AGR, ...). Envelopes
(``{"resultList": {"result": [...]}}``) are opened by :mod:`.seed`.

>>> r = record_from_result({"id": "123", "source": "MED", "pmid": "123", "title": "T",
...     "authorList": {"author": [{"firstName": "Jonathan D", "lastName": "Schoenfeld"}]},
...     "abstractText": "<h4>Objective</h4>To test.<h4>Results</h4>It worked.",
...     "firstPublicationDate": "2025-12-01"})
>>> r.id, r.authors, [(s.label, s.category) for s in r.sections], r.date
('pmid:123', ('Jonathan D Schoenfeld',), [('Objective', 'objective'), ('Results', 'results')], '2025-12-01')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import LoadError
from ..record import Record
from ..vocabulary import Mesh, MeshQualifier
from ._fields import Part, build_record, clean, free_date, opt_object, opt_str, person


def record_from_result(result: Mapping[str, Any]) -> Record:
    """A Europe PMC search result as a :class:`Record`; ``raw`` is the result."""
    abstract, title = opt_str(result, "abstractText"), opt_str(result, "title")
    journal_info = opt_object(result, "journalInfo")
    journal = opt_object(journal_info, "journal")
    source, own_id = clean(result.get("source")), clean(result.get("id"))
    return build_record(
        raw=result,
        title=title,
        authors=_authors(result),
        parts=[Part(None, None, abstract)] if abstract else [],
        doi=opt_str(result, "doi"),
        pmid=result.get("pmid"),
        pmcid=result.get("pmcid"),
        source_id=f"epmc:{source or '?'}:{own_id}" if own_id else None,
        journal=journal.get("title") or journal.get("isoabbreviation"),
        volume=journal_info.get("volume"),
        pages=result.get("pageInfo"),
        date=_date(result, journal_info),
        pdf_url=_pdf_url(result.get("fullTextUrlList")),
        mesh=[_mesh(h) for h in _listed(result, "meshHeadingList", "meshHeading")],
        publication_types=_listed(result, "pubTypeList", "pubType"),
        languages=[clean(result.get("language"))],
        keywords=_listed(result, "keywordList", "keyword"),
        affiliations=[clean(result.get("affiliation")), *_author_affiliations(result)],
        issue=journal_info.get("issue"),
        issn=[clean(journal.get("issn")), clean(journal.get("essn"))],
    )


def _listed(result: Mapping[str, Any], outer: str, inner: str) -> list[Any]:
    """Europe PMC's lists, ``{"keywordList": {"keyword": [...]}}``; a list of anything else, or none, as []."""
    value = opt_object(result, outer).get(inner)
    return value if isinstance(value, list) else []


def _mesh(heading: object) -> Mesh | None:
    if not isinstance(heading, Mapping) or not (name := clean(heading.get("descriptorName"))):
        return None
    qualifiers = tuple(
        MeshQualifier(q_name, q.get("majorTopic_YN") == "Y")
        for q in _listed(heading, "meshQualifierList", "meshQualifier")
        if isinstance(q, Mapping) and (q_name := clean(q.get("qualifierName")))
    )
    return Mesh(name, heading.get("majorTopic_YN") == "Y", qualifiers)


def _author_affiliations(result: Mapping[str, Any]) -> list[str | None]:
    authors = opt_object(result, "authorList").get("author")
    return [
        clean(detail.get("affiliation"))
        for a in (authors if isinstance(authors, list) else [])
        if isinstance(a, Mapping)
        for detail in _listed(a, "authorAffiliationDetailsList", "authorAffiliation")
        if isinstance(detail, Mapping)
    ]


def _authors(result: Mapping[str, Any]) -> list[str]:
    author_list = result.get("authorList")
    authors = author_list.get("author") if isinstance(author_list, Mapping) else None
    if isinstance(authors, list):
        names = []
        for a in authors:
            if not isinstance(a, Mapping):
                raise LoadError("'authorList.author' holds an entry that is not an object")
            names.append(
                person(a.get("firstName") or a.get("initials"), a.get("lastName"))
                or clean(a.get("collectiveName"))
                or clean(a.get("fullName"))
                or ""
            )
        return names
    text = result.get("authorString")
    return [n for n in text.rstrip(".").split(", ")] if isinstance(text, str) else []


def _date(result: Mapping[str, Any], journal_info: Mapping[str, Any]) -> tuple[str | None, int | None]:
    for value in (result.get("firstPublicationDate"), journal_info.get("printPublicationDate")):
        date = free_date(value)
        if date[1] is not None:
            return date
    return free_date(str(result.get("pubYear") or journal_info.get("yearOfPublication") or ""))


def _pdf_url(value: object) -> str | None:
    urls = value.get("fullTextUrl") if isinstance(value, Mapping) else None
    for u in urls if isinstance(urls, list) else ():
        if isinstance(u, Mapping) and u.get("documentStyle") == "pdf" and u.get("availabilityCode") in ("OA", "F"):
            return clean(u.get("url"))
    return None
