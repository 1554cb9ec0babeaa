"""How papers are scored: Okapi BM25 per field, with Robertson's idf, summed over fields with their weights.

Whoosh's ``BM25F`` uses a tf-idf style idf (``log(N / (df + 1)) + 1``), which gives words found in most papers
too much weight; :class:`PaperBM25` uses the idf of the BM25 papers and Lucene (``log(1 + (N - df + 0.5) /
(df + 0.5))``). ``K1`` and ``B`` were chosen on training data only (``benchmarks/tune.py``), one setting for
every collection; the field weights are :data:`searchlib.search.query.FIELD_BOOSTS`.

>>> PaperBM25().K1, PaperBM25().B
(0.9, 0.9)
"""

from __future__ import annotations

from math import log

from whoosh import scoring
from whoosh.searching import Searcher

#: Term-frequency saturation: a word's fourth mention in an abstract adds little over its second.
K1 = 0.9
#: Length normalisation: a match in a short abstract counts more than the same match in a long one.
B = 0.9


class PaperBM25(scoring.BM25F):
    """Whoosh's BM25 scorer with Robertson's idf; usable as ``ix.searcher(weighting=PaperBM25())``."""

    def __init__(self, B: float = B, K1: float = K1, **kwargs: float) -> None:  # noqa: N803 (Whoosh's names)
        super().__init__(B=B, K1=K1, **kwargs)

    def idf(self, searcher: Searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        return robertson_idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())


def robertson_idf(df: int, n: int) -> float:
    """The idf of a word found in ``df`` of ``n`` papers (deleted papers counted, as Whoosh counts them).

    >>> round(robertson_idf(1, 1000), 2), round(robertson_idf(900, 1000), 2)
    (6.5, 0.11)
    """
    return log(1 + (n - df + 0.5) / (df + 0.5))
