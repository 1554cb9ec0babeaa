"""Why a paper scored what it did: the query taken apart into the terms that matched, each with its BM25F parts.

searchlib ranks with BM25 per field (:mod:`searchlib.search.ranking`): every matching term in every field adds

    boost × idf × tf × (k1 + 1) / (tf + k1 × (1 − b + b × length / average length))

where ``tf`` is how often the term occurs in that field of the paper,
``idf = ln(1 + (N − df + 0.5) / (df + 0.5))`` how rare it is (``N`` papers, ``df`` of them with the term),
``length`` the field's length in words (Whoosh stores it to about two significant figures), and ``boost`` the
field's weight (:data:`.FIELD_BOOSTS`) times any ``^`` in the query. An ``AND`` or ``OR`` adds
up the scores of the parts that match, so the terms' scores sum
to the paper's score. Wildcards and ranges give every match the same score (their boost); a phrase scores
as Whoosh's phrase matcher does, from its words' occurrences.

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

from whoosh import query as wq
from whoosh.searching import Searcher


@dataclass(frozen=True, slots=True)
class TermScore:
    """One matching term in one field and what it added to the score.

    For a plain term every BM25F component is filled in; for a phrase, wildcard or range only ``score``,
    ``boost`` and ``kind`` are, since Whoosh scores those as a whole.
    """

    field: str
    term: str
    score: float
    kind: str = "term"  # term, phrase, wildcard, range, exact, not or other
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
                "wildcard": "a wildcard over the words in brackets, scored by Whoosh as one",
                "range": "a range: every match adds its boost",
                "exact": "an exact value: every match adds its boost",
                "not": "a NOT inside AND: Whoosh adds 1 for a paper it lets through",
                "phrase": "a phrase, scored by Whoosh from its words' occurrences",
            }.get(self.kind, "scored by Whoosh as a whole")
            return f"{head} ({what}; boost {self.boost:g})"
        assert self.idf is not None and self.length is not None and self.average_length is not None
        assert self.k1 is not None and self.b is not None
        norm = 1 - self.b + self.b * self.length / self.average_length
        return (
            f"{head}\n"
            f"    it occurs {self.tf:g} time(s) in this {self.field} of {self.length:g} words "
            f"(average {self.average_length:.1f});\n"
            f"    {self.df} of {self.papers} papers have it, so idf = ln(1 + ({self.papers} − {self.df} + 0.5) / "
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


def explain_doc(searcher: Searcher, q: wq.Query, docnum: int) -> list[TermScore] | None:
    """The terms of ``q`` that match document ``docnum``, with their scores; None if it does not match."""
    return _walk(searcher, q, docnum, 1.0)


def score_of(searcher: Searcher, q: wq.Query, docnum: int) -> float:
    """The relevance score ``q`` gives document ``docnum`` (0.0 when it does not match)."""
    parts = explain_doc(searcher, q, docnum)
    return sum(p.score for p in parts) if parts else 0.0


def _walk(searcher: Searcher, q: wq.Query, docnum: int, boost: float) -> list[TermScore] | None:
    boost *= getattr(q, "boost", 1.0) if isinstance(q, (wq.And, wq.Or)) else 1.0
    if isinstance(q, wq.And) and not isinstance(q, wq.Or):
        parts: list[TermScore] = []
        for sub in q.subqueries:
            found = _walk(searcher, sub, docnum, boost)
            if found is None:
                return None
            parts += found
        return parts
    if type(q) is wq.Or and not getattr(q, "scale", None):
        matched = [found for sub in q.subqueries if (found := _walk(searcher, sub, docnum, boost)) is not None]
        return [p for found in matched for p in found] if matched else None
    if isinstance(q, wq.AndNot):
        positive = _walk(searcher, q.a, docnum, boost)
        return None if positive is None or _matches(searcher, q.b, docnum) else positive
    if isinstance(q, wq.Require):
        required = _walk(searcher, q.a, docnum, boost)
        return None if required is None or not _matches(searcher, q.b, docnum) else required
    if isinstance(q, wq.AndMaybe):
        required = _walk(searcher, q.a, docnum, boost)
        return None if required is None else required + (_walk(searcher, q.b, docnum, boost) or [])
    return _leaf(searcher, q, docnum, boost)


def _matcher_at(searcher: Searcher, q: wq.Query, docnum: int):  # type: ignore[no-untyped-def]
    m = q.matcher(searcher, searcher.context())
    if m.is_active() and m.id() < docnum:
        m.skip_to(docnum)
    return m if m.is_active() and m.id() == docnum else None


def _matches(searcher: Searcher, q: wq.Query, docnum: int) -> bool:
    return _matcher_at(searcher, q, docnum) is not None


def _leaf(searcher: Searcher, q: wq.Query, docnum: int, boost: float) -> list[TermScore] | None:
    m = _matcher_at(searcher, q, docnum)
    if m is None:
        return None
    score = m.score() * boost
    field = (q.field() if hasattr(q, "field") else None) or "-"
    if isinstance(q, wq.Term) and not searcher.schema[q.fieldname].scorable:
        return [TermScore(field, _text(searcher, field, q.text), score, "exact", boost=boost * q.boost)]
    if isinstance(q, wq.Not):
        return [TermScore("-", str(q), score, "not", boost=boost * q.boost)]
    if isinstance(q, wq.Term):
        # The matcher's weight includes the term's boost: read tf from the plain term's postings.
        plain = _matcher_at(searcher, wq.Term(q.fieldname, q.text), docnum)
        tf = plain.weight() if plain is not None else m.weight()
        return [_term_score(searcher, q, docnum, score, boost * q.boost, tf)]
    if isinstance(q, wq.Phrase):
        return [TermScore(field, " ".join(q.words), score, "phrase", boost=boost * q.boost)]
    if isinstance(q, wq.MultiTerm) and not isinstance(q, (wq.NumericRange, wq.TermRange)):
        words = [_text(searcher, field, w) for _f, w in q.expanded_terms(searcher.reader()) if w]
        if len(words) == 1:  # Whoosh searches a lone expansion as a plain term, without the boost
            return _leaf(searcher, wq.Term(field, words[0]), docnum, boost)
        hit = [w for w in words if _matches(searcher, wq.Term(field, w), docnum)]
        label = f"{str(q).partition(':')[2] or q} ({', '.join(hit[:5])}{', …' if len(hit) > 5 else ''})"
        return [TermScore(field, label, score, "wildcard", boost=boost * q.boost)]
    if isinstance(q, (wq.NumericRange, wq.TermRange)):
        return [TermScore(field, str(q).partition(":")[2], score, "range", boost=boost * q.boost)]
    return [TermScore(field, str(q), score, "other", boost=boost * getattr(q, "boost", 1.0))]


def _term_score(searcher: Searcher, q: wq.Term, docnum: int, score: float, boost: float, tf: float) -> TermScore:
    field = q.fieldname
    text = _text(searcher, field, q.text)
    weighting = searcher.weighting
    k1 = getattr(weighting, "K1", None)
    b = getattr(weighting, "field_b", {}).get(field, getattr(weighting, "B", None))
    return TermScore(
        field=field,
        term=text,
        score=score,
        tf=tf,
        df=searcher.doc_frequency(field, q.text),
        papers=searcher.doc_count_all(),
        idf=weighting.idf(searcher, field, q.text),
        length=searcher.reader().doc_field_length(docnum, field, 1),
        average_length=searcher.avg_field_length(field) or 1,
        k1=k1,
        b=b,
        boost=boost,
    )


def _text(searcher: Searcher, field: str, text: object) -> str:
    """A term as a user would write it (numbers in numeric fields are stored encoded)."""
    if isinstance(text, bytes):
        try:
            return str(searcher.schema[field].from_bytes(text))
        except Exception:
            return text.decode("utf-8", "replace")
    return str(text)
