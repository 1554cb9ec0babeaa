"""How papers are scored: BM25F over title and abstract together, BM25 in a field searched alone.

A bare word searches the title and the abstract as one text (BM25F, in the form of Robertson, Zaragoza and
Taylor's "simple BM25 extension to multiple weighted fields"): the word's count in the title, times
:data:`TITLE_WEIGHT`, plus its count in the abstract is one weighted frequency; the paper's length is its title's
length, times the same weight, plus its abstract's; and BM25 scores the word from these, with one saturation
(:data:`K1`), one length normalisation (:data:`B`) and one idf, from the papers holding the word in either field.
A paper known only by its title is thus a short paper whose every word is in its title, ranked by it, not a paper
missing half of its evidence. A field named in a query (``methods:``, ``[ti]``) is scored by BM25 on that field,
which is BM25F with one field.

The idf is that of the BM25 papers and Lucene (``log(1 + (N - df + 0.5) / (df + 0.5))``), not Whoosh's tf-idf
style ``log(N / (df + 1)) + 1``, which gives words found in most papers too much weight. The settings were
chosen on training data only (``benchmarks/tune_fields.py``), one setting for every collection.

>>> TIAB_FIELDS
{'title': 3.0, 'abstract': 1.0}
"""

from __future__ import annotations

from math import log
from typing import Any

from whoosh import scoring
from whoosh.searching import Searcher

#: Term-frequency saturation: a word's fourth mention adds little over its second.
K1 = 2.0
#: Length normalisation: a match in a short paper counts more than the same match in a long one.
B = 0.75
#: How much a word in the title counts against the same word in the abstract: a title is short and says what
#: the paper is about.
TITLE_WEIGHT = 3.0
#: The pseudo-field that bare words and ``[tiab]`` search: title and abstract scored as one text by BM25F.
TIAB = "tiab"
#: The fields :data:`TIAB` combines, and each one's weight (in the frequency and the length alike).
TIAB_FIELDS: dict[str, float] = {"title": TITLE_WEIGHT, "abstract": 1.0}


def saturated(tf: Any, norm: Any, idf: float) -> Any:
    """BM25 of a (weighted) frequency ``tf`` (a number or an array), given ``norm``, ``k1 × (1 − b + b ×
    length / average length)``; with one field of weight 1 it is that field's BM25.

    >>> round(saturated(1.0, norm=K1, idf=2.0), 3), round(saturated(3.0, norm=K1, idf=2.0), 3)
    (2.0, 3.6)
    """
    return idf * ((tf * (K1 + 1)) / (tf + norm))


class PaperBM25(scoring.BM25F):
    """Whoosh's BM25 scorer with Robertson's idf, for single fields; usable as
    ``ix.searcher(weighting=PaperBM25())``."""

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
