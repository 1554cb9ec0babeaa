"""The same analysis, faster: a chain of per-word filters run once per distinct word, its result replayed.

A paper's text is mostly words already seen, and lower-casing, accent folding, stopwords, respelling, compound
splitting and stemming each look at one word at a time. :class:`CachedAnalyzer` runs a tokenizer and such a
chain, but runs the chain only the first time it meets a word (per mode: documents and queries differ) and
then replays the tokens it gave, keeping positions, character offsets and stopword renumbering exactly as the
chain itself would. Its ``items`` are the tokenizer and filters it was made from, so it reads, pickles and
compares like any Whoosh analyzer, and it falls back to running the chain whenever it meets a filter it does
not know to be per-word.

>>> from whoosh.analysis import LowercaseFilter, StopFilter
>>> from searchlib.analysis.tokenizers import PaperTokenizer
>>> analyzer = CachedAnalyzer(PaperTokenizer(), LowercaseFilter(), StopFilter())
>>> [(t.text, t.pos) for t in analyzer("The trial and THE Trial", positions=True)]
[('trial', 1), ('trial', 2)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer

from .filters import CompoundFilter, SpellingFilter, StemFilter

#: Filters whose output for a token depends on that token alone (its text, mode and stopped flag).
PER_WORD_FILTERS: tuple[type, ...] = (LowercaseFilter, CharsetFilter, SpellingFilter, CompoundFilter, StemFilter)
#: Distinct words remembered per mode; past this, new words are analysed each time they occur.
CACHE_WORDS = 500_000
#: Distinct author names remembered (a few hundred bytes each); past this, new names go through the chain.
CACHE_NAMES = 200_000

_Entry = tuple[bool, tuple[tuple[str, bool], ...]]  # (a stopword?, the (text, stopped) tokens the chain gives)


class CachedAnalyzer(CompositeAnalyzer):
    """A tokenizer and per-word filters (at most one :class:`StopFilter` among them), each word analysed once."""

    def __init__(self, *composables: Any) -> None:
        super().__init__(*composables)
        # What _make_plan found, once _planned; no filters until then.
        self._plan: tuple[list[Filter], StopFilter | None, list[Filter]] = ([], None, [])
        self._planned = False
        self._one_word: list[Any] | None = None  # the one_word methods of the filters after the stop filter
        self._fast = False
        self._caches: dict[str, dict[str, _Entry]] = {}
        self._singles: dict[str, dict[str, str]] = {}
        self._folded: dict[str, dict[str, _Entry]] = {}
        self._seen: Counter[str] = Counter()
        self._counted: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"items": self.items}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.items = state["items"]
        self._plan = ([], None, [])
        self._planned = False
        self._one_word = None
        self._fast = False
        self._caches = {}
        self._singles = {}
        self._folded = {}
        self._seen = Counter()
        self._counted = {}

    def __or__(self, other: Any) -> CompositeAnalyzer:
        return CompositeAnalyzer(self, other)  # another filter may not be per-word: no cache

    def _make_plan(self) -> tuple[list[Filter], StopFilter | None, list[Filter]] | None:
        filters = list(self.items[1:])
        stops = [i for i, f in enumerate(filters) if type(f) is StopFilter]
        if len(stops) > 1 or not all(type(f) in PER_WORD_FILTERS for f in filters if type(f) is not StopFilter):
            return None
        if not stops:
            return [], None, filters
        # Before the stop filter only one-word-in, one-word-out filters, so the stop test sees one word.
        before = filters[: stops[0]]
        if not all(type(f) in (LowercaseFilter, CharsetFilter) for f in before):
            return None
        return before, filters[stops[0]], filters[stops[0] + 1 :]

    def _fold(self, word: str) -> str:
        """``word`` through the filters before the stop filter: only lower-casing and character mapping."""
        for f in self._plan[0]:
            word = word.lower() if type(f) is LowercaseFilter else word.translate(f.charmap)
        return word

    def _analyse_word(self, word: str, mode: str) -> _Entry:
        _, stop, after = self._plan
        text = self._fold(word)
        # "Trial", "trial" and "TRIAL" fold to one word: the rest of the chain runs once for the three.
        folded = self._folded.get(mode)
        if folded is None:
            folded = self._folded[mode] = {}
        entry = folded.get(text)
        if entry is None:
            stopped = stop is not None and not (
                len(text) >= stop.min and (stop.max is None or len(text) <= stop.max) and text not in stop.stops
            )
            entry = stopped, self._one_token(text, mode, stopped) or _run(after, text, mode, stopped)
            if len(folded) < CACHE_WORDS:
                folded[text] = entry
        if mode == "index":  # the word indexed_words() counts it as ("": none)
            self._counted[word] = text if not entry[0] and len(text) >= 3 and text.isalpha() else ""
        return entry

    def _one_token(self, text: str, mode: str, stopped: bool) -> tuple[tuple[str, bool], ...] | None:
        """The one token the filters after the stop filter make of a word, without making a token object, when
        every one of them says what it makes of one word (a ``one_word`` method) and each makes one; else None.
        Most words, with no hyphen, digit or "%", take this way, a word's first sight without the token chain."""
        steps = self._one_word
        if steps is None:
            after = self._plan[2]
            steps = self._one_word = [getattr(f, "one_word", None) for f in after]
        for step in steps:
            if step is None:
                return None
            text = step(text, stopped, mode)
            if text is None:
                return None
        return ((text, stopped),)

    def __call__(self, value: str, no_morph: bool = False, **kwargs: Any) -> Iterator[Token]:
        if not self._planned:
            plan = self._make_plan()
            self._fast = plan is not None
            self._plan = plan or ([], None, [])
            self._planned = True
        if no_morph or not self._fast:
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return self._replay(self.items[0](value, **kwargs))

    def positions(self, value: str, mode: str = "index") -> dict[str, list[int]] | None:
        """Each indexed term of ``value`` with its positions, exactly as a Whoosh format collects them from
        this analyzer's tokens (stopwords removed); None when the tokenizer cannot list its words or the chain
        is not per-word. No token objects are made: this is how documents are indexed fast
        (:mod:`searchlib._engine.segwriter`).

        >>> from whoosh.analysis import LowercaseFilter, StopFilter
        >>> from searchlib.analysis.tokenizers import PaperTokenizer
        >>> CachedAnalyzer(PaperTokenizer(), LowercaseFilter(), StopFilter()).positions("The trial and THE Trial")
        {'trial': [1, 2]}
        """
        words = self._words(value)
        if words is None:
            return None
        if mode == "index":
            self._seen.update(words)  # in C: the words' counts, for indexed_words()
        cache = self._cache(mode)
        # Most words give one term and no stopped token: those map straight to it.
        single = self._singles.get(mode)
        if single is None:
            single = self._singles[mode] = {}
        one = single.get
        stop = self._plan[1]
        renumber = stop is not None and stop.renumber
        out: dict[str, list[int]] = {}
        seen_at = out.get
        pos = -1
        for raw, word in enumerate(words):
            text = one(word)
            if text is not None:
                pos = raw if not renumber or pos < 0 else pos + 1
                seen = seen_at(text)
                if seen is None:
                    out[text] = [pos]
                else:
                    seen.append(pos)
                continue
            entry = cache.get(word)
            if entry is None:
                entry = self._remember(cache, word, mode)
            stopped, tokens = entry
            if stopped:
                continue
            if len(tokens) == 1 and not tokens[0][1] and len(single) < CACHE_WORDS:
                single[word] = tokens[0][0]
            pos = raw if not renumber or pos < 0 else pos + 1
            for text, flag in tokens:
                if flag:
                    continue
                seen = seen_at(text)
                if seen is None:
                    out[text] = [pos]
                else:
                    seen.append(pos)
        return out

    def terms(self, value: str, mode: str = "index") -> set[str] | None:
        """The distinct indexed terms of ``value`` (the keys of :meth:`positions`), each word looked at once;
        None where :meth:`positions` gives None. For fields that keep no positions or frequencies.

        >>> from whoosh.analysis import LowercaseFilter, StopFilter
        >>> from searchlib.analysis.tokenizers import PaperTokenizer
        >>> CachedAnalyzer(PaperTokenizer(), LowercaseFilter(), StopFilter()).terms("The trial and THE Trial")
        {'trial'}
        """
        words = self._words(value)
        if words is None:
            return None
        cache = self._cache(mode)
        out: set[str] = set()
        add = out.add
        for word in set(words):
            entry = cache.get(word)
            if entry is None:
                entry = self._remember(cache, word, mode)
            stopped, tokens = entry
            if not stopped:
                for text, flag in tokens:
                    if not flag:
                        add(text)
        return out

    def indexed_words(self) -> dict[str, int]:
        """How often each word of three letters or more occurred in the documents :meth:`positions` indexed
        (``mode="index"``), as lower-casing and character mapping leave it, stopwords left out: the words of
        the text, before respelling and stemming.

        >>> from whoosh.analysis import LowercaseFilter, StopFilter
        >>> from searchlib.analysis.tokenizers import PaperTokenizer
        >>> analyzer = CachedAnalyzer(PaperTokenizer(), LowercaseFilter(), StopFilter())
        >>> analyzer.positions("The Trials and THE trial of IL-6, a trial")
        {'trials': [1], 'trial': [2, 4], 'il-6': [3]}
        >>> analyzer.indexed_words()
        {'trials': 1, 'trial': 2}
        """
        counts: dict[str, int] = {}
        counted = self._counted  # every word positions() saw was analysed in index mode, so is in it
        for raw, n in self._seen.items():
            word = counted[raw]
            if word:
                counts[word] = counts.get(word, 0) + n
        return counts

    def _words(self, value: str) -> list[str] | None:
        """The tokenizer's words of ``value``, or None when it cannot list them or the chain is not per-word."""
        if not self._planned:
            plan = self._make_plan()
            self._fast = plan is not None
            self._plan = plan or ([], None, [])
            self._planned = True
        words_of = getattr(self.items[0], "words", None)
        if not self._fast or words_of is None:
            return None
        return words_of(value)

    def _cache(self, mode: str) -> dict[str, _Entry]:
        cache = self._caches.get(mode)
        if cache is None:
            cache = self._caches[mode] = {}
        return cache

    def _remember(self, cache: dict[str, _Entry], word: str, mode: str) -> _Entry:
        """Analyse a word not in ``cache`` and keep it there (up to :data:`CACHE_WORDS` words)."""
        entry = self._analyse_word(word, mode)
        if len(cache) < CACHE_WORDS:
            cache[word] = entry
        return entry

    def _replay(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stop = self._plan[1]
        renumber = stop is not None and stop.renumber
        pos = None
        for t in tokens:
            mode = t.mode
            cache = self._cache(mode)
            word = t.text
            entry = cache.get(word)
            if entry is None:
                entry = self._remember(cache, word, mode)
            stopped, out = entry
            if stopped:
                if t.removestops:
                    continue
            elif renumber and t.positions:
                if pos is None:
                    pos = t.pos
                else:
                    pos += 1
                    t.pos = pos
            for text, flag in out:
                t.text = text
                t.stopped = flag
                yield t


class NameListAnalyzer(CompositeAnalyzer):
    """A chain whose tokenizer indexes a ";"-separated list of names one name at a time, leaving
    :data:`~searchlib.analysis.authors.NAME_GAP` positions after each of a name's forms
    (:class:`~searchlib.analysis.authors.AuthorTokenizer`). The same authors recur across papers, so
    :meth:`positions` works out each name's terms once and moves them to where the name falls in the list.
    Calling it runs the chain, as any Whoosh analyzer.

    >>> from searchlib.analysis import author_analyzer
    >>> author_analyzer().positions("Bent Høie; Ann Lee")
    {'bent': [0, 13], 'hoie': [1, 12, 24], 'b': [25], 'ann': [36, 49], 'lee': [37, 48, 60], 'a': [61]}
    """

    def __init__(self, *composables: Any) -> None:
        super().__init__(*composables)
        self._names: dict[str, tuple[tuple[str, ...], tuple[int, ...], int]] = {}
        self._texts: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"items": self.items}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.items = state["items"]
        self._names = {}
        self._texts = {}

    def __or__(self, other: Any) -> CompositeAnalyzer:
        return CompositeAnalyzer(self, other)

    def positions(self, value: str, mode: str = "index") -> dict[str, list[int]] | None:
        """Each indexed term of the name list ``value`` with its positions, as a Whoosh format collects them
        from this analyzer's tokens; None outside index mode (a query is words, not names)."""
        span_of = getattr(self.items[0], "name_span", None)
        if mode != "index" or span_of is None:
            return None
        names = self._names
        out: dict[str, list[int]] = {}
        seen_at = out.get
        base = 0
        for name in value.split(";"):
            entry = names.get(name)
            if entry is None:
                entry = self._analyse_name(name, span_of(name))
            texts, poses, span = entry
            for text, pos in zip(texts, poses, strict=True):
                seen = seen_at(text)
                if seen is None:
                    out[text] = [base + pos]
                else:
                    seen.append(base + pos)
            base += span
        return out

    def terms(self, value: str, mode: str = "index") -> set[str] | None:
        """The distinct indexed terms of ``value`` (the keys of :meth:`positions`)."""
        table = self.positions(value, mode)
        return None if table is None else set(table)

    def _analyse_name(self, name: str, span: int) -> tuple[tuple[str, ...], tuple[int, ...], int]:
        tokens = [(t.text, t.pos) for t in super().__call__(name, positions=True, mode="index")]
        if len(self._names) >= CACHE_NAMES:
            return tuple(text for text, _ in tokens), tuple(p for _, p in tokens), span
        texts = self._texts  # one copy of each cached term's text, however many names share it
        entry = tuple(texts.setdefault(text, text) for text, _ in tokens), tuple(p for _, p in tokens), span
        self._names[name] = entry
        return entry


def _run(filters: list[Filter], text: str, mode: str, stopped: bool) -> tuple[tuple[str, bool], ...]:
    """The (text, stopped) tokens ``filters`` make of one word."""
    token = Token(positions=False, chars=False, removestops=False, mode=mode)
    token.text = text
    token.stopped = stopped
    token.boost = 1.0
    gen: Iterator[Token] = iter([token])
    for f in filters:
        gen = f(gen)
    return tuple((t.text, t.stopped) for t in gen)
