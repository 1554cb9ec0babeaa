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

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer

from .filters import CompoundFilter, SpellingFilter, StemFilter

__all__ = ["CachedAnalyzer", "PER_WORD_FILTERS"]

#: Filters whose output for a token depends on that token alone (its text, mode and stopped flag).
PER_WORD_FILTERS: tuple[type, ...] = (LowercaseFilter, CharsetFilter, SpellingFilter, CompoundFilter, StemFilter)
#: Distinct words remembered per mode; past this, new words are analysed each time they occur.
CACHE_WORDS = 500_000

_Entry = tuple[bool, tuple[tuple[str, bool], ...]]  # (a stopword?, the (text, stopped) tokens the chain gives)


class CachedAnalyzer(CompositeAnalyzer):
    """A tokenizer and per-word filters (at most one :class:`StopFilter` among them), each word analysed once."""

    def __init__(self, *composables: Any) -> None:
        super().__init__(*composables)
        self._plan: tuple[list[Filter], StopFilter | None, list[Filter]] | None = None
        self._fast = False
        self._caches: dict[str, dict[str, _Entry]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"items": self.items}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.items = state["items"]
        self._plan = None
        self._fast = False
        self._caches = {}

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

    def _analyse_word(self, word: str, mode: str) -> _Entry:
        before, stop, after = self._plan  # type: ignore[misc]
        text = _run(before, word, mode, False)[0][0] if before else word
        stopped = stop is not None and not (
            len(text) >= stop.min and (stop.max is None or len(text) <= stop.max) and text not in stop.stops
        )
        return stopped, _run(after, text, mode, stopped)

    def __call__(self, value: str, no_morph: bool = False, **kwargs: Any) -> Iterator[Token]:
        if self._plan is None:
            plan = self._make_plan()
            self._fast = plan is not None
            self._plan = plan or ([], None, [])
        if no_morph or not self._fast:
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return self._replay(self.items[0](value, **kwargs))

    def _replay(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stop = self._plan[1]  # type: ignore[index]
        renumber = stop is not None and stop.renumber
        caches = self._caches
        pos = None
        for t in tokens:
            mode = t.mode
            cache = caches.get(mode)
            if cache is None:
                cache = caches[mode] = {}
            word = t.text
            entry = cache.get(word)
            if entry is None:
                entry = self._analyse_word(word, mode)
                if len(cache) < CACHE_WORDS:
                    cache[word] = entry
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
