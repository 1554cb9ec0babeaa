"""Finding the papers a plan asks for: every paper's score in one array, above 0 exactly where it matches.

A plan (:mod:`.plan`) is evaluated over one state of the index (a Whoosh searcher) into an array with a slot per
document number. Its leaves fill it: :class:`~.plan.Terms` with each term's BM25F or BM25 scores
(:mod:`.termwise`), :class:`~.plan.Exact` by reading the positions of the words as written in the papers that hold
all of them, :class:`~.plan.Values` from the year and date columns. Every leaf scores a paper it matches above 0
and the others 0, so the combinations are operations on arrays: an AND keeps the papers every part scores and adds
the parts' scores; an OR adds them; an AND NOT zeroes the papers its second part scores; an AND MAYBE adds the
second part's scores to the papers the first matches. The set a query matches is exactly the papers scoring above
0, whatever the ranking does with them.

Words as written (a phrase ``"follow-up care"``): each word is a term of the words-as-written field, and two or
more words may also be one term joined ("followup", which the index holds at the first and last positions of a
hyphenated word): the words match where a chain of terms runs through consecutive positions. Proximity
(``"a b"~3``, ``a NEAR/3 b``) finds one match of each slot with at most ``distance`` positions between
neighbours (in order, or in any order). A word with ``*`` or ``?`` stands for every word as written that fits it.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from whoosh.searching import Searcher

from ..analysis.written import MAX_JOINED_PARTS, REGION_SPAN
from ..errors import QueryError
from . import termwise
from .plan import Exact, Plan, Terms, Values
from .ranking import TIAB, robertson_idf
from .tree import And, AndNot, Or

#: How many words as written one ``*`` or ``?`` word may stand for, in one field, and all of a query's together:
#: each is a term whose papers are read.
MAX_EXPANSION = 10_000
MAX_EXPANDED = 30_000
#: How many phrases' counts (the papers holding them, and how often) a searcher keeps.
KEPT_COUNTS = 32

#: A run of words as a chain of steps: ``(from, to, terms)``, a step covering words ``from`` to ``to - 1`` by
#: any of ``terms``.
Step = tuple[int, int, frozenset[str]]
#: Where a run of words stands in a paper: its first and last positions.
Span = tuple[int, int]


class Matcher:
    """Evaluates plans over one state of the index (``searcher``): :meth:`scores`. ``stats`` are the collection
    statistics scores are worked out with (:class:`~.termwise.Stats`): by default the searcher's own."""

    def __init__(self, searcher: Searcher, stats: termwise.Stats = termwise.OWN) -> None:
        self.searcher = searcher
        self.n = searcher.doc_count_all()
        self.stats = stats
        self.cache = termwise.cache_of(searcher, stats)
        self._expanded: dict[tuple[str, str], tuple[str, ...]] = {}
        self.expanded = 0  # words the patterns of this search stand for, so far

    def scores(self, plan: Plan, allowed: np.ndarray | None = None) -> np.ndarray:
        """Every paper's score for ``plan``: 0 for papers it does not match, that are deleted, or (with
        ``allowed``, a boolean array) not allowed."""
        scores = self.node(plan)
        deleted = self.cache.deleted(self.searcher)
        if deleted is not None:
            scores[deleted] = 0
        if allowed is not None:
            scores[~allowed] = 0
        return scores

    def node(self, plan: Plan) -> np.ndarray:
        if isinstance(plan, Terms):
            return self.terms(plan.terms)
        if isinstance(plan, Exact):
            return self.exact(plan)
        if isinstance(plan, Values):
            return self.values(plan)
        if isinstance(plan, Or):
            scores = np.zeros(self.n)
            for part_scores in self._each(plan.parts):
                scores += part_scores
            return scores
        if isinstance(plan, And):
            scores = np.zeros(self.n)
            everywhere = np.ones(self.n, dtype=bool)
            for part_scores in self._each(plan.parts):
                scores += part_scores
                everywhere &= part_scores != 0
            scores[~everywhere] = 0
            return scores
        if isinstance(plan, AndNot):
            scores = self.node(plan.positive)
            scores[self.node(plan.negative) > 0] = 0
            return scores
        first = self.node(plan.required)
        scores = first + self.node(plan.optional)
        scores[first == 0] = 0
        return scores

    def _each(self, parts: Sequence[Plan]) -> Iterator[np.ndarray]:
        """The scores of each of ``parts`` in turn; a part that recurs (a word pasted 500 times) is scored once,
        and only the scores of recurring parts are kept meanwhile."""
        recurring = {part for part, n in Counter(parts).items() if n > 1}
        kept: dict[Plan, np.ndarray] = {}
        for part in parts:
            if part not in recurring:
                yield self.node(part)
                continue
            if part not in kept:
                kept[part] = self.node(part)
            yield kept[part]

    # -- terms --------------------------------------------------------------------------------------------------

    def terms(self, terms: Sequence[tuple[str, str, float]]) -> np.ndarray:
        """The sum of the terms' weighted BM25 scores, added in term order."""
        scores = np.zeros(self.n)
        ids: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for field, text, weight in terms:
            found = self.postings(field, text)
            if found is not None:
                ids.append(found[0])
                values.append(found[1] if weight == 1.0 else found[1] * weight)
        if len(ids) == 1:
            scores[ids[0]] += values[0]
        elif ids:
            # One pass over every term's postings, adding in term order as one add per term would (the same sums
            # to the last bit): a claim with feedback has 100 terms and more.
            scores += np.bincount(np.concatenate(ids), weights=np.concatenate(values), minlength=self.n)
        return scores

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        schema = self.searcher.schema
        in_schema = "abstract" if field == TIAB else field  # title and abstract hold their terms alike
        if in_schema not in schema:
            return None
        try:
            btext = schema[in_schema].to_bytes(text)
        except ValueError:
            return None
        return self.cache.postings(self.searcher, field, btext)

    def docs(self, field: str, text: str) -> np.ndarray:
        """The papers holding the term: read with the searcher's own statistics, whatever this one scores with
        (which papers hold a term does not depend on them)."""
        schema = self.searcher.schema
        if field not in schema:
            return np.empty(0, dtype=np.int32)
        try:
            btext = schema[field].to_bytes(text)
        except ValueError:
            return np.empty(0, dtype=np.int32)
        found = termwise.cache_of(self.searcher).postings(self.searcher, field, btext)
        return found[0] if found is not None else np.empty(0, dtype=np.int32)

    # -- years and dates ----------------------------------------------------------------------------------------

    def values(self, plan: Values) -> np.ndarray:
        column = self.cache.column(self.searcher, plan.field)
        keep = np.ones(self.n, dtype=bool) if plan.field == "year" else column != ""
        if plan.field == "year":
            keep &= column != termwise.NO_YEAR
        low, high = plan.low, plan.high
        if plan.field == "date":  # dates compare as text; a year or month covers its days, kept or left out whole
            low = _date_end(low, after=not plan.include_low) if low is not None else None
            high = _date_end(high, after=plan.include_high) if high is not None else None
        if low is not None:
            keep &= (column >= low) if plan.include_low else (column > low)
        if high is not None:
            keep &= (column <= high) if plan.include_high else (column < high)
            if plan.field == "date":  # "2015" sorts before "2015-01-31", but the year runs on past it
                for period in _unfinished(str(plan.high), plan.include_high):
                    keep &= column != period
        return keep * plan.weight

    # -- words as written ---------------------------------------------------------------------------------------

    def exact(self, plan: Exact) -> np.ndarray:
        slots = [[self.steps(plan.field, alt) for alt in slot] for slot in plan.slots]
        one_word = plan.distance is None and len(slots) == 1 and len(slots[0]) == 1 and slots[0][0][0] == 1
        if one_word and plan.region is None:  # a word, or a pattern, anywhere in the field: no positions needed
            return self.one_word(plan, slots[0][0][1][0][2])
        counts = self.exact_counts(plan, slots)
        scores = np.zeros(self.n)
        matched = counts > 0
        if plan.has_pattern:
            return matched * plan.weight
        here = int(matched.sum())
        if not here:
            return scores
        norms = self.cache.index_norms(self.searcher, plan.field)
        idf = robertson_idf(self.stats.phrase_frequency(plan, here), self.stats.papers(self.searcher))
        k1 = termwise.K1
        tf = counts[matched]
        scores[matched] = plan.weight * idf * (tf * (k1 + 1)) / (tf + norms[matched])
        return scores

    def exact_counts(self, plan: Exact, slots: list[list[tuple[int, list[Step]]]] | None = None) -> np.ndarray:
        """How often the words of ``plan`` occur as it asks in each paper (proximity: 1 or 0), kept for the
        searcher's next few asks (a sharded search counts each phrase's papers before it scores them)."""
        memo = self.cache.exact_counts
        known = memo.get(plan)
        if known is not None:
            counts = np.zeros(self.n)
            counts[known[0]] = known[1]
            return counts
        if slots is None:
            slots = [[self.steps(plan.field, alt) for alt in slot] for slot in plan.slots]
        counts = np.zeros(self.n)
        candidates = self.candidates(plan.field, slots)
        if candidates.size == 0:
            return counts
        terms = {t for slot in slots for alt in slot for _, _, ts in alt[1] for t in ts}
        positions = {t: self.positions(plan.field, t, candidates) for t in terms}
        if plan.region is not None:
            low, high = plan.region * REGION_SPAN, (plan.region + 1) * REGION_SPAN
            positions = {
                t: {d: kept for d, ps in found.items() if (kept := [p for p in ps if low <= p < high])}
                for t, found in positions.items()
            }
        for doc in candidates.tolist():
            spans = [[s for alt in slot for s in _runs(alt, positions, doc)] for slot in slots]
            if plan.distance is None:
                found = len({end for _, end in spans[0]}) if len(spans) == 1 else 0
            else:
                found = _near(spans, plan.distance, plan.ordered)
            counts[doc] = found
        if len(memo) >= KEPT_COUNTS:
            memo.pop(next(iter(memo)))
        held = np.flatnonzero(counts)
        memo[plan] = (held, counts[held])
        return counts

    def one_word(self, plan: Exact, terms: frozenset[str]) -> np.ndarray:
        """A quoted word (scored as a term of the field is) or a pattern (its weight for every paper holding a
        word that fits it), read from the postings alone."""
        if plan.has_pattern:
            matched = np.zeros(self.n, dtype=bool)
            for term in terms:
                matched[self.docs(plan.field, term)] = True
            return matched * plan.weight
        return self.terms([(plan.field, term, plan.weight) for term in terms])

    def steps(self, field: str, run: tuple[str, ...]) -> tuple[int, list[Step]]:
        """The chain of steps a run of words may take: each word (a pattern: the words it fits), and two or
        more neighbouring words joined when the field holds the joined word."""
        steps: list[Step] = []
        for i, word in enumerate(run):
            steps.append((i, i + 1, frozenset(self.expand(field, word) if _is_pattern(word) else [word])))
            joined = word
            for j in range(i + 1, min(len(run), i + MAX_JOINED_PARTS)):
                joined += run[j]
                if _is_pattern(joined):  # "follow-u*" also fits "followup" written as one word
                    terms = frozenset(self.expand(field, joined))
                    if terms:
                        steps.append((i, j + 1, terms))
                elif self.docs(field, joined).size:
                    steps.append((i, j + 1, frozenset([joined])))
        return len(run), steps

    def candidates(self, field: str, slots: list[list[tuple[int, list[Step]]]]) -> np.ndarray:
        """Papers holding, for every slot, each word of one of its alternatives (or a joined form covering
        it): the only papers whose positions need reading."""
        found: np.ndarray | None = None
        for slot in slots:
            either: list[np.ndarray] = []
            for length, steps in slot:
                have: np.ndarray | None = None
                for i in range(length):
                    covering = [t for a, b, ts in steps if a <= i < b for t in ts]
                    docs = _union(self.docs(field, t) for t in covering)
                    have = docs if have is None else np.intersect1d(have, docs, assume_unique=True)
                    if have.size == 0:
                        break
                if have is not None:
                    either.append(have)
            docs = _union(either)
            found = docs if found is None else np.intersect1d(found, docs, assume_unique=True)
            if found.size == 0:
                break
        return found if found is not None else np.empty(0, dtype=np.int32)

    def expand(self, field: str, pattern: str) -> tuple[str, ...]:
        """The words of ``field`` that fit ``pattern`` (``*``: any run of characters, ``?``: one or none)."""
        key = (field, pattern)
        found = self._expanded.get(key)
        if found is not None:
            return found
        prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
        regex = "".join(".*" if c == "*" else ".?" if c == "?" else re.escape(c) for c in pattern)
        words: list[str] = []
        if prefix:  # the words beginning so, in order: a range of the term table
            fits = re.compile(regex).fullmatch
            for btext in self.searcher.reader().expand_prefix(field, prefix):
                text = btext.decode("utf-8") if isinstance(btext, bytes) else str(btext)
                if fits(text):
                    words.append(text)
                    if len(words) > MAX_EXPANSION:
                        break
        else:  # every word of the field, scanned in one pass over their text
            lexicon = self.cache.lexicon_text(self.searcher, field)
            for m in re.finditer(f"(?m)^{regex}$", lexicon):
                words.append(m.group())
                if len(words) > MAX_EXPANSION:
                    break
        if len(words) > MAX_EXPANSION:
            raise QueryError(
                f"{pattern!r} stands for more than {MAX_EXPANSION:,} different words; give more letters"
            )
        found = tuple(words)
        self._expanded[key] = found
        return found

    def positions(self, field: str, text: str, docs: np.ndarray) -> dict[int, list[int]]:
        """Where ``text`` stands in ``field`` of each of ``docs`` (document numbers of the index, ascending)."""
        out: dict[int, list[int]] = {}
        schema = self.searcher.schema
        btext = schema[field].to_bytes(text)
        wanted = docs.tolist()
        i = 0
        for sub, base in self.searcher.leaf_searchers():
            reader = sub.reader()
            end = base + reader.doc_count_all()
            local = []
            while i < len(wanted) and wanted[i] < end:
                local.append(wanted[i] - base)
                i += 1
            if not local or (field, btext) not in reader:
                continue
            m = reader.postings(field, btext)
            for doc in local:
                if not m.is_active():
                    break
                if m.id() < doc:
                    m.skip_to(doc)
                    if not m.is_active():
                        break
                if m.id() == doc:
                    out[doc + base] = m.value_as("positions")
        return out


def _is_pattern(word: str) -> bool:
    return "*" in word or "?" in word


def _union(arrays: Iterable[np.ndarray]) -> np.ndarray:
    kept = [a for a in arrays if a.size]
    if not kept:
        return np.empty(0, dtype=np.int32)
    return kept[0] if len(kept) == 1 else np.unique(np.concatenate(kept))


def _runs(
    alt: tuple[int, list[Step]], positions: dict[str, dict[int, list[int]]], doc: int
) -> list[tuple[int, int]]:
    """The ``(first, last)`` positions where a run of words stands in the paper: a chain of its steps through
    consecutive positions."""
    length, steps = alt
    reach: list[dict[int, set[int]]] = [{} for _ in range(length + 1)]  # word index -> next position -> starts
    for a, b, terms in sorted(steps):
        for term in terms:
            for p in positions.get(term, {}).get(doc, ()):
                if a == 0:
                    reach[b].setdefault(p + 1, set()).add(p)
                elif p in reach[a]:
                    reach[b].setdefault(p + 1, set()).update(reach[a][p])
    return [(start, end - 1) for end, starts in reach[length].items() for start in starts]


def _near(spans: list[list[tuple[int, int]]], distance: int, ordered: bool) -> int:
    """1 if a span of each slot can be chosen so that neighbours have at most ``distance`` positions between
    them (slots in their order when ``ordered``); else 0."""
    if any(not s for s in spans):
        return 0
    k = len(spans)
    items = sorted((start, end, slot) for slot, ss in enumerate(spans) for start, end in set(ss))
    full = (1 << k) - 1
    # From each item as the first of the chain, extend to later items: state (mask, index of the last item).
    for first, (_, _, slot0) in enumerate(items):
        if ordered and slot0 != 0:
            continue
        frontier = [(1 << slot0, first)]
        seen = set(frontier)
        while frontier:
            mask, last = frontier.pop()
            if mask == full:
                return 1
            end = items[last][1]
            for j in range(last + 1, len(items)):
                start, _, slot = items[j]
                if start - end - 1 > distance:
                    break
                if start <= end or mask & (1 << slot) or (ordered and slot != bin(mask).count("1")):
                    continue
                state = (mask | (1 << slot), j)
                if state not in seen:
                    seen.add(state)
                    frontier.append(state)
    return 0


def _unfinished(high: str, included: bool) -> list[str]:
    """The year and month that ``high`` (a date range's end) lies inside of but does not reach the end of: papers
    dated only so reach past the range."""
    parts = high.split("-")
    periods = ["-".join(parts[:n]) for n in range(1, len(parts))]
    if not included:
        return periods
    year, month, day = (parts + ["", ""])[:3]  # a month's end may be written -31 whatever its length
    month_ended = not day or int(day) >= calendar.monthrange(int(year), int(month))[1]
    ended = {year: month == "12" and month_ended, f"{year}-{month}": month_ended}
    return [period for period in periods if not ended[period]]


def _date_end(date: object, after: bool) -> str:
    """``date`` as text that sorts after (``after``) or before every day of the year or month it names.

    Before: a first day or month is its month or year (``2014-01-01`` is ``2014``), which a paper dated only
    ``2014`` or ``2014-01`` sorts after, as it lies wholly after that day.
    """
    text = str(date)
    if after:
        return text + "-99" * (2 - text.count("-"))
    while text.endswith("-01"):
        text = text[:-3]
    return text
