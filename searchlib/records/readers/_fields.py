"""The parts every reader shares: names, dates and labelled abstract parts turned into :class:`Record` fields.

Each reader finds its source's title, authors, ids, date and abstract parts and hands them to
:func:`build_record`, so every format gives the same kind of record: the same author form ("Given Family"), the
same date form (ISO, as precise as the source), the same identity rule (:func:`.paper_id`) and
sections built the same way (the source's own labels and categories first, the section parser otherwise).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import LoadError
from ..markup import html_to_text
from ..record import Record, new_record, normalise_doi, normalise_pmcid, normalise_pmid, paper_id
from ..sections import CATEGORIES, Section, label_category
from ..vocabulary import Mesh, issn, language_name, publication_type, unique


@dataclass(frozen=True, slots=True)
class Part:
    """One labelled part of an abstract as the source gives it: label, the source's category, HTML text."""

    label: str | None
    category: str | None
    html: str


#: Our own ids as RIS ``ID`` or BibTeX ``id`` carry them: ``pmid:1``, ``s2:abc``, ``sha1:...``. A bare value there
#: is a record number local to someone's library, which would collide across files, so it is not used.
OWN_ID_RE = re.compile(r"^[a-z][a-z0-9]*:\S+$")

# NLM's categories (PubMed's NlmCategory) as ours; UNASSIGNED means "use the label".
_NLM_CATEGORIES = {
    "BACKGROUND": "background",
    "OBJECTIVE": "objective",
    "METHODS": "methods",
    "RESULTS": "results",
    "CONCLUSIONS": "conclusions",
}


def nlm_category(value: str | None) -> str | None:
    """Our category for an NLM category name (``"OBJECTIVE"`` -> ``"objective"``); None when it says nothing."""
    return _NLM_CATEGORIES.get((value or "").strip().upper())


def sections_from_parts(parts: Sequence[Part]) -> tuple[tuple[Section, ...] | None, str]:
    """Sections and abstract HTML from labelled parts. Unlabelled parts are left to the section parser: sections
    None, for :func:`~searchlib.records.record.new_record` (which parses them, now or when first read).

    A source that labels its parts (PubMed's ``Label``) is trusted; one that gives a single unlabelled part may
    still carry its labels inline ("BACKGROUND: ..."), which :func:`parse_abstract` finds.
    """
    parts = [p for p in parts if html_to_text(p.html) or p.label]
    if not parts:
        return (), ""
    if not any(p.label for p in parts):
        body = "".join(
            p.html.strip() if p.html.lstrip().startswith("<") else f"<p>{p.html.strip()}</p>" for p in parts
        )
        return None, body
    sections = []
    for p in parts:
        label = " ".join(html_to_text(p.label).split()).rstrip(":") if p.label else None
        text = html_to_text(p.html)
        if label and label.upper() == "UNLABELLED":
            label = None
        category = p.category if p.category in CATEGORIES else None
        category = category or (label_category(label) if label else "other")
        if text:
            sections.append(Section(label, category, text))
    return tuple(sections), sections_html(sections, [p.html for p in parts if html_to_text(p.html)])


def sections_html(sections: Iterable[Section], bodies: Sequence[str] | None = None) -> str:
    """The seed's HTML form of sections: ``<p><strong>Label: </strong>text</p>``; ``bodies`` keeps markup.

    >>> sections_html([Section("Methods", "methods", "We asked 3 < 4.")])
    '<p><strong>Methods: </strong>We asked 3 &lt; 4.</p>'
    """
    out = []
    for i, s in enumerate(sections):
        body = bodies[i].strip() if bodies is not None else html.escape(s.text, quote=False)
        label = f"<strong>{html.escape(s.label, quote=False)}: </strong>" if s.label else ""
        out.append(f"<p>{label}{body}</p>")
    return "".join(out)


def person(given: object, family: object) -> str:
    """A name as "Given Family", white space collapsed; either part may be missing.

    >>> person(" Catherine C", "Lerro"), person(None, "WHO Collaborators")
    ('Catherine C Lerro', 'WHO Collaborators')
    """
    parts = [p for p in (given, family) if isinstance(p, str) and p.strip()]
    return " ".join(" ".join(parts).split())


def inverted_name(name: str) -> str:
    """ "Family, Given" (RIS, BibTeX, MEDLINE's FAU) as "Given Family"; other forms unchanged.

    >>> inverted_name("Beane Freeman, Laura E"), inverted_name("Lerro CC"), inverted_name("Smith, Jr., John")
    ('Laura E Beane Freeman', 'Lerro CC', 'John Smith Jr.')
    """
    pieces = [p.strip() for p in name.split(",")]
    if len(pieces) == 2 and all(pieces):
        return person(pieces[1], pieces[0])
    if len(pieces) == 3 and all(pieces):  # "von Last, Jr, First" (BibTeX)
        return person(pieces[2], f"{pieces[0]} {pieces[1]}")
    return " ".join(name.split())


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}


def month_number(value: object) -> int | None:
    """1-12 from a number or a month name ("Feb", "February", "02"); None when it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= 12 else None
    if not isinstance(value, str):
        return None
    v = value.strip().lower()
    if v.isascii() and v.isdigit():  # not "²", which isdigit() accepts and int() refuses
        return int(v) if 1 <= int(v) <= 12 else None
    return _MONTHS.get(v[:3]) if v[:3] in _MONTHS else _SEASONS.get(v)


def iso_date(year: object, month: object = None, day: object = None) -> tuple[str | None, int | None]:
    """(ISO date as precise as the parts allow, year) from year, month and day in any common form.

    >>> iso_date("2018", "Feb"), iso_date(2024, 12, 31), iso_date("2007"), iso_date("n.d.")
    (('2018-02', 2018), ('2024-12-31', 2024), ('2007', 2007), (None, None))
    """
    y = year if isinstance(year, int) and not isinstance(year, bool) else None
    if isinstance(year, str) and re.fullmatch(r"\s*\d{4}\s*", year):
        y = int(year)
    if y is None or not 1000 <= y <= 2999:
        return None, None
    m = month_number(month)
    if m is None:
        return str(y), y
    d = day if isinstance(day, int) and not isinstance(day, bool) else None
    if isinstance(day, str) and day.strip().isascii() and day.strip().isdigit():
        d = int(day)
    if d is None or not 1 <= d <= 31:
        return f"{y}-{m:02d}", y
    return f"{y}-{m:02d}-{d:02d}", y


_FREE_DATE_RE = re.compile(r"(\d{4})(?:[-/ ]+([A-Za-z]+|\d{1,2})(?:[-/ ]+(\d{1,2}))?)?")


def free_date(text: object) -> tuple[str | None, int | None]:
    """Date from free text: "2018 Feb 15", "2018/02/15/", "2018-02", "2007 Jan-Feb" (the first month).

    >>> free_date("2018 Feb 15"), free_date("2018/02//"), free_date("2007 Jan-Feb")
    (('2018-02-15', 2018), ('2018-02', 2018), ('2007-01', 2007))
    """
    if not isinstance(text, str) or not (m := _FREE_DATE_RE.search(text)):
        return None, None
    return iso_date(m.group(1), m.group(2), m.group(3))


def year_and_month(year: object, text: object) -> tuple[str | None, int | None]:
    """Date from a year and the month (and day) its source gives apart: Web of Science's ``PD`` ("JAN 15"),
    EndNote's ``<pub-dates>`` ("Mar", "15 March"), a "Published Month" column ("Mar", "3"). A text that holds
    a year of its own ("2019 Mar 5") is read whole when the year agrees.

    >>> year_and_month("2019", "JAN 15"), year_and_month(2019, "3"), year_and_month("2019", "2019 Dec 2")
    (('2019-01-15', 2019), ('2019-03', 2019), ('2019-12-02', 2019))
    """
    words = re.findall(r"[^\W_]+", text) if isinstance(text, str) else []
    whole = free_date(text)
    if whole[1] is not None and str(whole[1]) == str(year).strip():
        return whole
    if len(words) == 1 and words[0].isdigit():
        return iso_date(year, words[0])
    month = next((w for w in words if not w.isdigit() and month_number(w)), None)
    day = next((w for w in words if w.isdigit() and len(w) <= 2), None) if month else None
    return iso_date(year, month, day)


def accession_pmid(number: object, database: object = None) -> str | None:
    """The PMID an accession number is, when its record came from PubMed or MEDLINE, or names no database and
    the number has a PMID's form (1-8 digits: Embase's have 10 or start with "L", Web of Science's "WOS:").

    >>> accession_pmid("35319117"), accession_pmid("35319117", "Embase"), accession_pmid("2014567890")
    ('35319117', None, None)
    """
    if not isinstance(number, str):
        return None
    where = database.lower() if isinstance(database, str) else ""
    if where and "pubmed" not in where and "medline" not in where:
        return None
    return normalise_pmid(number) if re.fullmatch(r"\s*(?:pmid:?\s*)?\d{1,8}\s*", number, re.IGNORECASE) else None


def clean(value: object) -> str | None:
    """A string stripped, white space collapsed, blank as None; numbers as text; anything else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def name_text(name: str) -> str:
    """An author's name with white space collapsed, in Unicode's composed form (NFC), as
    :func:`~searchlib.records.markup.html_to_text` gives text."""
    return unicodedata.normalize("NFC", " ".join(name.split()))


def build_record(
    *,
    raw: Mapping[str, Any],
    title: str | None,
    authors: Iterable[str] = (),
    parts: Sequence[Part] = (),
    doi: object = None,
    pmid: object = None,
    pmcid: object = None,
    source_id: str | None = None,
    journal: object = None,
    volume: object = None,
    pages: object = None,
    date: tuple[str | None, int | None] = (None, None),
    pdf_url: object = None,
    mesh: Iterable[Mesh | None] = (),
    publication_types: Iterable[str | None] = (),
    languages: Iterable[str | None] = (),
    keywords: Iterable[str | None] = (),
    affiliations: Iterable[str | None] = (),
    issue: object = None,
    article_number: object = None,
    issn: Iterable[str | None] | str | None = None,
) -> Record:
    """A :class:`Record` from the fields a reader found. Raises :class:`LoadError` for a record with nothing in it.

    ``title`` may hold markup; ``parts`` are the abstract's labelled parts (HTML); ids are normalised here, and
    PubMed's fields too: publication types and languages as :mod:`~searchlib.records.vocabulary` names them,
    lists without repeats, the first well-formed ISSN of those given.
    """
    title_text = html_to_text(title or "")
    names = tuple(n for n in (name_text(a) for a in authors) if n)
    doi_n, pmid_n, pmcid_n = normalise_doi(doi), normalise_pmid(pmid), normalise_pmcid(pmcid)
    sections, abstract_html = sections_from_parts(parts)
    iso, year = date
    return new_record(
        sections=sections,
        named=bool(title_text or doi_n or pmid_n or pmcid_n or source_id),
        id=paper_id(doi_n, pmid_n, pmcid_n, source_id, title=title_text, authors=names, year=year),
        doi=doi_n,
        title=title_text,
        authors=names,
        journal=clean(html_to_text(journal)) if isinstance(journal, str) else None,
        volume=clean(volume),
        pages=clean(pages),
        date=iso,
        year=year,
        abstract_html=abstract_html,
        pdf_url=clean(pdf_url),
        pmid=pmid_n,
        pmcid=pmcid_n,
        raw=raw,
        mesh=tuple(dict.fromkeys(m for m in mesh if m is not None)),
        publication_types=tuple(unique(publication_type(t) for t in publication_types)),
        languages=tuple(unique(language_name(v) for v in languages)),
        keywords=tuple(unique(html_to_text(k) for k in keywords if k)),
        affiliations=tuple(unique(affiliations)),
        issue=clean(issue),
        article_number=clean(article_number),
        issn=first_issn([issn] if isinstance(issn, str) or issn is None else issn),
    )


def first_issn(values: Iterable[str | None]) -> str | None:
    """The first ISSN among ``values`` (:func:`~searchlib.records.vocabulary.issn`)."""
    return next((found for v in values if (found := issn(v))), None)


def split_list(value: str | None, separators: str = ";") -> list[str]:
    """One cell or field holding several values ("asthma; children"), as those values.

    >>> split_list("asthma;  children ;"), split_list("a, b | c", ",|")
    (['asthma', 'children'], ['a', 'b', 'c'])
    """
    if not value:
        return []
    return [p for p in (" ".join(part.split()) for part in re.split(f"[{re.escape(separators)}]", value)) if p]


def opt_str(obj: Mapping[str, Any], key: str, *, numbers: bool = False) -> str | None:
    """``obj[key]`` when it is a string (with ``numbers``, a number too, as text) or absent; a :class:`LoadError`
    naming the key and what it holds when it is anything else, so a wrong shape is reported, not guessed at.

    >>> opt_str({"volume": 12}, "volume", numbers=True), opt_str({}, "title")
    ('12', None)
    """
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise LoadError(f"'{key}' should be a string, not {type_name(value)}")


def type_name(value: object) -> str:
    """What a JSON value is, as an error message names it ("an object", "a list", "null", ...)."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def opt_object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``obj[key]`` when it is an object, else an empty one: a part missing or of another type adds nothing."""
    value = obj.get(key)
    return value if isinstance(value, Mapping) else {}


Block = tuple[int, dict[str, list[str]], "str | None"]


def records_from_blocks(
    blocks: Iterable[Block], name: str, build: Callable[[dict[str, list[str]]], Record]
) -> Iterator[Record | LoadError]:
    """Records of a tagged text format (RIS, MEDLINE) from its blocks: (first line, {tag: values}, problem).

    A block with a problem, or one ``build`` rejects, becomes a :class:`LoadError` at the block's first line.
    """
    for line, fields, problem in blocks:
        if problem:
            yield LoadError(problem, name, line)
            continue
        try:
            yield build(fields)
        except LoadError as exc:
            yield LoadError(exc.reason, name, line)


def decode_text(data: bytes) -> str:
    """Text of a text format (RIS, MEDLINE, BibTeX): UTF-8, or Windows-1252 for files that are not UTF-8.

    Older EndNote and Reference Manager exports are Windows-1252; reading them as such keeps every accented
    name instead of rejecting the file. A UTF-8 file with a few bytes that are not (more letters beyond ASCII
    read right as UTF-8 than bytes that fail) is still UTF-8, each bad byte read as U+FFFD, rather than every
    accent garbled. Line ends are normalised to ``\\n``.

    >>> decode_text("Müller, Jörg ".encode() + b"\\xe9"), decode_text("Müller".encode("cp1252"))
    ('Müller, Jörg \ufffd', 'Müller')
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        loose = data.decode("utf-8", errors="replace")
        failed = loose.count("\ufffd")
        read = sum(1 for c in loose if c > "\x7f") - failed
        text = loose if read > failed else data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")
