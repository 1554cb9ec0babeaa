"""An independent matcher: which papers a query of docs/guide/queries.md should find, decided from the records'
own text (title, sections, authors, year, date, identifiers) with regular expressions and token scans.

It shares nothing with the search code (no parser, no plan, no index): only the analyzer's documented building
blocks, :func:`searchlib.analysis.spelling.american` (British to American spelling) and
:func:`searchlib.analysis.stem` (Snowball). Queries are written twice in the tests, as a query string and as
calls here, so the two can disagree.

Words. A word is a run of letters and digits, words joined by hyphens (or an en dash or minus sign) being one
hyphenated word; a number with decimal points or thousands separators is one word, and a word may end in %.
Words are compared folded: lower case, accents dropped, Greek letters spelled out (not mu, a unit's prefix),
British spelling made American. A hyphenated word is its parts, one word each, and any run of two or more of
them written together ("non-small" is "non", "small" and "nonsmall").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from searchlib.analysis import stem
from searchlib.analysis.spelling import american
from searchlib.analysis.stopwords import STOPWORDS

DASHES = "-\u2010\u2011\u2013\u2212"
WORD = re.compile(rf"\d+(?:[.,]\d+)+%?|\w+(?:[{DASHES}]\w+)*%?")
DASH = re.compile(f"[{DASHES}]")
#: Every kind of hyphen or dash a name may be written with.
NAME_DASH = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d]")
#: Longest hyphenated word whose every run of parts is a word; longer ones are joined only whole.
MAX_RUN_PARTS = 5

_SPECIAL = {"ø": "o", "ł": "l", "ı": "i", "đ": "d", "\u00b5": "\u03bc"}


@cache
def fold_char(ch: str) -> str:
    ch = _SPECIAL.get(ch, ch)
    if "\u0370" <= ch <= "\u03ff" and ch != "\u03bc":
        name = unicodedata.name(ch, "")
        words = name.split()
        if "LETTER" in words:
            letter = words[words.index("LETTER") + 1]
            return {"FINAL": "sigma", "LUNATE": "sigma"}.get(letter, letter).lower()
        if words and words[-1] == "SYMBOL":
            return words[-2].lower()
        return ch
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, accents and Greek letters folded (no spelling change)."""
    return "".join(fold_char(c) for c in text.lower())


def parts(word: str) -> tuple[str, ...]:
    """A word as its folded, American-spelled parts: "Follow-Up" -> ("follow", "up")."""
    return tuple(american(p) for p in DASH.split(fold(word)) if p)


def words(text: str) -> list[str]:
    return WORD.findall(text)


# -- the records -------------------------------------------------------------------------------------------------


@dataclass
class Passage:
    """One run of text a phrase may not leave (a title, one section): its words' parts, each part a position, and
    every text a stretch of positions may be read as (a part, or a run of one word's parts written together)."""

    parts: list[str]
    readings: dict[int, list[tuple[int, str]]]  # first position -> [(position after, text)]
    starts: dict[str, list[int]]  # text -> first positions of its readings
    stems: set[str]


def passage(text: str) -> Passage:
    flat: list[str] = []
    readings: dict[int, list[tuple[int, str]]] = {}
    stems: set[str] = set()
    for raw in words(text):
        ps = parts(raw)
        if not ps:
            continue
        start = len(flat)
        flat.extend(ps)
        runs = (
            [(i, j) for i in range(len(ps)) for j in range(i + 1, len(ps) + 1)]
            if len(ps) <= MAX_RUN_PARTS
            else [(i, i + 1) for i in range(len(ps))] + [(0, len(ps))]
        )
        for i, j in runs:
            joined = "".join(ps[i:j])
            readings.setdefault(start + i, []).append((start + j, joined))
            if joined.endswith("%") and len(joined) > 1:
                readings[start + i].append((start + j, joined[:-1]))
        stems |= stemmed_terms(raw, index=True)
    starts: dict[str, list[int]] = {}
    for g, found in readings.items():
        for _, text in found:
            starts.setdefault(text, []).append(g)
    return Passage(flat, readings, starts, stems)


def stemmed_terms(raw: str, index: bool = False) -> set[str]:
    """What a bare word means in stemmed text: the word's stem (a hyphenated word's parts joined); a text's
    word (``index``) also stands for its parts' stems, stopwords left out."""
    low = fold(raw)
    if low in STOPWORDS:
        return set()
    ps = [american(p) for p in DASH.split(low.rstrip("%")) if p]
    whole = "".join(ps) + ("%" if low.endswith("%") else "")
    terms = {_stem(whole)}
    if index:
        if len(ps) > 1:
            terms |= {_stem(p) for p in ps if p not in STOPWORDS}
        if low.endswith("%"):
            terms.add(_stem(ps[-1] if len(ps) > 1 else whole[:-1]))
    return terms


def _stem(word: str) -> str:
    return word if any(c.isdigit() for c in word) else stem(word)


@dataclass
class Name:
    """An author: given names and surname as the record writes them, folded."""

    given: list[str]
    surname: list[str]
    words: set[str]  # every word of the name, a hyphenated one also as its parts and joined

    @property
    def initials(self) -> str:
        return "".join(p[0] for g in self.given for p in g.split("-") if p)


PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le"}


def name(text: str) -> Name:
    text = NAME_DASH.sub("-", text)
    tokens = [fold(t).strip(".") for t in re.split(r"[\s,]+", text) if t.strip(".,")]
    if "," in text:
        surname_text, _, given_text = text.partition(",")
        given = [fold(t).strip(".") for t in given_text.split() if t.strip(".")]
        surname = [fold(t).strip(".") for t in surname_text.split() if t.strip(".")]
    else:
        cut = len(tokens) - 1
        while cut > 1 and tokens[cut - 1] in PARTICLES:
            cut -= 1
        given, surname = tokens[:cut], tokens[cut:]
    all_words: set[str] = set()
    for t in tokens:
        all_words.add(t.replace("-", ""))
        all_words |= {p for p in t.split("-") if p}
    return Name(given, surname, all_words)


@dataclass
class Doc:
    id: str
    title: Passage
    sections: list[tuple[str, Passage]]
    names: list[Name]
    year: int | None
    date: str | None
    pmid: str | None
    pmcid: str | None
    doi: str | None
    _stems: dict[str, set[str]] = field(default_factory=dict)

    def stems(self, f: str) -> set[str]:
        """The stems of the words of field ``f``."""
        if f not in self._stems:
            self._stems[f] = set().union(*(p.stems for p in self.passages([f])))
        return self._stems[f]

    @property
    def name_words(self) -> set[str]:
        if "authors" not in self._stems:
            self._stems["authors"] = {x for n in self.names for x in n.words}
        return self._stems["authors"]

    def passages(self, fields: Sequence[str]) -> list[Passage]:
        out: list[Passage] = []
        for f in fields:
            if f == "title":
                out.append(self.title)
            elif f == "abstract":
                out.extend(p for _, p in self.sections)
            else:
                out.extend(p for category, p in self.sections if category == f)
        return out


def docs(records: Iterable[object]) -> list[Doc]:
    out = []
    for r in records:
        out.append(
            Doc(
                id=r.id,  # type: ignore[attr-defined]
                title=passage(r.title),  # type: ignore[attr-defined]
                sections=[(s.category, passage(s.text)) for s in r.sections],  # type: ignore[attr-defined]
                names=[name(a) for a in r.authors],  # type: ignore[attr-defined]
                year=r.year,  # type: ignore[attr-defined]
                date=r.date,  # type: ignore[attr-defined]
                pmid=r.pmid,  # type: ignore[attr-defined]
                pmcid=r.pmcid,  # type: ignore[attr-defined]
                doi=r.doi,  # type: ignore[attr-defined]
            )
        )
    return out


# -- what one term finds in one paper ----------------------------------------------------------------------------

DEFAULT = ("title", "abstract", "authors")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """``*`` any run of characters, ``?`` one character or none; the rest folded as words are."""
    out = []
    for ch in pattern:
        out.append(".*" if ch == "*" else ".?" if ch == "?" else re.escape(fold(ch)))
    return re.compile("".join(out))


@cache
def _segment(query: str) -> Callable[[str], bool]:
    """Whether a text reading is this query segment: equal, or fitting it when it holds * or ?."""
    if "*" in query or "?" in query:
        rx = pattern_regex(query)
        return lru_cache(maxsize=None)(lambda text: rx.fullmatch(text) is not None)
    return query.__eq__


def query_parts(word: str) -> list[str]:
    """A query word's parts: folded and American-spelled, a pattern's only folded."""
    if "*" in word or "?" in word:
        return [fold(p) for p in DASH.split(word) if p]
    return list(parts(word))


def spans(p: Passage, phrase: Sequence[str]) -> set[tuple[int, int]]:
    """Where the words of ``phrase`` stand in order next to each other: (first, last) positions. Neighbouring
    query parts may match one text part written joined, and text parts of one word written joined may be one
    query part (a hyphen, a space and nothing between two words are the same)."""
    qs = [q for w in phrase for q in query_parts(w)]
    k = len(qs)
    found: set[tuple[int, int]] = set()
    if not k:
        return found
    segments = [[(i2, _segment("".join(qs[i:i2]))) for i2 in range(i + 1, k + 1)] for i in range(k)]
    firsts = [g for text, gs in p.starts.items() if any(fits(text) for _, fits in segments[0]) for g in gs]
    for start in set(firsts):
        frontier = {(start, 0)}
        seen = set(frontier)
        while frontier:
            g, i = frontier.pop()
            if i == k:
                found.add((start, g - 1))
                continue
            for g2, text in p.readings.get(g, ()):
                for i2, fits in segments[i]:
                    if (g2, i2) not in seen and fits(text):
                        seen.add((g2, i2))
                        frontier.add((g2, i2))
    return found


def near(occurrences: list[set[tuple[int, int]]], distance: int, ordered: bool) -> bool:
    """One occurrence of each slot, no two overlapping, at most ``distance`` positions between neighbours (in
    the slots' order when ``ordered``)."""
    if any(not o for o in occurrences):
        return False
    for chosen in itertools.product(*[sorted(o) for o in occurrences]):
        order = sorted(range(len(chosen)), key=lambda i: chosen[i])
        if ordered and order != list(range(len(chosen))):
            continue
        ok = True
        for a, b in itertools.pairwise(order):
            gap = chosen[b][0] - chosen[a][1] - 1
            if gap < 0 or gap > distance:
                ok = False
                break
        if ok:
            return True
    return False


def name_phrase(n: Name, query: Sequence[str]) -> bool:
    """A name typed as researchers type it: a word of it, "Surname Initials" (one initial finds every longer
    set), "Surname Given", "Given Surname" (the first given name or all of them)."""
    q = [w for w in (fold(NAME_DASH.sub("-", w)).strip(".,") for w in query) if w]
    if len(q) == 1:
        return q[0].replace("-", "") in n.words
    surnames = {" ".join(n.surname), " ".join(p for w in n.surname for p in w.split("-") if p)}
    for k in range(1, len(q)):
        head, tail = q[:k], q[k:]
        if " ".join(head) in surnames:
            if len(tail) == 1 and n.initials.startswith(tail[0]):
                return True
            if tail == n.given[: len(tail)]:
                return True
        if " ".join(tail) in surnames and head in (n.given[:1], n.given):
            return True
    return False


def name_given_after_comma(n: Name, surname: Sequence[str], given: Sequence[str]) -> bool:
    """ "Surname, Given" or "Surname, Initials"."""
    sur = " ".join(fold(w) for w in surname)
    giv = [fold(w) for w in given]
    if sur not in {" ".join(n.surname), " ".join(p for w in n.surname for p in w.split("-") if p)}:
        return False
    return giv == n.given[: len(giv)] or (len(giv) == 1 and n.initials.startswith(giv[0]))


# -- queries as predicates ---------------------------------------------------------------------------------------

Predicate = Callable[[Doc], bool]


def bare(word: str, fields: Sequence[str] = DEFAULT) -> Predicate:
    """A bare word, stemmed: in any one of ``fields`` every word the query word is cut into."""
    pieces = words(word)
    needed = [t for t in (stemmed_terms(w) for w in pieces) if t]

    def test(d: Doc) -> bool:
        for f in fields:
            if f == "authors":
                if all(fold(w).replace("-", "") in d.name_words for w in pieces):
                    return True
                continue
            if needed and all(t <= d.stems(f) for t in needed):
                return True
        return False

    return test


def phrase(text: str, fields: Sequence[str] = DEFAULT) -> Predicate:
    """Quoted words (one or more), or a word with * or ?: the words as written, in order, next to each other."""
    ws = text.split()

    def test(d: Doc) -> bool:
        for f in fields:
            if f == "authors":
                if any(_name_words_phrase(n, ws) for n in d.names):
                    return True
                continue
            if any(spans(p, ws) for p in d.passages([f])):
                return True
        return False

    return test


def _name_words_phrase(n: Name, ws: Sequence[str]) -> bool:
    """Quoted words searched in the authors field: the words of one name as it may be written."""
    q = [fold(w) for w in ws]
    if len(q) == 1:
        rx = pattern_regex(DASH.sub("", ws[0])) if ("*" in ws[0] or "?" in ws[0]) else None
        if rx is not None:
            return any(rx.fullmatch(x) for x in n.words)
        return q[0].replace("-", "") in n.words
    return name_phrase(n, ws)


def proximity(
    slots: Sequence[Sequence[str]], distance: int, ordered: bool = False, fields: Sequence[str] = DEFAULT
) -> Predicate:
    """Each slot (a choice of words) within ``distance`` words of its neighbour; in order when ``ordered``."""

    def test(d: Doc) -> bool:
        for f in fields:
            if f == "authors":
                continue
            for p in d.passages([f]):
                occ = [set().union(*(spans(p, alt.split()) for alt in slot)) for slot in slots]
                if near(occ, distance, ordered):
                    return True
        return False

    return test


def author(text: str, fields: Sequence[str] = ("authors",)) -> Predicate:
    """A name in the authors (or only the first or last author)."""
    surname, comma, given = text.partition(",")

    def test(d: Doc) -> bool:
        names = d.names
        if fields == ("first_author",):
            names = names[:1]
        elif fields == ("last_author",):
            names = names[-1:]
        if comma:
            return any(name_given_after_comma(n, surname.split(), given.split()) for n in names)
        return any(name_phrase(n, text.split()) for n in names)

    return test


def year_between(low: int | None, high: int | None) -> Predicate:
    return lambda d: d.year is not None and (low is None or d.year >= low) and (high is None or d.year <= high)


def date_between(low: str, high: str) -> Predicate:
    """A paper whose date, at the precision the record gives it (a day, a month or a year), lies between
    ``low`` and ``high`` (ISO, either end a year, a month or a day; both included)."""

    def first_day(value: str) -> str:
        return value + "-01-01"[len(value) - 4 :] if len(value) < 10 else value

    def last_day(value: str) -> str:
        return value + "-12-31"[len(value) - 4 :] if len(value) < 10 else value

    def test(d: Doc) -> bool:
        if not d.date:
            return False
        return first_day(low) <= first_day(d.date) and last_day(d.date) <= last_day(high)

    return test


@dataclass
class Oracle:
    """The papers each predicate finds among ``docs``."""

    docs: list[Doc]

    def find(self, predicate: Predicate) -> frozenset[str]:
        return frozenset(d.id for d in self.docs if predicate(d))
