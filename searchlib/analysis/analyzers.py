"""Ready-made analyzers: each a readable Whoosh pipeline, usable in any Whoosh schema.

>>> [t.text for t in paper_analyzer()("<p>Randomised trials of paediatric COVID-19 care</p>")]
['random', 'trial', 'pediatr', 'covid19', 'care']
>>> [t.text for t in author_analyzer()("Bent Høie", mode="index")]
['bent', 'hoie', 'hoie', 'bent', 'hoie', 'b']
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh.analysis import CharsetFilter, LowercaseFilter, StopFilter
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.support.charset import accent_map

from .authors import AuthorTokenizer
from .fast import CachedAnalyzer, NameListAnalyzer
from .filters import PAPER_CHARMAP, CompoundFilter, QueryStopFilter, SpellingFilter, StemFilter
from .stemtable import stem as _stem
from .stopwords import STOPWORDS
from .tokenizers import PaperTokenizer

__all__ = ["paper_analyzer", "author_analyzer", "plain_analyzer", "surface_analyzer", "stem"]


def stem(word: str) -> str:
    """NLTK's Snowball ("Porter2") English stemmer; needs no downloaded NLTK data. NLTK is imported only for
    words no opened index has stemmed before (see :mod:`searchlib.analysis.stemtable`).

    >>> stem("hospitalizations"), stem("interviews")
    ('hospit', 'interview')
    """
    return _stem(word)


def paper_analyzer(
    stoplist: frozenset[str] = STOPWORDS, stemmer: Callable[[str], str] = stem, *, cached: bool = True
) -> CompositeAnalyzer:
    """Text of titles and abstracts: strip HTML, lower-case, fold accents, spell out Greek letters ("NF-κB" ->
    "nf-kappab"), drop stopwords, American spelling, split compounds, stem (``stemmer``: any ``str -> str``,
    Snowball by default).

    With ``cached`` (the default) the filters run once per distinct word (:mod:`searchlib.analysis.fast`);
    the tokens are the same either way.
    """
    chain = (
        PaperTokenizer()
        | LowercaseFilter()
        | CharsetFilter(PAPER_CHARMAP)
        | StopFilter(stoplist=stoplist, minsize=1)
        | SpellingFilter()
        | CompoundFilter(stoplist)
        | StemFilter(None if stemmer is stem else stemmer)  # None: the same stemmer, pickled without its name
    )
    return CachedAnalyzer(chain) if cached else chain


#: Stopwords that are also surnames ("Li An", "Kim Do", "Theresa May") stay searchable as authors.
AUTHOR_QUERY_STOPWORDS: frozenset[str] = STOPWORDS - {"an", "do", "so", "may", "will", "can", "more", "own", "few"}


def author_analyzer(*, cached: bool = True) -> CompositeAnalyzer:
    """Author names (see :mod:`searchlib.analysis.authors`): no stemming, accents folded.

    Names are indexed whole; stopwords are dropped from queries only, so a bare "the" or "is" in a query that
    searches titles, abstracts and authors at once does not have to match an author.

    With ``cached`` (the default) each name is analysed once when indexing
    (:class:`~searchlib.analysis.fast.NameListAnalyzer`); the tokens are the same either way.
    """
    chain = (
        AuthorTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | QueryStopFilter(AUTHOR_QUERY_STOPWORDS)
        | CompoundFilter()
    )
    return NameListAnalyzer(chain) if cached else chain


def plain_analyzer(*, cached: bool = True) -> CompositeAnalyzer:
    """Journal names and other short labels: words lower-cased and accent-folded, nothing removed."""
    chain = PaperTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | CompoundFilter()
    return CachedAnalyzer(chain) if cached else chain


def surface_analyzer(stoplist: frozenset[str] = STOPWORDS, *, cached: bool = True) -> CompositeAnalyzer:
    """Words as written, for spelling suggestions: HTML stripped, lower-cased, accents folded, stopwords dropped;
    no respelling, no stemming, no splitting of compounds.

    >>> [t.text for t in surface_analyzer()("<p>Randomised trials of paediatric care</p>")]
    ['randomised', 'trials', 'paediatric', 'care']
    """
    chain = (
        PaperTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(stoplist=stoplist, minsize=3)
    )
    return CachedAnalyzer(chain) if cached else chain
