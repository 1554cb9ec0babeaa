"""PubMed XML (efetch ``PubmedArticleSet``, and MEDLINE baseline ``MedlineCitationSet``): each article as a Record.

Sections come from the abstract's own structure: one ``AbstractText`` per section, its ``Label`` as the label and
its ``NlmCategory`` as the category (``UNASSIGNED`` or none: the category of the label). A single unlabelled
``AbstractText`` goes through the section parser, which finds inline labels. Inline markup (``<i>``, ``<sub>``,
MathML) stays in ``abstract_html`` and is plain text in the sections.

Each article is parsed on its own (split at ``<PubmedArticle>``, ``<PubmedBookArticle>`` or, in MEDLINE
baseline files, ``<MedlineCitation>``), safely and with the line of each damaged or unclosed one (:mod:`._xml`).
``raw`` is ``{"xml": "<PubmedArticle>...</PubmedArticle>"}``: the article's XML text exactly as in the file, which
any XML tool can read again.

>>> xml = b'''<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
... <ArticleTitle>A trial</ArticleTitle><Abstract>
... <AbstractText Label="AIMS" NlmCategory="OBJECTIVE">To test.</AbstractText>
... <AbstractText Label="FINDINGS" NlmCategory="RESULTS">It <i>worked</i>.</AbstractText>
... </Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>'''
>>> [r] = read(xml, "x.xml")
>>> r.id, r.pmid, [(s.label, s.category, s.text) for s in r.sections]
('pmid:1', '1', [('AIMS', 'objective', 'To test.'), ('FINDINGS', 'results', 'It worked.')])
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ...errors import LoadError
from ..record import Record
from ..vocabulary import Mesh, MeshQualifier
from ._fields import Part, build_record, free_date, iso_date, nlm_category, person
from ._xml import read_elements
from ._xml import text_of as _text

ET.register_namespace("mml", "http://www.w3.org/1998/Math/MathML")
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

_ARTICLE_RE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)(?=[\s>/])")
_CITATION_RE = re.compile(rb"<(MedlineCitation)(?=[\s>/])")
_ROOT_RE = re.compile(rb"<(PubmedArticleSet|MedlineCitationSet)(?=[\s>])")


def read(data: bytes, name: str) -> Iterator[Record | LoadError]:
    """Every article in a PubMed XML file, or a :class:`LoadError` naming the line of each unreadable one."""
    opener = _ARTICLE_RE if _ARTICLE_RE.search(data) else _CITATION_RE
    return read_elements(data, opener, name, record_from_element, _ROOT_RE)


def record_from_element(article: ET.Element, xml_text: str | None = None) -> Record:
    """A ``PubmedArticle``, ``PubmedBookArticle`` or ``MedlineCitation`` element as a :class:`Record`."""
    citation = article if article.tag == "MedlineCitation" else article.find("MedlineCitation")
    book = article.find("BookDocument")
    root = citation if citation is not None else book
    if root is None:
        raise LoadError(f"<{article.tag}> has no MedlineCitation or BookDocument")
    art = root.find("Article")
    art = art if art is not None else root
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    ids = _article_ids(article, root)
    doi = ids.get("doi") or next(
        (e.text for e in art.findall("ELocationID") if e.get("EIdType") == "doi" and e.text), None
    )
    book_info = root.find("Book")
    pages = _text(art.find("Pagination/MedlinePgn"))
    return build_record(
        raw={"xml": xml_text if xml_text is not None else ET.tostring(article, encoding="unicode")},
        title=_inner(art.find("ArticleTitle"))
        or _inner(art.find("VernacularTitle"))
        or _inner(root.find("Book/BookTitle")),
        authors=_authors(art.find("AuthorList")),
        parts=_parts(art.find("Abstract") if art.find("Abstract") is not None else root.find("Abstract")),
        doi=doi,
        pmid=_text(root.find("PMID")) or ids.get("pubmed"),
        pmcid=ids.get("pmc"),
        journal=_text(journal.find("Title")) if journal is not None else _text(root.find("Book/BookTitle")),
        volume=_text(issue.find("Volume")) if issue is not None else None,
        pages=pages,
        date=_date(issue.find("PubDate") if issue is not None else None, art, book_info),
        mesh=[_mesh(h) for h in root.findall("MeshHeadingList/MeshHeading")],
        publication_types=[_text(t) for t in art.findall("PublicationTypeList/PublicationType")],
        languages=[_text(e) for e in (*art.findall("Language"), *root.findall("Language"))],
        keywords=[_text(k) for k in root.findall("KeywordList/Keyword")],
        affiliations=[_text(a) for a in art.iter("Affiliation")],
        issue=_text(issue.find("Issue")) if issue is not None else None,
        article_number=article_number(
            pages, [e.text or "" for e in art.findall("ELocationID") if e.get("EIdType") == "pii"]
        ),
        issn=[
            _text(e)
            for e in (*(journal.findall("ISSN") if journal is not None else ()), root.find("ISSNLinking"))
            if e is not None
        ],
    )


def _issns(journal: ET.Element | None, root: ET.Element) -> list[ET.Element]:
    """The journal's ISSNs (print, electronic), then the one NLM links its issues by."""
    return [
        *(journal.findall("ISSN") if journal is not None else []),
        *root.findall("MedlineJournalInfo/ISSNLinking"),
    ]


def article_number(pages: str | None, piis: list[str]) -> str | None:
    """An electronic article's number: PubMed's ``pii`` location when the article has no page range (or its
    "pages" are that number, ``e0178437``), and the pii is a number, not a publisher's item id
    (``S0140-6736(20)30183-5``).

    >>> article_number("e0178437", ["e0178437"]), article_number("79-89", ["oemed-2017-104431"])
    ('e0178437', None)
    """
    for pii in (p.strip() for p in piis):
        if re.fullmatch(r"[A-Za-z]{0,2}\d+", pii) and (not pages or pages.strip() == pii):
            return pii
    return None


def _mesh(heading: ET.Element) -> Mesh | None:
    descriptor = heading.find("DescriptorName")
    name = _text(descriptor)
    if descriptor is None or not name:
        return None
    qualifiers = tuple(
        MeshQualifier(q_name, q.get("MajorTopicYN") == "Y")
        for q in heading.findall("QualifierName")
        if (q_name := _text(q))
    )
    return Mesh(name, descriptor.get("MajorTopicYN") == "Y", qualifiers)


def _inner(element: ET.Element | None) -> str:
    """The element's content as XML text (inline markup kept; markup stripping happens later)."""
    if element is None:
        return ""
    inner = [_escape(element.text or "")]
    for child in element:
        inner.append(ET.tostring(child, encoding="unicode"))  # includes the child's tail
    return "".join(inner)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _article_ids(article: ET.Element, root: ET.Element) -> dict[str, str]:
    """The paper's own ids (PubmedData/ArticleIdList, not the ids of the papers it cites)."""
    ids: dict[str, str] = {}
    for path in (
        "PubmedData/ArticleIdList/ArticleId",
        "PubmedBookData/ArticleIdList/ArticleId",
        "ArticleIdList/ArticleId",
    ):
        base = root if path.startswith("ArticleIdList") else article
        for e in base.findall(path):
            kind, value = e.get("IdType"), _text(e)
            if kind and value:
                ids.setdefault(kind, value)
    return ids


def _authors(author_list: ET.Element | None) -> list[str]:
    if author_list is None:
        return []
    names = []
    for a in author_list.findall("Author"):
        if a.get("ValidYN") == "N":
            continue
        name = person(_text(a.find("ForeName")) or _text(a.find("Initials")), _text(a.find("LastName")))
        names.append(name or _text(a.find("CollectiveName")) or "")
    return names


def _parts(abstract: ET.Element | None) -> list[Part]:
    if abstract is None:
        return []
    return [
        Part(t.get("Label"), nlm_category(t.get("NlmCategory")), _inner(t).strip())
        for t in abstract.findall("AbstractText")
    ]


def _date(pub_date: ET.Element | None, art: ET.Element, book: ET.Element | None) -> tuple[str | None, int | None]:
    for element in (pub_date, book.find("PubDate") if book is not None else None):
        if element is None:
            continue
        if element.find("Year") is not None:
            return iso_date(_text(element.find("Year")), _text(element.find("Month")), _text(element.find("Day")))
        if element.find("MedlineDate") is not None:
            return free_date(_text(element.find("MedlineDate")))
    electronic = art.find("ArticleDate")
    if electronic is not None:
        return iso_date(
            _text(electronic.find("Year")), _text(electronic.find("Month")), _text(electronic.find("Day"))
        )
    return None, None
