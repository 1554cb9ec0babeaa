"""How papers are scored: BM25F over title and abstract together, BM25 in a field searched alone.

A bare word searches the title and the abstract as one text (Robertson and Zaragoza's BM25F): the word's count
in each field is weighted (:data:`TITLE_WEIGHT`) and divided by that field's length relative to its average
(:data:`B_TITLE`, :data:`B`), the two are added into one pseudo-frequency, and that is saturated once (:data:`K1`)
and multiplied by one idf, from the papers holding the word in either field. A paper known only by its title
thus scores by its title alone, as strongly as a paper whose abstract says nothing more about the word. A field
named in a query (``methods:``, ``[ti]``) is scored by BM25 on that field, which is BM25F with one field.

The idf is that of the BM25 papers and Lucene (``log(1 + (N - df + 0.5) / (df + 0.5))``), not Whoosh's tf-idf
style ``log(N / (df + 1)) + 1``, which gives words found in most papers too much weight. The settings were
chosen on training data only (``benchmarks/tune_fields.py``), one setting for every collection.

>>> TIAB_FIELDS
{'title': 4.0, 'abstract': 1.0}
"""

from __future__ import annotations

from math import log
from typing import Any

from whoosh import scoring
from whoosh.searching import Searcher

#: Term-frequency saturation: a word's fourth mention adds little over its second.
K1 = 1.6
#: Length normalisation of the abstract: a match in a short abstract counts more than in a long one.
B = 0.75
#: Length normalisation of the title.
B_TITLE = 0.9
#: How much a word in the title counts against the same word once in the abstract (each normalised by its
#: field's length): a title is short and says what the paper is about.
TITLE_WEIGHT = 4.0
#: The pseudo-field that bare words and ``[tiab]`` search: title and abstract scored as one text by BM25F.
TIAB = "tiab"
#: The fields :data:`TIAB` combines, and each one's weight.
TIAB_FIELDS: dict[str, float] = {"title": TITLE_WEIGHT, "abstract": 1.0}


def field_b(field: str) -> float:
    """The length normalisation of a field: the title's (and its words as written) its own, others the
    abstract's (sections are parts of the abstract)."""
    return B_TITLE if field in ("title", "title_exact") else B


def saturated(pseudo: Any, idf: float) -> Any:
    """A word's BM25F score from its pseudo-frequency (a number or an array of them): saturated once by
    :data:`K1`, times its idf. With one field of weight 1 it is that field's BM25.

    >>> round(saturated(1.0, idf=2.0), 3), round(saturated(4.0, idf=2.0), 3)
    (2.0, 3.714)
    """
    return idf * (pseudo * (K1 + 1)) / (pseudo + K1)


class PaperBM25(scoring.BM25F):
    """Whoosh's BM25 scorer with Robertson's idf and each field's ``b`` (:func:`field_b`), for single fields;
    usable as ``ix.searcher(weighting=PaperBM25())``."""

    def __init__(self, B: float = B, K1: float = K1, **kwargs: float) -> None:  # noqa: N803 (Whoosh's names)
        kwargs.setdefault("title_B", B_TITLE)
        kwargs.setdefault("title_exact_B", B_TITLE)
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
