"""Token filters of searchlib's own; the rest of the chain is Whoosh's (lower-casing, accent folding, stopwords).

Each filter is a small Whoosh :class:`~whoosh.analysis.Filter`, usable in any Whoosh analyzer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from whoosh.analysis import Filter, Token
from whoosh.support.charset import accent_map

from .spelling import american
from .stemtable import stem as default_stem

__all__ = ["CompoundFilter", "QueryStopFilter", "SpellingFilter", "StemFilter", "GREEK_LETTERS", "PAPER_CHARMAP"]

#: Lower-case Greek letters to their English names, for :class:`~whoosh.analysis.CharsetFilter` after
#: lower-casing: papers write "NF-κB", "TGF-β1" and "β-cells" as often as "NF-kappaB", "TGF-beta1" and
#: "beta-cells", and queries are typed either way. The letters' symbol forms map too. Mu is left alone: in
#: papers it is nearly always a unit's prefix, and "μM" and "μg" spelled out would be "mum" and "mug".
GREEK_LETTERS: dict[int, str] = {
    ord(letter): name
    for letter, name in zip(
        "αβγδεζηθικλνξοπρςστυφχψωϐϑϕϖϰϱϵ",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda nu xi omicron pi rho sigma sigma tau "
        "upsilon phi chi psi omega"
        " beta theta phi pi kappa rho epsilon".split(),
        strict=True,
    )
}
#: Typographic ligatures, as text copied from PDFs keeps them ("eﬃcacy of ﬁsh oil"): their letters.
LIGATURES: dict[int, str] = {
    ord(lig): letters for lig, letters in zip("ﬀﬁﬂﬃﬄﬅﬆ", ("ff", "fi", "fl", "ffi", "ffl", "st", "st"), strict=True)
}
#: Whoosh's accent folding with Greek letters spelled out, ligatures as their letters, and the micro sign as the
#: letter mu ("µg" and "μg" are one word): the character map of titles and abstracts.
PAPER_CHARMAP: dict[int, str] = {**accent_map, **GREEK_LETTERS, **LIGATURES, ord("\u00b5"): "\u03bc"}

#: Hyphens, and the en dash and minus sign the tokenizer also lets join words.
_HYPHENS = re.compile(r"[-\u2010\u2011\u2013\u2212]")


class CompoundFilter(Filter):
    """Hyphenated words and percentages: index the joined form and the parts, query by the joined form.

    When indexing, "covid-19" becomes "covid19", "covid" and "19", all at one position, so "COVID-19",
    "covid19" and "covid" all find it and phrases around it still match; "95%" also gives "95". A query
    for "COVID-19" looks for "covid19" only, which is more precise than either part (``match="any"`` searches
    also add the parts, weighed less: :data:`searchlib.search.query.COMPOUND_PART_WEIGHT`).

    Put it after the stop filter (which renumbers positions) so the parts keep the joined form's position.

    >>> from whoosh.analysis import RegexTokenizer
    >>> [t.text for t in (RegexTokenizer(r"\\S+") | CompoundFilter())("covid-19 95%", mode="index")]
    ['covid19', 'covid', '19', '95%', '95']
    """

    def __init__(self, stoplist: frozenset[str] = frozenset()) -> None:
        self.stoplist = stoplist

    def one_word(self, text: str, stopped: bool = False, mode: str = "") -> str | None:
        """The text of the one token this filter makes of a token, or None if it may make another (see
        :class:`searchlib.analysis.fast.CachedAnalyzer`): a word with no hyphen and no "%" passes unchanged."""
        return None if text.endswith("%") or _HYPHENS.search(text) else text

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stoplist = self.stoplist
        for t in tokens:
            text = t.text
            hyphenated = _HYPHENS.search(text) is not None
            if not hyphenated and not text.endswith("%"):
                yield t
                continue
            parts = [p for p in _HYPHENS.split(text.rstrip("%")) if p] if hyphenated else []
            if hyphenated:
                t.text = "".join(parts) + ("%" if text.endswith("%") else "")
            yield t
            if t.mode != "index":
                continue
            keep_chars = t.chars
            extra = parts if hyphenated else [text[:-1]]
            if hyphenated and text.endswith("%"):
                extra = [*parts[:-1], parts[-1] + "%", parts[-1]]
            for part in extra:
                if part and part != t.text and part not in stoplist:
                    t.text = part
                    t.chars = keep_chars
                    t.stopped = False
                    yield t


class QueryStopFilter(Filter):
    """Drops stopwords from queries only; documents keep every word (used for author names).

    A one-letter word after another word is an initial, not a stopword: "Lopez de Munain A" keeps its "a".
    """

    def __init__(self, stoplist: frozenset[str]) -> None:
        self.stoplist = stoplist

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stoplist = self.stoplist
        after_word = False
        for t in tokens:
            if t.mode == "query" and t.text in stoplist and not (after_word and len(t.text) == 1):
                continue
            after_word = True
            yield t


class SpellingFilter(Filter):
    """British spellings to American ones ("randomised" -> "randomized"): :mod:`searchlib.analysis.spelling`."""

    def one_word(self, text: str, stopped: bool = False, mode: str = "") -> str:
        """The American spelling of the word ``text``."""
        if _HYPHENS.search(text):  # "patient-centred": each part, so CompoundFilter's parts are American too
            return "-".join(american(part) for part in _HYPHENS.split(text))
        return american(text)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        respell = self.one_word
        for t in tokens:
            t.text = respell(t.text)
            yield t


class StemFilter(Filter):
    """Stems with any ``str -> str`` function (an NLTK stemmer's ``stem``; by default NLTK's Snowball English
    stemmer, :func:`searchlib.analysis.stem`), with a cache of results.

    Tokens holding digits ("covid19", "il6", "95%") are left alone: stemming them only makes mistakes.
    """

    is_morph = True

    def __init__(self, stem: Callable[[str], str] | None = None, cachesize: int = 100_000) -> None:
        self.stem = default_stem if stem is None else stem
        self.cachesize = cachesize
        self._cache: dict[str, str] = {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stem == self.stem

    def __hash__(self) -> int:
        return hash(type(self))

    def __getstate__(self) -> dict[str, object]:
        # The default stemmer is left out: a function pickles as its dotted name, and an index's schema names
        # no functions (searchlib._engine.unpickling).
        state: dict[str, object] = {"cachesize": self.cachesize}
        if self.stem is not default_stem:
            state["stem"] = self.stem
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.stem = state.get("stem", default_stem)  # type: ignore[assignment]  # a str -> str function
        cachesize = state.get("cachesize", 100_000)
        self.cachesize = cachesize if isinstance(cachesize, int) else 100_000
        self._cache = {}

    def one_word(self, text: str, stopped: bool = False, mode: str = "") -> str:
        """The stem of the word ``text`` (``text`` itself if it is a stopword or holds a digit)."""
        if stopped:
            return text
        stemmed = self._cache.get(text)
        if stemmed is None:
            digits = not text.isalpha() and any(c.isdigit() for c in text)  # most words: letters only
            stemmed = text if digits else self.stem(text)
            if len(self._cache) < self.cachesize:
                self._cache[text] = stemmed
        return stemmed

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stem = self.one_word
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t
