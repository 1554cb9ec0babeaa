"""Words as written: what quoted words, phrases, proximity and truncation search.

The searchable text fields hold stems without stopwords (:func:`~searchlib.analysis.paper_analyzer`): right for
ranking, wrong for "the words as typed". Beside each of them the index keeps the words as written, folded only
in case, accents (Greek letters spelled out) and British/American spelling, stopwords kept, each at its own
position. A hyphenated word's parts take a position each and its joined form stands at the first and the last
of them, so that a hyphen, a space and nothing between two words are the same to a phrase::

    "non-small cell"  ->  non/nonsmall  small/nonsmall  cell

A phrase ``"non small cell"``, ``"non-small cell"`` or ``"nonsmall cell"`` finds it; so does ``"nonsmall"``.
A percentage is indexed with and without its sign (``95%`` and ``95``) at one position.

An abstract's sections each take a region of positions of their own (:func:`with_regions`), so a search in one
section reads the abstract's words, and a phrase never runs from one section into the next.

>>> written_analyzer().positions("Non-small cell, 95% of them")
{'non': [0], 'nonsmall': [0, 1], 'small': [1], 'cell': [2], '95%': [3], '95': [3], 'of': [4], 'them': [5]}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token
from whoosh.analysis.analyzers import CompositeAnalyzer

from .filters import PAPER_CHARMAP
from .spelling import american
from .tokenizers import PaperTokenizer

__all__ = ["WrittenAnalyzer", "written_analyzer", "written_forms", "with_regions", "HYPHENS", "REGION_SPAN"]

#: The hyphens (and the en dash and minus sign the tokenizer lets join words) that split a word into parts.
HYPHENS = re.compile(r"[-\u2010\u2011\u2013\u2212]")
#: Marks the start of a region in a field's text: the mark, then the region's number as a digit.
REGION_MARK = "\ue010"
#: Positions a region holds: more words than the longest abstract searchlib reads.
REGION_SPAN = 1 << 20
#: Positions left between two sections in one region: more than the longest proximity a query may ask for
#: (:data:`searchlib.search.lexer.MAX_DISTANCE`), so neither a phrase nor ``"a b"~N`` runs from one section into
#: the next.
SECTION_GAP = 1024
#: Hyphenated words of more parts than this are joined only whole (their runs would be many).
MAX_JOINED_PARTS = 5
#: Distinct words remembered, with their forms.
CACHE_WORDS = 500_000

#: A word's forms: ``(text, offset)`` pairs (offset: positions after the word's first) and the positions it takes.
Forms = tuple[tuple[tuple[str, int], ...], int]


def fold(word: str) -> str:
    """A word lower-cased, accents folded, Greek letters spelled out, American spelling.

    >>> fold("Paediatric"), fold("NF-κB")
    ('pediatric', 'nf-kappab')
    """
    text = word.lower().translate(PAPER_CHARMAP)
    if HYPHENS.search(text):
        return "-".join(american(part) for part in HYPHENS.split(text))
    return american(text)


def written_forms(word: str) -> Forms:
    """The terms one word of text is indexed under, with their position offsets, and how many positions it takes.

    >>> written_forms("COVID-19")
    ((('covid', 0), ('covid19', 0), ('19', 1), ('covid19', 1)), 2)
    >>> [text for text, offset in written_forms("IL-6-induced")[0] if offset == 1]
    ['6', 'il6', '6induced']
    >>> written_forms("Randomised")
    ((('randomized', 0),), 1)
    """
    text = fold(word)
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    parts = [p for p in HYPHENS.split(text) if p] if HYPHENS.search(text) else [text]
    if percent and parts:
        parts[-1] += "%"
    if len(parts) <= 1:
        single = parts[0] if parts else text
        forms = ((single, 0), (single[:-1], 0)) if single.endswith("%") and len(single) > 1 else ((single, 0),)
        return forms, 1
    out: list[tuple[str, int]] = []
    for i, part in enumerate(parts):
        out.append((part, i))
        if part.endswith("%") and len(part) > 1:
            out.append((part[:-1], i))
    # Every run of two or more parts joined ("il6" and "il6induced" of "IL-6-induced"), at its first and
    # last position; a long chain only whole.
    runs = (
        [(0, len(parts))]
        if len(parts) > MAX_JOINED_PARTS
        else [(i, j) for i in range(len(parts)) for j in range(i + 2, len(parts) + 1)]
    )
    for i, j in runs:
        joined = "".join(parts[i:j])
        out += [(joined, i), (joined, j - 1)]
    return tuple(sorted(dict.fromkeys(out), key=lambda form: form[1])), len(parts)


class WrittenAnalyzer(CompositeAnalyzer):
    """The words of titles and abstracts as written (:func:`written_forms`), one word analysed once.

    ``positions()`` gives each term's positions without making tokens (how documents are indexed:
    :mod:`searchlib._engine.segwriter`); calling it gives Whoosh tokens, with character offsets for highlights.
    """

    def __init__(self, tokenizer: Any = None) -> None:
        super().__init__(tokenizer if tokenizer is not None else PaperTokenizer())
        self._forms: dict[str, Forms] = {}
        self._single: dict[str, str] = {}  # words that are one term at one position (most words)

    def __getstate__(self) -> dict[str, Any]:
        return {"items": self.items}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.items = state["items"]
        self._forms = {}
        self._single = {}

    def forms(self, word: str) -> Forms:
        found = self._forms.get(word)
        if found is None:
            found = written_forms(word)
            if len(self._forms) < CACHE_WORDS:
                self._forms[word] = found
                if found[1] == 1 and len(found[0]) == 1:
                    self._single[word] = found[0][0][0]
        return found

    def positions(self, value: str, mode: str = "index") -> dict[str, list[int]]:
        """Each term of ``value`` with its positions, as a Whoosh format collects them from the tokens."""
        out: dict[str, list[int]] = {}
        seen_at = out.get
        one = self._single.get
        words_of = self.items[0].words
        cursor = _Cursor()
        for region, text in _regions(value):
            pos = cursor.start(region)
            for word in words_of(text):
                term = one(word)
                if term is not None:
                    seen = seen_at(term)
                    if seen is None:
                        out[term] = [pos]
                    else:
                        seen.append(pos)
                    pos += 1
                    continue
                forms, width = self.forms(word)
                for term, offset in forms:
                    seen = seen_at(term)
                    if seen is None:
                        out[term] = [pos + offset]
                    else:
                        seen.append(pos + offset)
                pos += width
            cursor.end(region, pos)
        return out

    def terms(self, value: str, mode: str = "index") -> set[str]:
        return set(self.positions(value, mode))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        cursor = _Cursor()
        for region, text in _regions(value):
            pos = cursor.start(region)
            for t in self.items[0](text, positions=False, chars=True, mode=mode, start_char=start_char, **kwargs):
                word, begin, end = t.text, t.startchar, t.endchar
                forms, width = self.forms(word)
                bounds = _part_bounds(word, begin) if width > 1 else [(begin, end)]
                for term, offset in forms:
                    t.text = term
                    t.boost = 1.0
                    t.stopped = False
                    if positions:
                        t.pos = start_pos + pos + offset
                    if chars:
                        t.startchar, t.endchar = bounds[offset]
                    yield t
                pos += width
            cursor.end(region, pos)


def with_regions(parts: list[tuple[int, str]]) -> str:
    """One field value of texts, each in a region of its own: ``(region, text)`` pairs, regions numbered 0 to 9.

    >>> value = with_regions([(0, "Falls rose."), (3, "We asked nurses.")])
    >>> sorted(written_analyzer().positions(value).items())[:2]
    [('asked', [3145729]), ('falls', [0])]
    """
    return "".join(f"{REGION_MARK}{region}{text} " for region, text in parts)


def _regions(value: str) -> Iterator[tuple[int, str]]:
    """``(region, text)`` for each text of a field value (:func:`with_regions`); a value without marks is one
    text in region 0."""
    if REGION_MARK not in value:
        yield 0, value
        return
    for chunk in value.split(REGION_MARK):
        if chunk[:1].isdigit():
            yield int(chunk[0]), chunk[1:]
        elif chunk.strip():
            yield 0, chunk


class _Cursor:
    """Where the next text of each region starts: :data:`SECTION_GAP` positions after the last one of its
    region ends."""

    def __init__(self) -> None:
        self.ends: dict[int, int] = {}

    def start(self, region: int) -> int:
        return self.ends.get(region, region * REGION_SPAN)

    def end(self, region: int, pos: int) -> None:
        self.ends[region] = pos + SECTION_GAP


def _part_bounds(word: str, begin: int) -> list[tuple[int, int]]:
    """The character spans of a hyphenated word's parts (empty parts dropped, as in :func:`written_forms`)."""
    spans = []
    start = 0
    for m in HYPHENS.finditer(word):
        if m.start() > start:
            spans.append((begin + start, begin + m.start()))
        start = m.end()
    end = len(word) - (1 if word.endswith("%") else 0)
    if end > start:
        spans.append((begin + start, begin + len(word)))
    return spans or [(begin, begin + len(word))]


def written_analyzer() -> WrittenAnalyzer:
    """The analyzer of the words-as-written fields (see the module's docstring)."""
    return WrittenAnalyzer()
