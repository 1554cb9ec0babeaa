"""Ranking by meaning as well as words, in an index built with ``meaning=True``.

The words decide which papers match; meaning only reorders the best of them. Each of the :data:`DEPTH` papers
with the highest word scores gains

    WEIGHT × the best word score × max(0, similarity)

where similarity is the cosine of its vector and the query's (:mod:`searchlib.analysis.meaning`). Scaling by the
best word score puts meaning on the scale of that query's word scores, whatever their size; papers below the
first :data:`DEPTH` keep their word scores, which are no higher than any paper's above them. So a search finds
exactly the papers its syntax promises, with or without meaning, and only their order differs.

``WEIGHT`` was chosen on training data only (docs/explanation/ranking.md): the SciFact training claims and
Cranfield's and CISI's odd- and even-numbered queries, each collection as it is and with 30% and 60% of the
abstracts removed.
"""

from __future__ import annotations

import numpy as np
from whoosh.searching import Searcher

from ..analysis.meaning import from_bytes, paper_encoder
from ..errors import SearchlibError
from .explain import TermScore
from .highlight import TEXT_FIELDS
from .termwise import rank
from .tree import And, AndMaybe, AndNot, Node, Or, Phrase, Query, Word

#: The share of the best word score that a paper whose vector is the query's gains.
WEIGHT = 1.5
#: How many of the best papers by words are reordered.
DEPTH = 1000
#: Fields whose words say what a paper is about; words searched only elsewhere (authors, journal) are not meaning.
_TEXT_FIELDS = frozenset((*TEXT_FIELDS, "tiab"))


def has_meaning(searcher: Searcher) -> bool:
    """Whether the index keeps papers' vectors (it was built with ``meaning=True``)."""
    return "meaning" in searcher.schema


def query_text(parsed: Query, plain: bool) -> str:
    """What the model reads of a query: a plain query as typed; otherwise its words and phrases in order, without
    field names, operators, patterns or the words it excludes."""
    if plain:
        return parsed.text
    words: list[str] = []
    _collect(parsed.tree, words)
    return " ".join(words)


def _collect(node: Node, words: list[str]) -> None:
    if isinstance(node, Word):
        if not node.is_pattern and (not node.fields or set(node.fields) & _TEXT_FIELDS):
            words.append(node.text)
    elif isinstance(node, Phrase):
        if not node.fields or set(node.fields) & _TEXT_FIELDS:
            words.extend(slot[0] for slot in node.slots)
    elif isinstance(node, (And, Or)):
        for part in node.parts:
            _collect(part, words)
    elif isinstance(node, AndNot):
        _collect(node.positive, words)
    elif isinstance(node, AndMaybe):
        _collect(node.required, words)
        _collect(node.optional, words)


class Meaning:
    """The meaning part of the scores of one query: the papers reordered, their similarities, and the scale."""

    def __init__(self, searcher: Searcher, text: str, scores: np.ndarray) -> None:
        top = rank(scores, DEPTH, searcher).top
        self.best = top[0][0] if top else 0.0
        self.docnums = np.array([docnum for _, docnum in top], dtype=np.int64)
        self.similarity = np.zeros(len(self.docnums), dtype=np.float64)
        query = query_vector(text) if len(self.docnums) else None
        if query is not None:
            self.similarity = paper_vectors(searcher, self.docnums) @ query

    def added(self) -> np.ndarray:
        """What each of :attr:`docnums` gains."""
        return gains(self.best, self.similarity)

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """``scores`` with each reordered paper's gain added."""
        out = scores.astype(np.float64, copy=True)
        out[self.docnums] += self.added()
        return out

    def part(self, docnum: int) -> list[TermScore]:
        """What paper ``docnum`` gains, as a part of its explanation (none when it is not reordered or gains 0)."""
        found = np.flatnonzero(self.docnums == docnum)
        gain = float(self.added()[found[0]]) if len(found) else 0.0
        return [meaning_part(float(self.similarity[found[0]]), gain)] if gain > 0 else []


def gains(best: float, similarity: np.ndarray) -> np.ndarray:
    """What papers of these cosines with the query gain, in a search whose best word score is ``best``."""
    return WEIGHT * best * np.maximum(similarity, 0.0)


def meaning_part(similarity: float, gain: float) -> TermScore:
    """What meaning adds to a paper's score, as a part of its explanation."""
    return TermScore("meaning", f"{similarity:.3f}", gain, "meaning", boost=WEIGHT)


def query_vector(text: str) -> np.ndarray | None:
    """The query's vector, or None for a query with no words to read."""
    return paper_encoder().encode([text])[0].astype(np.float64) if text.strip() else None


def paper_vectors(searcher: Searcher, docnums: np.ndarray) -> np.ndarray:
    """The vectors of papers ``docnums`` (one row each)."""
    column = searcher.reader().column_reader("meaning", translate=False)
    rows = []
    for docnum in docnums.tolist():
        blob = bytes(column[docnum])
        if not blob:
            raise SearchlibError(f"paper {docnum} of the index has no vector; rebuild the index with meaning=True")
        rows.append(from_bytes(blob))
    return np.vstack(rows).astype(np.float64)
