"""Pseudo-relevance feedback: search, read the best few papers, search again with their telling words added.

A question asks about a topic in its own words; the papers that answer it often use others ("tensile
strength" for "stress", "indexing" for "classification"). Feedback assumes the top :data:`FEEDBACK_DOCS` papers
of a first search are about the topic, scores every title and abstract word in them with the Bo1
divergence-from-randomness model (words frequent in those papers but rare in the collection score high), and
adds the :data:`FEEDBACK_TERMS` best to the query in proportion to their scores, together weighing
:data:`FEEDBACK_WEIGHT` times the query's own words (the way RM3 mixes a query with its feedback model).

Each paper's words count in proportion to its score relative to the top paper's, raised to the power
:data:`FEEDBACK_SHARPNESS` (as RM3 weighs each feedback document by its likelihood): a paper scoring 90% of the
first counts about half as much, one scoring 70% hardly at all. Counting the top papers alike pulled a search
for a precise claim, which one or two papers answer, towards the next-best papers' topics; weighed by score,
feedback raised nDCG@10 on every training collection, so it is on by default for ``match="any"`` searches
ranked by relevance. A paper's words count per word of its title and abstract (times the average paper's
length), so that a paper known by its title alone gives its words as much say as a paper with an abstract
gives its own. The settings were chosen on training data (``benchmarks/tune.py --feedback``,
``benchmarks/tune_fields.py --feedback``).

>>> from searchlib import build_index, bundled_records_path
>>> index = build_index(bundled_records_path())
>>> index.search("antibiotic stewardship", match="any", feedback=True).total >= index.search(
...     "antibiotic stewardship", match="any").total
True
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from math import log2
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from .._engine.schema import stored_records
from ..records.record import Record
from .plan import FIELD_WEIGHTS, Plan, Terms, leaves
from .ranking import TIAB
from .termwise import frequency, rank
from .tree import AndMaybe, Or

#: How many of the first search's top papers are read (weighed by score: the first few lead). Reading 10, with
#: 80 words at weight 1.25, scored a little better on training data but doubled a claim's search time.
FEEDBACK_DOCS = 3
#: How many of their words are added to the query.
FEEDBACK_TERMS = 40
#: The added words together weigh this much relative to the query's own words.
FEEDBACK_WEIGHT = 0.7
#: A feedback paper's words count ``(its score / the top paper's score) ** FEEDBACK_SHARPNESS`` times.
FEEDBACK_SHARPNESS = 8.0

_FIELDS = ("title", "abstract")


def feedback_papers(searcher: Searcher, scores: np.ndarray) -> list[tuple[float, int]]:
    """The first search's best :data:`FEEDBACK_DOCS` papers as ``(score, docnum)``, ties by paper id (not by
    place in the index), so that the same papers give the same feedback however the index was built or split."""
    return rank(scores, FEEDBACK_DOCS, searcher).top


def expand(searcher: Searcher, plan: Plan, top: Sequence[tuple[float, int]], *, loosen: bool = True) -> Plan:
    """``plan`` with the telling words of the papers ``top`` (``(score, docnum)``, best first) added, each
    searched in title and abstract together (BM25F, as bare words are).

    ``loosen=True`` (for ``match="any"``) lets the added words find papers of their own; ``loosen=False`` (for
    ``match="all"``) only re-ranks the papers ``plan`` matches. Each paper's words count by its score (see
    :data:`FEEDBACK_SHARPNESS`).
    """
    if not top:
        return plan
    records = [stored_records(searcher).record(docnum) for _, docnum in top]
    reader = searcher.reader()
    return expand_with(
        plan,
        [score for score, _ in top],
        records,
        searcher.schema["abstract"],
        reader.doc_count_all(),
        sum(reader.field_length(field) for field in _FIELDS),
        lambda term: sum(frequency(searcher, field, term) for field in _FIELDS),
        loosen=loosen,
    )


def expand_with(
    plan: Plan,
    scores: Sequence[float],
    records: Sequence[Record],
    analyzer_field: Any,
    n: int,
    length: int,
    cf: Callable[[str], float],
    *,
    loosen: bool = True,
    prefetch: Callable[[list[str]], None] | None = None,
) -> Plan:
    """:func:`expand` from the feedback papers' ``records`` and ``scores`` and the collection's statistics: ``n``
    papers, ``length`` words in all their titles and abstracts, ``cf(term)`` a term's occurrences in them
    (whatever holds the papers: one index, or the shards of one). ``prefetch`` is told the order in which
    ``cf`` may be asked for the words (it stops early), for a caller that looks words up in batches."""
    most = length / n  # the average paper's length
    in_top: defaultdict[str, float] = defaultdict(float)
    for weight, record in zip(paper_weights(scores), records, strict=True):
        counts = _paper_words(analyzer_field, record)
        total = sum(counts.values())
        for term, count in counts.items():  # per word of the paper: a title-only paper counts as much
            in_top[term] += weight * most * count / total
    if not in_top:
        return plan
    best = best_words(in_top, cf, n, most, prefetch)
    if not best:
        return plan
    mass = FEEDBACK_WEIGHT * _query_length(plan) / sum(score for score, _ in best)
    added = Terms(tuple((TIAB, term, FIELD_WEIGHTS[TIAB] * mass * score) for score, term in best))
    return Or((plan, added)) if loosen else AndMaybe(plan, added)


def _paper_words(analyzer_field: Any, record: Record) -> Counter[str]:
    """How often each term occurs in the paper's title and abstract."""
    positions = getattr(analyzer_field.analyzer, "positions", None)  # the cached analyzer's: no tokens made
    counts: Counter[str] = Counter()
    for text in (record.title, record.abstract):
        if not text:
            continue
        found = positions(text) if positions is not None else None
        if found is not None:
            for term, where in found.items():
                counts[term] += len(where)
        else:
            counts.update(analyzer_field.process_text(text, mode="index"))
    return counts


def best_words(
    in_top: dict[str, float],
    cf: Callable[[str], float],
    n: int,
    most: float | None = None,
    prefetch: Callable[[list[str]], None] | None = None,
) -> list[tuple[float, str]]:
    """The :data:`FEEDBACK_TERMS` words of ``in_top`` (word -> count in the feedback papers) with the best Bo1
    scores, as ``(score, word)`` best first (ties: alphabetical); ``cf(word)`` is the word's count in the
    collection of ``n`` papers.

    A word's Bo1 score is ``count * log2((1 + f) / f) + log2(1 + f)`` with ``f = cf / n``, which lies between
    ``1 / n`` and ``most`` (the average paper length, title and abstract): the score is then at most the
    larger of its values at those two ends (:func:`_best_possible`). Words are taken in order of count, and
    once that bound falls below the last of the best words' scores the rest are passed over without looking
    up their ``cf`` (a lookup in every segment). ``most=None`` looks every word up; both give the same words.

    >>> counts = {"insulin": 3.0, "glucose": 2.0, "patient": 2.0, "rare": 0.01}
    >>> cfs = {"insulin": 10, "glucose": 40, "patient": 900, "rare": 1}
    >>> [w for _, w in best_words(counts, cfs.get, 1000, 50.0)][:3]
    ['insulin', 'glucose', 'patient']
    """
    heap: list[float] = []  # the best scores so far, lowest first
    scored = []
    ordered = sorted(in_top.items(), key=lambda tc: (-tc[1], tc[0]))
    if prefetch is not None:
        prefetch([term for term, _ in ordered])
    for term, count in ordered:
        if most is not None and len(heap) == FEEDBACK_TERMS:
            if _best_possible(count, n, most) < heap[0]:
                break
        found = cf(term)
        if found:
            f = found / n
            score = count * log2((1 + f) / f) + log2(1 + f)
            scored.append((score, term))
            if len(heap) < FEEDBACK_TERMS:
                heapq.heappush(heap, score)
            elif score > heap[0]:
                heapq.heapreplace(heap, score)
    return sorted(scored, key=lambda st: (-st[0], st[1]))[:FEEDBACK_TERMS]


def _best_possible(count: float, n: int, most: float) -> float:
    """The highest Bo1 score a word counted ``count`` times can have, whatever its collection frequency ``f``
    (per paper): ``count * log2((1 + f) / f) + log2(1 + f)`` falls while ``f < count`` and rises after, so it is
    highest at one end of the range ``f`` can take, from one occurrence in ``n`` papers to ``most`` a paper."""
    rare, common = 1 / n, max(most, 1 / n)
    return max(
        count * log2((1 + rare) / rare) + log2(1 + rare), count * log2((1 + common) / common) + log2(1 + common)
    )


def paper_weights(scores: Sequence[float]) -> list[float]:
    """How much each feedback paper's words count, from the papers' scores (best first), averaging 1.

    >>> [round(w, 2) for w in paper_weights([10.0, 9.0, 7.0])]
    [2.02, 0.87, 0.12]
    """
    top = max(scores)
    if top <= 0:
        return [1.0] * len(scores)
    raw = [max(score, 0.0) / top for score in scores]
    raw = [r**FEEDBACK_SHARPNESS for r in raw]
    return [len(raw) * r / sum(raw) for r in raw]


def _query_length(plan: Plan) -> float:
    """How many words the query holds, by weight (a repeated word by :func:`~.ranking.mentions`, a ``^`` by its
    boost)."""
    terms = [term for leaf in leaves(plan) if type(leaf) is Terms for term in leaf.terms]
    in_text = [weight / FIELD_WEIGHTS[TIAB] for field, _, weight in terms if field == TIAB]
    return sum(in_text) or float(len(terms)) or 1.0
