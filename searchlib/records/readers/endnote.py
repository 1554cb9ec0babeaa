"""EndNote XML (``<xml><records><record>``, as EndNote, Zotero and Mendeley export a library): each reference as a
:class:`Record`.

Read: ``contributors/authors/author`` (each split as :mod:`._names` reads author fields, so an Embase field of
all names becomes one author each), ``titles/title``, the journal (``periodical/full-title``, else
``titles/secondary-title``, ``alt-periodical/full-title``, ``periodical/abbr-1``), ``volume``, ``pages``,
``dates/year`` with ``dates/pub-dates/date`` ("Mar 15"), the DOI in ``electronic-resource-num`` (else a doi.org
link among ``urls``), ``accession-num`` as the PMID when the record came from PubMed (``remote-database-name``)
or names no database and the number has a PMID's form (:func:`._fields.accession_pmid`), a ``PMC`` id in
``custom1``-``custom7`` (where EndNote's PubMed import puts it), the first web link among ``urls/pdf-urls``, and
``abstract`` (one labelled section per line keeps those sections, as in RIS); the reference type
(``ref-type``'s name, "Journal Article") and ``work-type`` as publication types, ``keywords/keyword``,
``language``, ``isbn`` (an ISSN there), ``number`` or ``issue``, ``custom7`` (EndNote's "Article Number") and
``auth-address`` (a line per affiliation). Text is read whatever ``<style>`` elements wrap it. ``raw`` is
``{"xml": "<record>...</record>"}``, the record exactly as in the file.

Each ``<record>`` is parsed on its own, safely and with its line when it is damaged or never closed (:mod:`._xml`).

>>> xml = b'''<?xml version="1.0" encoding="UTF-8"?><xml><records><record>
... <ref-type name="Journal Article">17</ref-type>
... <contributors><authors><author><style face="normal" font="default" size="100%">Lamb, B.T.</style></author>
... </authors></contributors><titles><title><style face="normal">A trial</style></title>
... <secondary-title>J Tests</secondary-title></titles><volume>4</volume><number>2</number>
... <dates><year>2021</year><pub-dates><date>Mar 5</date></pub-dates></dates>
... <electronic-resource-num>https://doi.org/10.1/ABC</electronic-resource-num>
... </record></records></xml>'''
>>> [r] = read(xml, "library.xml")
>>> r.id, r.title, r.authors, r.journal, r.volume, r.date
('10.1/abc', 'A trial', ('B. T. Lamb',), 'J Tests', '4', '2021-03-05')
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ...errors import LoadError
from ..record import Record
from ._fields import accession_pmid, build_record, free_date, split_list, year_and_month
from ._names import split_authors
from ._xml import read_elements, text_of
from .ris import labelled_parts

_RECORD_RE = re.compile(rb"<(record)(?=[\s>/])")
_ROOT_RE = re.compile(rb"<(records)(?=[\s>])")
_ENCODING_RE = re.compile(rb"\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([\w.:-]+)")
_DOI_RE = re.compile(r"10\.\d[\d.]*/\S+")
_PMCID_RE = re.compile(r"\bPMC\d+\b")


def read(data: bytes, name: str) -> Iterator[Record | LoadError]:
    """Every reference in an EndNote XML file, or a :class:`LoadError` naming the line of each unreadable one."""
    declared = _ENCODING_RE.match(data)
    encoding = declared.group(1).decode().lower() if declared else "utf-8"
    if encoding not in ("utf-8", "utf8"):
        try:
            data = data.decode(encoding).encode("utf-8")
        except (LookupError, UnicodeDecodeError) as exc:
            raise LoadError(f"cannot read the file as {encoding}, its declared encoding ({exc})", name) from None
    return read_elements(data, _RECORD_RE, name, record_from_element, _ROOT_RE)


def record_from_element(record: ET.Element, xml_text: str) -> Record:
    """One ``<record>`` element as a :class:`Record`."""

    def text(*paths: str) -> str | None:
        return next((t for p in paths if (t := text_of(record.find(p)))), None)

    title = text("titles/title", "titles/translated-title", "titles/short-title")
    abstract = record.find("abstract")
    abstract_text = "".join(abstract.itertext()).replace("\r", "\n") if abstract is not None else ""
    return build_record(
        raw={"xml": xml_text},
        title=html.escape(title or "", quote=False),
        authors=[
            n for a in record.findall("contributors/authors/author") for n in split_authors(text_of(a) or "")
        ],
        parts=labelled_parts(abstract_text),
        doi=_doi(text("electronic-resource-num"), _urls(record, "urls//url")),
        pmid=accession_pmid(
            text("accession-num"), text("remote-database-name") or text("remote-database-provider")
        ),
        pmcid=next((m.group(0) for i in range(1, 8) if (m := _PMCID_RE.search(text(f"custom{i}") or ""))), None),
        journal=html.escape(
            text(
                "periodical/full-title", "titles/secondary-title", "alt-periodical/full-title", "periodical/abbr-1"
            )
            or "",
            quote=False,
        )
        or None,
        volume=text("volume"),
        pages=text("pages"),
        date=_date(text("dates/year"), text("dates/pub-dates/date")),
        pdf_url=next(iter(_urls(record, "urls/pdf-urls/url")), None),
        publication_types=[_ref_type(record.find("ref-type")), *split_list(text("work-type"))],
        languages=split_list(text("language"), ";,"),
        keywords=[k for e in record.findall("keywords/keyword") for k in split_list(text_of(e), ";")],
        affiliations=[a for e in record.findall("auth-address") for a in split_list(_lines(e), "\n")],
        issue=text("number", "issue"),
        article_number=number if (number := text("custom7")) and _ARTICLE_NUMBER_RE.fullmatch(number) else None,
        issn=text("isbn"),
    )


_ARTICLE_NUMBER_RE = re.compile(r"[A-Za-z]{0,2}\d+")


def _ref_type(element: ET.Element | None) -> str | None:
    """The reference type's name ("Journal Article"); EndNote writes its number as the text."""
    return element.get("name") if element is not None else None


def _lines(element: ET.Element) -> str:
    """An element's text with its line breaks (EndNote writes them as carriage returns)."""
    return "".join(element.itertext()).replace("\r", "\n")


def _urls(record: ET.Element, path: str) -> list[str]:
    """The web links at ``path`` (EndNote's ``internal-pdf://`` links are files on someone's computer)."""
    return [u for e in record.findall(path) if (u := text_of(e)) and u.lower().startswith(("http://", "https://"))]


def _doi(resource_number: str | None, urls: list[str]) -> str | None:
    """The DOI in ``electronic-resource-num`` ("10.1/x", "doi:10.1/x", "10.1/x [doi]"), else in a doi.org link."""
    for text in (resource_number or "", *(u for u in urls if "doi.org/" in u.lower())):
        if m := _DOI_RE.search(text):
            return m.group(0).rstrip(".;,")
    return None


def _date(year: str | None, pub_date: str | None) -> tuple[str | None, int | None]:
    y = free_date(year)[1]
    return year_and_month(y, pub_date) if y is not None else free_date(pub_date)
