"""The analyzer chain: markup stripped, text tokenised, normalised and stemmed, the same for documents and queries.

Read it left to right in :func:`paper_analyzer`; every part is a Whoosh tokenizer or filter you can reuse.
"""

from .analyzers import author_analyzer, paper_analyzer, plain_analyzer, stem, surface_analyzer
from .authors import AuthorTokenizer, name_forms, split_name
from .filters import CompoundFilter, SpellingFilter, StemFilter
from .spelling import american
from .stopwords import STOPWORDS
from .tokenizers import PaperTokenizer

__all__ = [
    "STOPWORDS",
    "AuthorTokenizer",
    "CompoundFilter",
    "PaperTokenizer",
    "SpellingFilter",
    "StemFilter",
    "american",
    "author_analyzer",
    "name_forms",
    "paper_analyzer",
    "plain_analyzer",
    "split_name",
    "stem",
    "surface_analyzer",
]
