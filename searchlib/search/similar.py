"""More like this: the query that finds papers like a given one.

The paper's title and abstract are run through the abstract's analyzer, and the :data:`KEY_TERMS` terms that
best tell it apart from the collection (Whoosh's Bo1 divergence-from-randomness model, as its
``more_like_this`` uses) are searched in title and abstract together (BM25F, as bare words are), each weighted
by how telling it is. Authors and journal are left out: "like this" means about the same thing, not by the same
people.
"""

from __future__ import annotations

from whoosh.searching import Searcher

from ..records.record import Record
from .plan import Terms
from .ranking import TIAB

#: How many of the paper's terms the similarity query uses.
KEY_TERMS = 20


def more_like_plan(searcher: Searcher, record: Record, numterms: int = KEY_TERMS) -> Terms | None:
    """An OR of the record's most telling terms in title and abstract; None if it has none."""
    text = f"{record.title}\n{record.abstract}"
    key_terms = searcher.key_terms_from_text("abstract", text, numterms=numterms, normalize=True)
    terms = [(TIAB, term, weight) for term, weight in key_terms]
    return Terms(tuple(terms)) if terms else None
