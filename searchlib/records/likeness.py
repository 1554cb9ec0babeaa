"""How alike two records are: each field normalised the way sources differ in writing it, then compared.

Databases write one paper in many ways: "NF-κB", "NF-kappaB" or "NF-B" in a title; "J Cardiovasc Med
(Hagerstown)" or "Journal of Cardiovascular Medicine"; pages "180-6" or "180-186"; a DOI with ``%28`` for ``(``
or a ``https://doi.org/`` in front. :class:`Traits` holds a record's fields in one form each, so that records are
compared on what they say, not on how it was written; :func:`differ` says when two records that share an
identifier are nonetheless two papers (a supplement's DOI shared by all of its abstracts).

>>> title_key("Dynamism of NF-κB and AP-1 activation: a study.")
'dynamism of nf kappab and ap 1 activation a study'
>>> journals_agree("J Cardiovasc Med (Hagerstown)", "Journal of Cardiovascular Medicine")
True
>>> page_range("1772-7"), page_range("H500-H505"), page_range("e196")
((1772, 1777), (500, 505), (196, 196))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property

from .export import page_range as written_range
from .record import Record, normalise_doi

#: Greek letters as biomedical titles spell them out ("NF-κB" and "NF-kappaB" are one word).
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi",
    "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
_GREEK_RE = re.compile("[" + "".join(_GREEK) + "]")
_WORD_RE = re.compile(r"[a-z0-9]+")
#: Words a journal's name can be written with or without ("Journal of the ..." and "J ...").
_JOURNAL_FILLERS = frozenset("the of and for in on de la des du der die und fur et".split())
_BRACKETS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NUMBER_RE = re.compile(r"\d+")
_PAGE_LIST_RE = re.compile(r"[,;]")


def words(text: str | None) -> list[str]:
    """The words of ``text``, lower-cased, accents and punctuation dropped, Greek letters spelt out."""
    if not text:
        return []
    text = _GREEK_RE.sub(lambda m: _GREEK[m.group()], text.casefold())
    text = unicodedata.normalize("NFKD", text)
    return _WORD_RE.findall("".join(c for c in text if not unicodedata.combining(c)))


def title_key(title: str | None) -> str:
    """A title as compared: its :func:`words`, one space apart."""
    return " ".join(words(title))


def similarity(a: str | tuple[str, ...], b: str | tuple[str, ...]) -> float:
    """How alike two normalised texts are, from 0 to 1: the share of their characters (or, given words, of their
    words) in common runs."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return min(matcher.quick_ratio(), 0.5)
    return matcher.ratio()


def surname(name: str) -> str:
    """A name's surname as compared: its last word ("Given Family" is how readers write names)."""
    parts = words(name)
    return parts[-1] if parts else ""


def page_range(pages: str | None) -> tuple[int, int] | None:
    """First and last page as numbers, an abbreviated end written out (as exports write it: "1772-7" is 1772 to
    1777) and letters dropped ("H500", "e196", "S36"); None if no page."""
    first, last = written_range(pages)
    start = first_number(first)
    if start is None:
        return None
    end = first_number(last)
    return start, start if end is None else end


def first_number(text: str | None) -> int | None:
    """The first number in a volume or issue ("76 Suppl 5" is 76); None if none."""
    m = _NUMBER_RE.search(text or "")
    return int(m.group()) if m else None


def doi_key(doi: str | None) -> str | None:
    """A DOI as compared: as :func:`~.record.normalise_doi` writes it, without a trailing full stop."""
    return normalise_doi(doi.strip().rstrip(".")) if doi else None


def journal_words(journal: str | None) -> list[str]:
    """A journal's name as compared: its words without bracketed parts ("(Maywood)") or filler words."""
    return [w for w in words(_BRACKETS_RE.sub(" ", journal or "")) if w not in _JOURNAL_FILLERS]


def journals_agree(a: str | list[str] | None, b: str | list[str] | None) -> bool:
    """Whether two journal names are one journal: the same words, or one the other's abbreviation (each of its
    words the start of a word of the other, in order, from the first)."""
    x = a if isinstance(a, list) else journal_words(a)
    y = b if isinstance(b, list) else journal_words(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    if not long[0].startswith(short[0]):
        return False
    at = 0
    for word in short:
        while at < len(long) and not long[at].startswith(word):
            at += 1
        if at == len(long):
            return False
        at += 1
    return True


@dataclass(frozen=True)
class Traits:
    """A record's fields as compared, each worked out once, when first needed."""

    record: Record

    @cached_property
    def title(self) -> str:
        return title_key(self.record.title)

    @cached_property
    def title_words(self) -> frozenset[str]:
        return frozenset(self.title.split())

    @cached_property
    def surnames(self) -> tuple[str, ...]:
        return tuple(s for s in map(surname, self.record.authors) if s)

    @cached_property
    def pages(self) -> tuple[int, int] | None:
        return page_range(self.record.pages)

    @cached_property
    def first_pages(self) -> frozenset[int]:
        """The first page of each range the pages list ("366-368, 351" as one source orders them, "351,366-368"
        as another does)."""
        ranges = (page_range(part) for part in _PAGE_LIST_RE.split(self.record.pages or ""))
        return frozenset(r[0] for r in ranges if r)

    @cached_property
    def volume(self) -> int | None:
        return first_number(self.record.volume)

    @cached_property
    def journal(self) -> list[str]:
        return journal_words(self.record.journal)

    @cached_property
    def doi(self) -> str | None:
        return doi_key(self.record.doi)

    @cached_property
    def abstract(self) -> tuple[str, ...]:
        """The abstract's first words, enough to tell two abstracts apart (compared word by word: quicker)."""
        return tuple(words(self.record.abstract[:600])[:60])


def pages_differ(a: Traits, b: Traits) -> bool:
    """Whether two records are at other pages: both give pages and no range starts at the same page in both."""
    return bool(a.first_pages and b.first_pages and a.first_pages.isdisjoint(b.first_pages))


def titles_agree(a: Traits, b: Traits, threshold: float = 0.9) -> bool:
    """Whether two titles are one title, written alike to ``threshold`` (see :func:`similarity`)."""
    return similarity(a.title, b.title) >= threshold


def contained(a: Traits, b: Traits) -> bool:
    """Whether one title's words are all in the other's (a subtitle dropped, a translation added), four or more."""
    small, big = (
        (a.title_words, b.title_words)
        if len(a.title_words) <= len(b.title_words)
        else (b.title_words, a.title_words)
    )
    return len(small) >= 4 and small <= big


def differ(a: Record, b: Record) -> str | None:
    """Why two records that share an identifier are two papers, or None when nothing says so.

    Different first pages mean different papers, and so do different titles (neither holding the other's words)
    unless the same first author vouches for a corrected copy: the abstracts of a conference supplement often
    share the supplement's DOI, and some share its page too.

    >>> x = Record("10.1/s", "10.1/s", "Effect of heptanol on apoptosis", ("H Yan",), pages="e196")
    >>> y = Record("10.1/s", "10.1/s", "Effects of lidocaine on TRPV1 expression", ("T Zou",), pages="e196")
    >>> differ(x, y), differ(x, x)
    ('different titles and first authors', None)
    """
    ta, tb = Traits(a), Traits(b)
    if pages_differ(ta, tb):
        return "different first pages"
    if ta.title and tb.title and similarity(ta.title, tb.title) < 0.7 and not contained(ta, tb):
        if not (ta.surnames and tb.surnames and ta.surnames[0] == tb.surnames[0]):
            return "different titles and first authors"
    return None
