"""PubMed's own fields as every source writes them: MeSH headings, publication types and languages.

Each has one form on a :class:`~searchlib.records.Record`, whatever the source, so that a search, a facet or a
filter treats a PubMed record and a Scopus or Zotero copy alike:

- a MeSH heading is a :class:`Mesh`: the heading, whether it is a major topic, and its qualifiers (subheadings),
  each with its own major-topic flag; :meth:`Mesh.parse` reads MEDLINE's ``*Asthma/drug therapy`` form and
  ``str()`` writes it;
- a publication type is PubMed's name for it (:func:`publication_type`): "Journal Article", "Review",
  "Preprint"; the codes of other sources (RIS ``JOUR``, BibTeX ``inproceedings``, Zotero ``journalArticle``,
  Scopus "Article", Crossref ``posted-content``) become those names, and a name no table knows is kept as given;
- a language is its English name (:func:`language_name`): ``eng``, ``en``, ``EN-us`` and ``English`` are all
  "English"; a language no table knows is kept as given.

Values are matched by :func:`value_key`: their words, case and accents folded, punctuation ignored, so a search
matches a value whole ("Humans" is not "Humanities").

>>> m = Mesh.parse("*Asthma/drug therapy/*epidemiology")
>>> m.heading, m.major, [(q.name, q.major) for q in m.qualifiers], str(m)
('Asthma', True, [('drug therapy', False), ('epidemiology', True)], '*Asthma/drug therapy/*epidemiology')
>>> publication_type("JOUR"), language_name("eng"), value_key("Research Support, Non-U.S. Gov't")
('Journal Article', 'English', 'research support non u s gov t')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MeshQualifier:
    """A MeSH qualifier (subheading) of a heading: ``drug therapy`` in ``Asthma/drug therapy``."""

    name: str
    major: bool = False


@dataclass(frozen=True)
class Mesh:
    """A MeSH heading as indexed for a paper, with its qualifiers; ``major``: a major topic of the paper.

    >>> str(Mesh("Asthma", qualifiers=(MeshQualifier("drug therapy", major=True),)))
    'Asthma/*drug therapy'
    """

    heading: str
    major: bool = False
    qualifiers: tuple[MeshQualifier, ...] = ()

    def __repr__(self) -> str:
        return f"Mesh({str(self)!r})"

    def __str__(self) -> str:
        parts = [("*" if self.major else "") + self.heading]
        parts += [("*" if q.major else "") + q.name for q in self.qualifiers]
        return "/".join(parts)

    @property
    def is_major(self) -> bool:
        """A major topic, as PubMed's ``[majr]`` reads it: the heading starred, or one of its qualifiers."""
        return self.major or any(q.major for q in self.qualifiers)

    @classmethod
    def parse(cls, text: str) -> Mesh | None:
        """A heading in MEDLINE's form (``MH`` lines, EndNote and Zotero keywords): ``*Asthma/*drug therapy``;
        None for text with no heading."""
        heading, *qualifiers = (" ".join(p.split()) for p in text.split("/"))
        name = heading.lstrip("*").strip()
        if not name:
            return None
        kept = tuple(MeshQualifier(q.lstrip("*").strip(), q.startswith("*")) for q in qualifiers if q.strip("* "))
        return cls(name, heading.startswith("*"), kept)


def mesh_keys(mesh: Iterable[Mesh]) -> tuple[list[str], list[str], list[str]]:
    """What a paper's headings are searched under: every heading and ``heading/qualifier`` pair (``[mh]``),
    those that are major topics (``[majr]``: a pair when the heading or that qualifier is starred) and the
    qualifiers (``[sh]``), each as :func:`value_key` makes it.

    >>> every, major, qualifiers = mesh_keys([Mesh.parse("Asthma/*drug therapy/genetics")])
    >>> every
    ['asthma', 'asthma/drug therapy', 'asthma/genetics']
    >>> major, qualifiers
    (['asthma', 'asthma/drug therapy'], ['drug therapy', 'genetics'])
    """
    every: list[str] = []
    major: list[str] = []
    qualifiers: list[str] = []
    for m in mesh:
        heading = value_key(m.heading)
        if not heading:
            continue
        every.append(heading)
        if m.is_major:
            major.append(heading)
        for q in m.qualifiers:
            name = value_key(q.name)
            if not name:
                continue
            every.append(f"{heading}/{name}")
            qualifiers.append(name)
            if m.major or q.major:
                major.append(f"{heading}/{name}")
    return every, major, qualifiers


_WORD = re.compile(r"[^\W_]+")


def value_key(text: str) -> str:
    """A value as it is matched: its words (runs of letters and digits), lower-case, accents folded, joined by
    single spaces. Punctuation and spacing do not count; every word does.

    >>> value_key("  Aged, 80 and over"), value_key("Gastroösophageal Reflux"), value_key("COVID-19")
    ('aged 80 and over', 'gastroosophageal reflux', 'covid 19')
    """
    return " ".join(_WORD.findall(folded(text)))


def folded(text: str) -> str:
    """Text lower-cased (``casefold``) with its accents dropped, every other character kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_ISSN_RE = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")


def issn(value: str | None) -> str | None:
    """The first ISSN in ``value``, as ``1234-567X`` ("20762615 (ISSN)", as Scopus writes it, included).

    >>> issn("20762615 (ISSN)"), issn("1351-0711; 1470-7926"), issn("ISBN 978-0-19-852663-6")
    ('2076-2615', '1351-0711', None)
    """
    m = _ISSN_RE.search(value) if value else None
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


# -- publication types ---------------------------------------------------------------------------------------

#: Other sources' names and codes for a type, by :func:`value_key`, as PubMed names it. RIS ``TY`` codes,
#: BibTeX entry types, Zotero item types, EndNote reference types, Scopus, Web of Science, Crossref and
#: Semantic Scholar document types.
_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("jour", "jfull", "ejour", "abst", "article", "journal article", "journalarticle", "journal-article",
         "electronic article", "article in press", "journal"),
        "Journal Article",
    ),
    **dict.fromkeys(("review", "review article", "short survey"), "Review"),
    **dict.fromkeys(("preprint", "posted content", "posted-content", "unpb", "inpr"), "Preprint"),
    **dict.fromkeys(
        ("conf", "cpaper", "conference paper", "conferencepaper", "conference proceedings", "proceedings paper",
         "proceedings article", "proceedings-article", "inproceedings", "conference", "conference review"),
        "Conference Paper",
    ),
    **dict.fromkeys(
        ("chap", "echap", "book section", "booksection", "book chapter", "book-chapter", "incollection", "inbook"),
        "Book Chapter",
    ),
    **dict.fromkeys(("book", "ebook", "edbook", "monograph"), "Book"),
    **dict.fromkeys(("thes", "thesis", "phdthesis", "mastersthesis", "dissertation"), "Thesis"),
    **dict.fromkeys(("rprt", "report", "techreport"), "Report"),
    **dict.fromkeys(("letter", "lettersandcomments", "letters and comments"), "Letter"),
    **dict.fromkeys(("editorial", "editorial material"), "Editorial"),
    **dict.fromkeys(("erratum", "correction", "published erratum"), "Published Erratum"),
    **dict.fromkeys(("case report", "casereport", "case reports"), "Case Reports"),
    **dict.fromkeys(("metaanalysis", "meta analysis"), "Meta-Analysis"),
    **dict.fromkeys(("clinicaltrial", "clinical trial"), "Clinical Trial"),
    "systematic review": "Systematic Review",
    "comment": "Comment",
}  # fmt: skip
#: Codes that say nothing of the type (RIS ``GEN``, BibTeX ``misc``, EndNote "Generic").
_NO_TYPE = frozenset({"gen", "generic", "misc", "other", "document", "unknown"})


def publication_type(value: object) -> str | None:
    """PubMed's name for a publication type any source writes (a name no table knows is kept, white space
    collapsed); None for an empty value or a code that says nothing ("GEN", "misc").

    >>> publication_type("inproceedings"), publication_type("posted-content"), publication_type("Twin Study")
    ('Conference Paper', 'Preprint', 'Twin Study')
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    key = value_key(text)
    if not key or key in _NO_TYPE:
        return None
    return _TYPES.get(key) or _TYPES.get(key.replace(" ", "")) or text


# -- languages -----------------------------------------------------------------------------------------------

#: English names of languages with their ISO 639-2 codes (bibliographic, as PubMed writes them, then the
#: terminology form where it differs) and ISO 639-1 codes (Zotero's "en", "de-DE").
_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("Afrikaans", "afr af"), ("Albanian", "alb sqi sq"), ("Amharic", "amh am"), ("Arabic", "ara ar"),
    ("Armenian", "arm hye hy"), ("Azerbaijani", "aze az"), ("Belarusian", "bel be"), ("Bengali", "ben bn"),
    ("Bosnian", "bos bs"), ("Bulgarian", "bul bg"), ("Catalan", "cat ca"), ("Chinese", "chi zho zh"),
    ("Croatian", "hrv scr hr"), ("Czech", "cze ces cs"), ("Danish", "dan da"), ("Dutch", "dut nld nl"),
    ("English", "eng en"), ("Esperanto", "epo eo"), ("Estonian", "est et"), ("Finnish", "fin fi"),
    ("French", "fre fra fr"), ("Georgian", "geo kat ka"), ("German", "ger deu de"), ("Greek", "gre ell el"),
    ("Hebrew", "heb he"), ("Hindi", "hin hi"), ("Hungarian", "hun hu"), ("Icelandic", "ice isl is"),
    ("Indonesian", "ind id"), ("Irish", "gle ga"), ("Italian", "ita it"), ("Japanese", "jpn ja"),
    ("Kinyarwanda", "kin rw"), ("Korean", "kor ko"), ("Latin", "lat la"), ("Latvian", "lav lv"),
    ("Lithuanian", "lit lt"), ("Macedonian", "mac mkd mk"), ("Malay", "may msa ms"), ("Malayalam", "mal ml"),
    ("Maori", "mao mri mi"), ("Norwegian", "nor no nb nn nob nno"), ("Persian", "per fas fa"),
    ("Polish", "pol pl"), ("Portuguese", "por pt"), ("Pushto", "pus ps"), ("Romanian", "rum ron ro"),
    ("Russian", "rus ru"), ("Sanskrit", "san sa"), ("Scottish Gaelic", "gla gd"), ("Serbian", "srp scc sr"),
    ("Slovak", "slo slk sk"), ("Slovenian", "slv sl"), ("Spanish", "spa es"), ("Swedish", "swe sv"),
    ("Thai", "tha th"), ("Turkish", "tur tr"), ("Ukrainian", "ukr uk"), ("Urdu", "urd ur"),
    ("Vietnamese", "vie vi"), ("Welsh", "wel cym cy"), ("Multiple Languages", "mul"),
    ("Undetermined", "und"),
)  # fmt: skip
_LANGUAGE_NAMES: dict[str, str] = {
    key: name for name, codes in _LANGUAGES for key in (value_key(name), *codes.split())
}
_LANGUAGE_NAMES.update({"greek modern": "Greek", "modern greek": "Greek", "castilian": "Spanish",
                        "farsi": "Persian", "rumanian": "Romanian", "flemish": "Dutch"})  # fmt: skip
_LOCALE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})+$")


def language_name(value: object) -> str | None:
    """A language's English name from its name or code, in any case: ``eng``, ``en``, ``en-US``, ``ENG`` and
    ``English`` all give "English". A language no table knows is kept as given; None for an empty value.

    >>> language_name("ger"), language_name("de-DE"), language_name("Français"), language_name("")
    ('German', 'German', 'Français', None)
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    key = value_key(text)
    if not key:
        return None
    found = _LANGUAGE_NAMES.get(key)
    if found is None and (m := _LOCALE.match(text.strip().lower())):
        found = _LANGUAGE_NAMES.get(m.group(1))
    return found or text


def languages_in(text: str | None) -> list[str]:
    """The languages a source names in one field ("English; French", "eng, fre"), each as
    :func:`language_name` gives it.

    >>> languages_in("English; French"), languages_in("eng")
    (['English', 'French'], ['English'])
    """
    return unique(language_name(part) for part in re.split(r"[;,/|]", text or ""))


def unique(values: Iterable[str | None]) -> list[str]:
    """The values that are not empty, white space collapsed, each once, in order (case counts)."""
    out: dict[str, None] = {}
    for v in values:
        if v and (text := " ".join(v.split())):
            out.setdefault(text, None)
    return list(out)
