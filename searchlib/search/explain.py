"""Why a paper scored what it did: the query taken apart into the terms that matched, each with its BM25F parts.

searchlib ranks with BM25 per field (:mod:`searchlib.search.ranking`): every matching term in every field adds

    boost × idf × tf × (k1 + 1) / (tf + k1 × (1 − b + b × length / average length))

where ``tf`` is how often the term occurs in that field of the paper,
``idf = ln(1 + (N − df + 0.5) / (df + 0.5))`` how rare it is (``N`` papers, ``df`` of them with the term),
``length`` the field's length in words (Whoosh stores it to about two significant figures), and ``boost`` the
field's weight (:data:`.FIELD_WEIGHTS`) times any ``^`` in the query. An ``AND`` or ``OR`` adds up the
scores of the parts that match, so the parts' scores sum to the paper's score. A phrase, a quoted word or a
proximity search scores by BM25 of how often it occurs in the words as written; a word with ``*`` or ``?`` and a
range give every match the same score (their weight).

>>> from searchlib import build_index, bundled_records_path
>>> index = build_index(bundled_records_path())
>>> e = index.explain("methods:interviews", "10.1136/bmjqs-2024-017268")
>>> [(p.field, p.term, p.tf) for p in e.parts]
[('methods', 'interview', 3.0)]
>>> abs(sum(p.score for p in e.parts) - e.score) < 1e-9
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from .match import Matcher
from .plan import Exact, Plan, Terms, Values
from .ranking import K1, B
from .tree import And, AndMaybe, AndNot, Or


@dataclass(frozen=True, slots=True)
class TermScore:
    """One matching term in one field and what it added to the score.

    For a term every BM25 component is filled in; for a phrase, pattern or range only ``score``, ``boost`` and
    ``kind`` are.
    """

    field: str
    term: str
    score: float
    kind: str = "term"  # term, phrase, pattern, range or exact
    tf: float | None = None
    df: int | None = None
    papers: int | None = None
    idf: float | None = None
    length: float | None = None
    average_length: float | None = None
    k1: float | None = None
    b: float | None = None
    boost: float = 1.0

    def describe(self) -> str:
        """The score of this term, in words and numbers."""
        head = f"{self.field}: {self.term!r} adds {self.score:.3f}"
        if self.kind != "term" or self.tf is None:
            what = {
                "pattern": "words as written fitting a pattern: every match adds its weight",
                "range": "a range: every match adds its weight",
                "exact": "an identifier: every match adds its weight",
                "phrase": "words as written, scored by BM25 of how often they occur",
            }.get(self.kind, "scored as a whole")
            return f"{head} ({what}; boost {self.boost:g})"
        assert self.idf is not None and self.length is not None and self.average_length is not None
        assert self.k1 is not None and self.b is not None
        norm = 1 - self.b + self.b * self.length / self.average_length
        return (
            f"{head}\n"
            f"    it occurs {self.tf:g} {'time' if self.tf == 1 else 'times'} in this {self.field} "
            f"of {self.length:g} words "
            f"(average {self.average_length:.1f});\n"
            f"    {self.df} of {self.papers} papers {'has' if self.df == 1 else 'have'} it, "
            f"so idf = ln(1 + ({self.papers} − {self.df} + 0.5) / "
            f"({self.df} + 0.5)) "
            f"= {self.idf:.3f};\n"
            f"    BM25: boost {self.boost:g} × idf {self.idf:.3f} × tf {self.tf:g} × (k1 {self.k1:g} + 1) / "
            f"(tf {self.tf:g} + k1 {self.k1:g} × (1 − b {self.b:g} + b {self.b:g} × {self.length:g} / "
            f"{self.average_length:.1f})) = {self.boost:g} × {self.idf:.3f} × "
            f"{self.tf * (self.k1 + 1) / (self.tf + self.k1 * norm):.3f} = {self.score:.3f}"
        )


@dataclass(frozen=True, slots=True)
class Explanation:
    """How one paper's score for one query arose. ``score`` is None when the paper does not match."""

    query: str
    parsed: str
    id: str
    score: float | None
    parts: tuple[TermScore, ...]

    @property
    def matched(self) -> bool:
        return self.score is not None

    def by_field(self) -> dict[str, float]:
        """The score summed per field, largest first."""
        totals: dict[str, float] = {}
        for p in self.parts:
            totals[p.field] = totals.get(p.field, 0.0) + p.score
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    def __str__(self) -> str:
        if self.score is None:
            return f"{self.id} does not match {self.query!r} (read as {self.parsed})"
        lines = [
            f"{self.id} scores {self.score:.3f} for {self.query!r} (read as {self.parsed}),",
            "the sum of its matching terms' BM25F scores:",
            "by field: " + ", ".join(f"{f} {s:.3f}" for f, s in self.by_field().items()),
        ]
        lines += [p.describe() for p in sorted(self.parts, key=lambda p: -p.score)]
        return "\n".join(lines)


def explain_doc(matcher: Matcher, plan: Plan, docnum: int) -> list[TermScore] | None:
    """The parts of ``plan`` that match document ``docnum``, with their scores; None if it does not match.

    Each part's score is the value the search adds for it (:mod:`.match`), so the parts add up to the paper's
    score; a term's BM25 components are read back from the index to show how that value arose.
    """
    kind = type(plan)
    if kind in (And, Or):
        found = [_explained(matcher, part, docnum) for part in plan.parts]  # type: ignore[union-attr]
        if kind is And and any(f is None for f in found):
            return None
        kept = [p for f in found if f is not None for p in f]
        return kept if kept or kind is And else None
    if kind is AndNot:
        if matcher.node(plan.negative)[docnum] > 0:  # type: ignore[union-attr]
            return None
        return _explained(matcher, plan.positive, docnum)  # type: ignore[union-attr]
    if kind is AndMaybe:
        required = _explained(matcher, plan.required, docnum)  # type: ignore[union-attr]
        optional = _explained(matcher, plan.optional, docnum)  # type: ignore[union-attr]
        return None if required is None else required + (optional or [])
    if kind is Terms:
        return _terms(matcher, plan, docnum) or None  # type: ignore[arg-type]
    score = float(matcher.node(plan)[docnum])
    if score <= 0:
        return None
    if kind is Values:
        low, high = plan.low, plan.high  # type: ignore[union-attr]
        label = f"{low if low is not None else '*'} to {high if high is not None else '*'}"
        return [TermScore(plan.field, label, score, "range", boost=plan.weight)]  # type: ignore[union-attr]
    exact: Exact = plan  # type: ignore[assignment]
    shown = " ".join("|".join(" ".join(alt) for alt in slot) for slot in exact.slots)
    label = f'"{shown}"' + (f"~{exact.distance}" if exact.distance is not None else "")
    field = exact.field.removesuffix("_exact")
    return [TermScore(field, label, score, "pattern" if exact.has_pattern else "phrase", boost=exact.weight)]


_explained = explain_doc


def _terms(matcher: Matcher, plan: Terms, docnum: int) -> list[TermScore]:
    """Each term of ``plan`` the paper holds, its score as the search adds it, and its BM25 components."""
    searcher = matcher.searcher
    out = []
    for field, text, weight in plan.terms:
        found = matcher.postings(field, text)
        if found is None:
            continue
        ids, scores = found
        i = int(np.searchsorted(ids, docnum))
        if i >= len(ids) or ids[i] != docnum:
            continue
        score = float(scores[i]) * weight
        if not searcher.schema[field].scorable:
            out.append(TermScore(field, text, score, "exact", boost=weight))
            continue
        btext = searcher.schema[field].to_bytes(text)
        idf, average = matcher.cache.scoring(searcher, field, btext)
        out.append(
            TermScore(
                field=field,
                term=text,
                score=score,
                tf=_frequency_in(searcher, field, btext, docnum),
                df=matcher.stats.doc_frequency(searcher, field, btext),
                papers=matcher.stats.papers(searcher),
                idf=idf,
                length=searcher.reader().doc_field_length(docnum, field, 1),
                average_length=average,
                k1=K1,
                b=B,
                boost=weight,
            )
        )
    return out


def _frequency_in(searcher: Searcher, field: str, btext: bytes, docnum: int) -> float:
    """How often the term occurs in ``field`` of the paper, read from its postings."""
    for sub, base in searcher.leaf_searchers():
        reader = sub.reader()
        if base <= docnum < base + reader.doc_count_all() and (field, btext) in reader:
            m = reader.postings(field, btext)
            m.skip_to(docnum - base)
            if m.is_active() and m.id() == docnum - base:
                return float(m.weight())
    return 0.0
