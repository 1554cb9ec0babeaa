"""Why a paper scored what it did: the query taken apart into the terms that matched, each with its BM25F parts.

searchlib ranks with BM25F (:mod:`searchlib.search.ranking`). Every matching term adds

    boost × idf × tf × (k1 + 1) / (tf + k1 × (1 − b + b × length / average length))

where for a term of a field searched alone ``tf`` is how often it occurs in that field of the paper and
``length`` the field's length in words (Whoosh stores it to about two significant figures); for a bare word's
term in title and abstract together (``tiab``) they are the title's count and length times the title's weight
plus the abstract's, and the average is of that weighted length. ``idf = ln(1 + (N − df + 0.5) / (df + 0.5))``
says how rare the term is (``N`` papers, ``df`` of them with it, in title or abstract for ``tiab``), and
``boost`` is the query's weight of the term (a ``^``; a word said n times, :func:`~.ranking.mentions`). An ``AND``
or ``OR`` adds up the scores of the parts that match, so the parts' scores sum to the paper's score. A phrase, a
quoted word or a proximity search scores by BM25 of how often it occurs in the words as written; a word with ``*``
or ``?`` and a range give every match the same score (their weight). In an index built with ``meaning=True``, a
paper among the search's best by words also has a ``meaning`` part (:mod:`.meaning`): what the cosine of its
vector and the query's added.

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
from .ranking import K1, TIAB, TIAB_FIELDS, B, robertson_idf
from .tree import And, AndMaybe, AndNot, Or


@dataclass(frozen=True, slots=True)
class FieldCount:
    """A term's count in one field of a paper and the field's length, each weighted by ``weight`` into BM25F's
    frequency and length."""

    field: str
    count: float
    length: float
    weight: float


@dataclass(frozen=True, slots=True)
class TermScore:
    """One matching term in one field (``tiab``: title and abstract together) and what it added to the score.

    For a term every BM25 component is filled in (for ``tiab``, ``tf`` and ``length`` are the title's and
    abstract's weighted and summed, from ``counts``); for a phrase, pattern or range only ``score``, ``boost``
    and ``kind`` are.
    """

    field: str
    term: str
    score: float
    kind: str = "term"  # term, phrase, pattern, range, exact or meaning
    tf: float | None = None
    df: int | None = None
    papers: int | None = None
    idf: float | None = None
    length: float | None = None
    average_length: float | None = None
    k1: float | None = None
    b: float | None = None
    boost: float = 1.0
    counts: tuple[FieldCount, ...] = ()

    def describe(self) -> str:
        """The score of this term, in words and numbers."""
        head = f"{self.field}: {self.term!r} adds {self.score:.3f}"
        if self.kind == "meaning":
            similarity = float(self.term)
            best = self.score / (self.boost * similarity) if similarity > 0 else 0.0
            return (
                f"meaning adds {self.score:.3f}: the cosine of its vector and the query's is {self.term};\n"
                f"    weight {self.boost:g} × the best word score {best:.3f} × {self.term} = {self.score:.3f}"
            )
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
        if self.counts:  # title and abstract together: each field's count and length, weighted and added
            fields = "; ".join(
                f"{c.field}: {c.count:g} {'time' if c.count == 1 else 'times'} in {c.length:g} words, "
                f"weight {c.weight:g}"
                for c in self.counts
            )
            weighted = " + ".join(f"{c.weight:g} × {c.count:g}" for c in self.counts)
            lengths = " + ".join(f"{c.weight:g} × {c.length:g}" for c in self.counts)
            head += " (title and abstract together, BM25F)"
            counted = (
                f"    {fields};\n    so tf = {weighted} = {self.tf:g} in a weighted length of {lengths} = "
                f"{self.length:g} (average {self.average_length:.1f});\n"
            )
            where, model = " in title or abstract", "BM25F"
        else:
            counted = (
                f"    it occurs {self.tf:g} {'time' if self.tf == 1 else 'times'} in this {self.field} "
                f"of {self.length:g} words (average {self.average_length:.1f});\n"
            )
            where, model = "", "BM25"
        norm = 1 - self.b + self.b * self.length / self.average_length
        return (
            f"{head}\n{counted}"
            f"    {self.df} of {self.papers} papers {'has' if self.df == 1 else 'have'} it{where}, "
            f"so idf = ln(1 + ({self.papers} − {self.df} + 0.5) / ({self.df} + 0.5)) = {self.idf:.3f};\n"
            f"    {model}: boost {self.boost:g} × idf {self.idf:.3f} × tf {self.tf:g} × (k1 {self.k1:g} + 1) / "
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
            "the sum of its matching terms' scores (BM25F)"
            + (" and what meaning adds:" if any(p.kind == "meaning" for p in self.parts) else ":"),
            "by field: " + ", ".join(f"{f} {s:.3f}" for f, s in self.by_field().items()),
        ]
        lines += [p.describe() for p in sorted(self.parts, key=lambda p: -p.score)]
        return "\n".join(lines)


def explain_doc(matcher: Matcher, plan: Plan, docnum: int) -> list[TermScore] | None:
    """The parts of ``plan`` that match document ``docnum``, with their scores; None if it does not match.

    Each part's score is the value the search adds for it (:mod:`.match`), so the parts add up to the paper's
    score; a term's BM25 components are read back from the index to show how that value arose.
    """
    if isinstance(plan, (And, Or)):
        found = [_explained(matcher, part, docnum) for part in plan.parts]
        every = isinstance(plan, And)
        if every and any(f is None for f in found):
            return None
        kept = [p for f in found if f is not None for p in f]
        return kept if kept or every else None
    if isinstance(plan, AndNot):
        if matcher.node(plan.negative)[docnum] > 0:
            return None
        return _explained(matcher, plan.positive, docnum)
    if isinstance(plan, AndMaybe):
        required = _explained(matcher, plan.required, docnum)
        optional = _explained(matcher, plan.optional, docnum)
        return None if required is None else required + (optional or [])
    if isinstance(plan, Terms):
        return _terms(matcher, plan, docnum) or None
    score = float(matcher.node(plan)[docnum])
    if score <= 0:
        return None
    if isinstance(plan, Values):
        low, high = plan.low, plan.high
        label = f"{low if low is not None else '*'} to {high if high is not None else '*'}"
        return [TermScore(plan.field, label, score, "range", boost=plan.weight)]
    exact: Exact = plan
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
        if field == TIAB:
            out.append(_tiab(matcher, text, score, len(ids), docnum, weight))
            continue
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


def _tiab(matcher: Matcher, text: str, score: float, df: int, docnum: int, weight: float) -> TermScore:
    """A term of title and abstract together: its count and each field's length, read back from the index."""
    searcher = matcher.searcher
    btext = searcher.schema["abstract"].to_bytes(text)
    reader = searcher.reader()
    counts = tuple(
        FieldCount(
            field, _frequency_in(searcher, field, btext, docnum), reader.doc_field_length(docnum, field) or 0, w
        )
        for field, w in TIAB_FIELDS.items()
    )
    papers = matcher.stats.papers(searcher)
    df = matcher.stats.doc_frequency(searcher, TIAB, btext, here=df)  # the collection's, a sharded one's too
    return TermScore(
        field=TIAB,
        term=text,
        score=score,
        tf=sum(c.weight * c.count for c in counts),
        df=df,
        papers=papers,
        idf=robertson_idf(df, papers),
        length=sum(c.weight * c.length for c in counts),
        average_length=matcher.cache.tiab_average(searcher),
        k1=K1,
        b=B,
        boost=weight,
        counts=counts,
    )


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
