"""More like this: the query that finds papers like a given one.

The paper's title and abstract are run through the abstract's analyzer, and the :data:`KEY_TERMS` terms that
best tell it apart from the collection (Whoosh's Bo1 divergence-from-randomness model, as its
``more_like_this`` uses) are searched in titles and abstracts, each weighted by how telling it is, titles
counting double as in ordinary searches. Authors and journal are left out: "like this" means about the same
thing, not by the same people.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher

from ..records.record import Record

#: How many of the paper's terms the similarity query uses.
KEY_TERMS = 20


def more_like_query(searcher: Searcher, record: Record, numterms: int = KEY_TERMS) -> wq.Query:
    """An OR of the record's most telling terms in title (weight 2) and abstract (1)."""
    text = f"{record.title}\n{record.abstract}"
    key_terms = searcher.key_terms_from_text("abstract", text, numterms=numterms, normalize=True)
    parts: list[wq.Query] = []
    for term, weight in key_terms:
        parts.append(wq.Term("title", term, boost=2.0 * weight))
        parts.append(wq.Term("abstract", term, boost=weight))
    return wq.Or(parts) if parts else wq.NullQuery
