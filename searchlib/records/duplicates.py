"""Finding the copies of one paper that no identifier links, and the papers only related to each other.

A reviewer's merged export holds each paper once per database it came from, often without a DOI, written a little
differently each time. :func:`find_duplicates` compares the records that could be copies (those sharing a DOI,
PMID or PMCID, the start or end of their title, first author and year (or the year before), or year, volume and
first page: no record is compared with every other) field by field, each normalised as :mod:`.likeness` says,
and calls two records one paper when

- they share an identifier, and neither their pages nor their titles and first authors differ; or
- their titles agree (90% alike once normalised), nothing contradicts (no other DOI, year more than one apart,
  other first page or volume, authors with no surname in common), their authors agree (or, for a record without
  authors, journal, volume and pages do), and so does their year, with one more field at least (journal,
  volume, pages, abstract) when the records have them; a short, common title ("Editorial", "Reply") needs
  journal, volume and pages too.

Related papers are not copies, and are reported apart, never grouped: a preprint and its published version
(titles 80% alike, authors agreeing, one of them from a preprint server), a correction, retraction or reply and
the paper it is about, two papers with one title and authors but different DOIs, and abstracts sharing a
supplement's DOI. Copies are grouped through the pairs found, strongest first; two groups are never joined if
any two of their records contradict each other (other DOIs, pages, volume or year), so a chain of weak pairs
cannot join two papers.

>>> from searchlib.records.record import Record
>>> embase = Record("sha1:1", None, "Effects of n-acetylcysteine on ischemic preconditioning.",
...                 ("D. M. de Oliveira",),
...                 journal="Rev Bras Cir Cardiovasc", volume="24", pages="23-30", year=2009)
>>> medline = Record("pmid:5", None, "Effects of N-acetylcysteine on ischemic preconditioning",
...                  ("D M Oliveira",), journal="Rev Bras Cir Cardiovasc", volume="24", pages="23-3", year=2009)
>>> preprint = Record("10.1101/014852", "10.1101/014852", "Ecology of birds", ("Ann Lee",), year=2015)
>>> published = Record("10.1002/ece3.2314", "10.1002/ece3.2314", "The ecology of birds", ("Ann Lee",), year=2016)
>>> found = find_duplicates([embase, preprint, medline, published])
>>> [[r.id for r in group] for group in found], found[0].pairs[0].reason
([['sha1:1', 'pmid:5']], 'same title, authors, year, journal, volume and pages')
>>> [(p.first.id, p.second.id, p.reason) for p in found.related]
[('10.1101/014852', '10.1002/ece3.2314', 'a preprint and its published version')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from .likeness import Traits, contained, differ, journals_agree, pages_differ, similarity
from .merge import merge_records
from .record import Record

#: Records sharing one blocking key that are compared with each other at most; a larger block (a common first
#: author in a year) is left out, its records still compared through their other keys.
MAX_BLOCK = 50
#: How alike two titles must be for a copy (see :func:`~.likeness.similarity`), and for a related paper.
TITLE_AGREES = 0.9
TITLE_RELATED = 0.8
#: Titles less alike than this (a word or two apart) need volume, pages or abstract to agree, not the journal only.
TITLE_ALIKE = 0.97
_ROMAN = frozenset("ii iii iv vi vii viii ix xi xii".split())
_DIGITS = re.compile(r"\d+")

#: DOI prefixes of preprint servers: bioRxiv and medRxiv (numbers only after the prefix; Cold Spring Harbor's
#: journals share it), Research Square, Preprints.org, SSRN, OSF and its servers, arXiv, Authorea, ChemRxiv,
#: SciELO.
_PREPRINT_DOI = re.compile(
    r"^10\.(?:1101/(?:\d{6}|\d{4}\.\d\d\.\d\d\.)|21203/rs\.|20944/preprints|2139/ssrn|3121[99]/osf|3123[45]/osf"
    r"|48550/arxiv|22541/au\.|26434/chemrxiv|1590/scielopreprints)"
)
_PREPRINT_JOURNALS = (
    "biorxiv",
    "medrxiv",
    "arxiv",
    "research square",
    "ssrn",
    "preprints",
    "authorea",
    "chemrxiv",
)
#: Titles that are about another paper, and what the pair is then: (words a title starts with, what to call it).
_ABOUT = (
    (r"(?:erratum|errata|corrigendum|corrigenda|correction|corrections|author correction|publisher correction)"
     r"(?: (?:to|for|on|of))?", "a correction and the paper it corrects"),
    (r"(?:retraction|retracted|retraction note|notice of retraction|expression of concern|withdrawn)"
     r"(?: (?:to|for|of|on))?", "a retraction notice and the paper it retracts"),
    (r"(?:reply|in reply|authors reply|author reply|response|comment|comments|commentary|re)"
     r"(?: (?:to|on|regarding))?", "a reply or comment and the paper it is about"),
)  # fmt: skip
_ABOUT_RE = [(re.compile(rf"^{words} (?:the )?(?:article )?"), kind) for words, kind in _ABOUT]
#: Web of Science's correction titles: the corrected title, then "(vol 88, pg 659, 1993)".
_WOS_CORRECTION = re.compile(r" vol \d+ pg \w+(?: \d{4})?$")
#: Titles too common to tell papers apart by: with fewer words than this, or one of these.
_SHORT_TITLE = 4
_COMMON_TITLES = frozenset(
    "editorial;summary;abstracts;introduction;preface;foreword;commentary;reply;letter;response;comment;"
    "erratum;correction;corrigendum;in this issue;contents;index;news;book review;conference report".split(";")
)


@dataclass(frozen=True)
class Pair:
    """Two records found to be one paper, or related, and why (``reason``)."""

    first: Record
    second: Record
    reason: str


@dataclass(frozen=True)
class DuplicateGroup:
    """Records that are copies of one paper (the very records given, in their order) and the pairs that joined
    them. Iterating it gives the records."""

    records: tuple[Record, ...]
    pairs: tuple[Pair, ...]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, n: int) -> Record:
        return self.records[n]

    def merged(self) -> Record:
        """The group as one record, each field the richest of its copies' (:mod:`searchlib.records.merge`)."""
        return merge_records(self.records)


class Duplicates(list[DuplicateGroup]):
    """The groups of copies :func:`find_duplicates` found, largest first, and ``related``: the pairs of related
    papers (a preprint and its published version, a correction and the paper it corrects, ...), never merged.

    A group (``DuplicateGroup``) iterates over its records and holds ``records``, ``pairs`` (each a ``Pair`` of
    ``first``, ``second`` and the ``reason`` they were matched) and ``merged()``, the group as one record; a
    related pair is a ``Pair`` too. :meth:`table` prints them for reading, :meth:`to_dicts` gives them as data.
    """

    def __init__(self, groups: Iterable[DuplicateGroup] = (), related: Iterable[Pair] = ()) -> None:
        super().__init__(groups)
        self.related: list[Pair] = list(related)

    def table(self) -> str:
        """Every group, its records and the reason each pair was matched, then the related pairs: for reading."""
        copies = sum(len(g) for g in self)
        lines = [
            f"{_count(len(self), 'group')} of duplicates ({copies:,} records), "
            f"{_count(len(self.related), 'related pair')}"
        ]
        for n, group in enumerate(self, start=1):
            lines += ["", f"group {n}:"]
            lines += [f"  {i}  {_line(r)}" for i, r in enumerate(group.records, start=1)]
            place = {id(r): i for i, r in enumerate(group.records, start=1)}
            lines += [f"     {place[id(p.first)]} = {place[id(p.second)]}: {p.reason}" for p in group.pairs]
        if self.related:
            lines += ["", "related, not merged:"]
            for pair in self.related:
                lines += [f"  {pair.reason}:", f"     {_line(pair.first)}", f"     {_line(pair.second)}"]
        return "\n".join(lines)

    def to_dicts(self) -> list[dict[str, Any]]:
        """The groups and related pairs as JSON-ready data, each record by its id and where it was read."""
        out: list[dict[str, Any]] = []
        for group in self:
            pairs = [{"first": p.first.id, "second": p.second.id, "reason": p.reason} for p in group.pairs]
            out.append({"kind": "duplicates", "records": [_ref(r) for r in group], "pairs": pairs})
        for pair in self.related:
            out.append(
                {"kind": "related", "records": [_ref(pair.first), _ref(pair.second)], "reason": pair.reason}
            )
        return out


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def _line(record: Record) -> str:
    first = record.authors[0] if record.authors else "-"
    title = record.title if len(record.title) <= 50 else record.title[:49] + "…"
    origin = record.sources[0] if record.sources else None
    where = f"  {Path(origin.file).name} #{origin.number}" if origin and origin.file else ""
    return f"{record.year or '----'}  {first[:18]:<18}  {title:<50}  {record.doi or record.id}{where}"


def _ref(record: Record) -> dict[str, Any]:
    origin = record.sources[0] if record.sources else None
    return {
        "id": record.id,
        "title": record.title,
        "file": origin.file if origin else None,
        "number": origin.number if origin else None,
    }


def find_duplicates(records: Iterable[Record]) -> Duplicates:
    """Groups of the given records that are copies of one paper, each pair with its reason, and the related pairs.

    The rules are in this module's description and on the documentation's Duplicates page. The groups hold the
    very ``Record`` objects given, in their order; records in no group are not listed.

    >>> from searchlib import Record
    >>> a = Record("sha1:1", None, "Falls on wards: a cohort", ("Jane Roe",), journal="BMJ", volume="3", year=2020)
    >>> b = Record("pmid:9", None, "Falls on wards. A cohort.", ("J. Roe",), journal="BMJ", volume="3", year=2020)
    >>> [(group[0] is a, p.reason) for group in find_duplicates([a, b]) for p in group.pairs]
    [(True, 'same title, authors, year, journal and volume')]
    """
    if isinstance(records, (str, bytes, Mapping, Record)) or not isinstance(records, Iterable):
        raise ArgumentError(f"find_duplicates takes a list of records (see load_records), not {records!r:.80}")
    items = list(records)
    if not all(isinstance(r, Record) for r in items):
        wrong = next(type(r).__name__ for r in items if not isinstance(r, Record))
        raise ArgumentError(f"find_duplicates takes records (see load_records), not a {wrong}")
    traits = [_Traits(r) for r in items]
    copies: list[tuple[tuple[float, float], int, int, str]] = []
    related: list[tuple[int, int, str]] = []
    for i, j in sorted(_candidates(traits)):
        verdict = _judge(traits[i], traits[j])
        if verdict is None:
            continue
        kind, reason, strength = verdict
        if kind == "duplicate":
            copies.append(((-strength[0], -strength[1]), i, j, reason))
        else:
            related.append((i, j, reason))
    groups = _grouped(traits, sorted(copies))
    found = [
        DuplicateGroup(
            tuple(items[i] for i in sorted(members)), tuple(Pair(items[i], items[j], w) for i, j, w in pairs)
        )
        for members, pairs in sorted(groups, key=lambda g: (-len(g[0]), min(g[0])))
    ]
    # One related pair between two papers, however many copies each has.
    paper = {i: -1 - g for g, (members, _) in enumerate(groups) for i in members}
    seen: set[frozenset[int]] = set()
    apart: list[Pair] = []
    for i, j, why in related:
        both = frozenset((paper.get(i, i), paper.get(j, j)))
        if len(both) == 2 and both not in seen:
            seen.add(both)
            apart.append(Pair(items[i], items[j], why))
    return Duplicates(found, apart)


class _Traits(Traits):
    """:class:`~.likeness.Traits` with what finding copies needs too."""

    @cached_property
    def core(self) -> tuple[str, str | None]:
        """The title without "Erratum to", "Reply to" and the like, and what that made the record, if anything."""
        return _about(self.title)

    @cached_property
    def preprint(self) -> bool:
        doi = self.doi or ""
        journal = (self.record.journal or "").casefold()
        return bool(_PREPRINT_DOI.match(doi)) or any(name in journal for name in _PREPRINT_JOURNALS)


def _about(title: str) -> tuple[str, str | None]:
    for pattern, kind in _ABOUT_RE:
        m = pattern.match(title)
        if m and len(title) - m.end() > 15:
            return title[m.end() :], kind
    m = _WOS_CORRECTION.search(title)
    if m:
        return title[: m.start()], _ABOUT[0][1]
    return title, None


def _candidates(traits: list[_Traits]) -> set[tuple[int, int]]:
    """The pairs of records worth comparing: those sharing a blocking key."""
    blocks: dict[str, list[int]] = {}
    for n, t in enumerate(traits):
        for key in _keys(t):
            blocks.setdefault(key, []).append(n)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update(combinations(members, 2))
    return pairs


def _keys(t: _Traits) -> Iterator[str]:
    record = t.record
    if t.doi:
        yield f"doi:{t.doi}"
    if record.pmid:
        yield f"pmid:{record.pmid}"
    if record.pmcid:
        yield f"pmcid:{record.pmcid}"
    core = t.core[0].split()
    if len(core) >= 3:
        yield "start:" + " ".join(core[:5])
        yield "end:" + " ".join(core[-5:])
    if t.surnames and record.year:  # a year and the next, so that copies a year apart meet
        yield f"author:{t.surnames[0]}:{record.year}"
        yield f"author:{t.surnames[0]}:{record.year + 1}"
    if t.pages and t.volume is not None and record.year:
        yield f"place:{record.year}:{t.volume}:{t.pages[0]}"


def _judge(a: _Traits, b: _Traits) -> tuple[str, str, tuple[float, float]] | None:
    """Whether two records are copies ("duplicate") or related papers ("related"), why, and how strongly."""
    ra, rb = a.record, b.record
    for name in ("doi", "pmid", "pmcid"):
        x, y = (a.doi, b.doi) if name == "doi" else (getattr(ra, name), getattr(rb, name))
        if x and x == y:
            why = differ(ra, rb)
            if why is None:
                return "duplicate", f"same {name.upper()}", (2.0, 1.0)
            return "related", f"same {name.upper()}, {why} (abstracts of one supplement?)", (0.0, 0.0)
    title = similarity(a.title, b.title)
    authors = _authors_agree(a, b)
    (core_a, about_a), (core_b, about_b) = a.core, b.core
    if about_a != about_b:
        if max(similarity(core_a, b.title), similarity(a.title, core_b)) >= TITLE_AGREES:
            return "related", about_a or about_b or "", (0.0, 0.0)
        return None
    if a.preprint != b.preprint:
        if (title >= TITLE_RELATED or contained(a, b)) and authors:
            return "related", "a preprint and its published version", (0.0, 0.0)
        return None
    if title < TITLE_AGREES or _numbers(a) != _numbers(b):  # "Part 1" and "Part 2" are two papers
        return None
    other_dois = bool(a.doi and b.doi and a.doi != b.doi)
    if other_dois and not _same_place(a, b):  # other DOIs: other papers, though one title
        return ("related", "same title and authors, different DOIs", (0.0, 0.0)) if authors else None
    if _clash(a, b) or (ra.authors and rb.authors and not authors):
        return None
    same = _agreeing(a, b)
    if "year" not in same and ra.year and rb.year:
        return None
    if not (authors or {"journal", "volume", "pages"} <= set(same)):
        return None
    if _common(a) and not {"journal", "volume", "pages"} <= set(same):
        return None
    if title < TITLE_ALIKE and not {"volume", "pages", "abstract"} & set(same):
        return None
    if (
        not [f for f in ("journal", "volume", "pages", "abstract") if f in same]
        and _has_place(a)
        and _has_place(b)
    ):
        journals = a.journal and b.journal and not journals_agree(a.journal, b.journal)
        if journals and authors:
            return "related", "same title and authors, in different journals", (0.0, 0.0)
        return None
    reason = "same title" + "".join(f", {f}" for f in same[:-1]) + (f" and {same[-1]}" if same else "")
    return "duplicate", reason + (", other DOIs" if other_dois else ""), (1.0, title + 0.01 * len(same))


def _authors_agree(a: Traits, b: Traits) -> bool:
    """Whether two author lists are one: one first surname, or half the shorter list's surnames in the other."""
    x, y = a.surnames[:20], b.surnames[:20]
    if not x or not y:
        return False
    if x[0] == y[0]:
        return True
    shared = len(set(x) & set(y))
    return shared >= max(1, min(len(x), len(y)) / 2)


def _agreeing(a: _Traits, b: _Traits) -> list[str]:
    """The fields two records hold alike, in the order a reason names them."""
    ra, rb = a.record, b.record
    same = []
    if _authors_agree(a, b):
        same.append("authors")
    if ra.year and rb.year and abs(ra.year - rb.year) <= 1:
        same.append("year")
    if journals_agree(a.journal, b.journal):
        same.append("journal")
    if a.volume is not None and a.volume == b.volume:
        same.append("volume")
    if a.pages and b.pages and a.pages[0] == b.pages[0]:
        same.append("pages")
    if a.abstract and b.abstract and similarity(a.abstract, b.abstract) >= TITLE_AGREES:
        same.append("abstract")
    return same


def _clash(a: Traits, b: Traits) -> bool:
    """Whether two records contradict each other: other first pages or volumes, years more than one apart, or other
    DOIs (unless journal, volume and first page agree: one article's two DOIs, as publishers re-register them)."""
    ra, rb = a.record, b.record
    return bool(
        pages_differ(a, b)
        or (a.volume is not None and b.volume is not None and a.volume != b.volume)
        or (ra.year and rb.year and abs(ra.year - rb.year) > 1)
        or (a.doi and b.doi and a.doi != b.doi and not _same_place(a, b))
    )


def _same_place(a: Traits, b: Traits) -> bool:
    """Whether two records are at one place in one journal: the journal, volume and first page agree."""
    return bool(
        a.pages and b.pages and a.pages[0] == b.pages[0] and a.volume is not None and a.volume == b.volume
    ) and journals_agree(a.journal, b.journal)


def _numbers(t: _Traits) -> frozenset[str]:
    """The numbers in a title (digits, and Roman numerals from II), which tell the parts of a series apart."""
    return frozenset(_DIGITS.findall(t.title)) | (t.title_words & _ROMAN)


def _has_place(t: Traits) -> bool:
    return bool(t.journal or t.volume is not None or t.pages)


def _common(t: _Traits) -> bool:
    core = t.core[0]
    return len(core.split()) < _SHORT_TITLE or core in _COMMON_TITLES


def _grouped(
    traits: list[_Traits], copies: list[tuple[tuple[float, float], int, int, str]]
) -> list[tuple[set[int], list[tuple[int, int, str]]]]:
    """Groups joined through the pairs, strongest first, never joining two groups with records that clash."""
    group_of: dict[int, int] = {}
    groups: dict[int, tuple[set[int], list[tuple[int, int, str]]]] = {}
    for _, i, j, reason in copies:
        gi, gj = group_of.get(i), group_of.get(j)
        if gi is not None and gi == gj:
            groups[gi][1].append((i, j, reason))
            continue
        a = groups[gi][0] if gi is not None else {i}
        b = groups[gj][0] if gj is not None else {j}
        if any(_clash(traits[x], traits[y]) for x in a for y in b):
            continue
        members = a | b
        pairs = (groups.pop(gi)[1] if gi is not None else []) + (groups.pop(gj)[1] if gj is not None else [])
        pairs.append((i, j, reason))
        key = min(members)
        groups[key] = (members, pairs)
        for m in members:
            group_of[m] = key
    return [(members, sorted(pairs)) for members, pairs in groups.values()]
