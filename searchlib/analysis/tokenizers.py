"""Tokenizers: text (or HTML) in, Whoosh tokens out.

:class:`PaperTokenizer` strips markup first (the character-filter stage), then splits on a pattern that keeps
"COVID-19", "95%" and "0.05" whole; :class:`CompoundFilter` later adds the parts of hyphenated words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from ..records.markup import html_to_text, looks_like_markup

__all__ = ["PaperTokenizer", "SpaceTokenizer", "ValueTokenizer", "VALUE_SEPARATOR", "WORD_PATTERN"]

#: Numbers with decimal points or thousands separators, or words joined by hyphens, each optionally ending in %.
#: An en dash or minus sign between two word characters joins them as a hyphen does: papers set "cell–cell",
#: "TNF–α" and "CD25−CD4" with them where queries type "-".
WORD_PATTERN = re.compile(r"\d+(?:[.,]\d+)+%?|\w+(?:[-\u2010\u2011\u2013\u2212]\w+)*%?", re.UNICODE)


class PaperTokenizer(Tokenizer):
    """Tokenises the text of a paper; HTML is reduced to text first, so the tokenizer takes raw abstracts.

    >>> [t.text for t in PaperTokenizer()("<p>COVID-19 rose 95% (p&lt;0.05)</p>")]
    ['COVID-19', 'rose', '95%', 'p', '0.05']
    """

    def __init__(self, pattern: re.Pattern[str] = WORD_PATTERN) -> None:
        self.pattern = pattern

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.pattern.pattern == self.pattern.pattern

    def __hash__(self) -> int:
        return hash(self.pattern.pattern)

    def __getstate__(self) -> dict[str, object]:
        # The pattern as text: a compiled pattern pickles as a call to re._compile, and an index's schema holds
        # no calls (searchlib._engine.unpickling).
        return {"pattern": self.pattern.pattern, "flags": self.pattern.flags}

    def __setstate__(self, state: dict[str, object]) -> None:
        pattern, flags = state.get("pattern"), state.get("flags", 0)
        if not isinstance(pattern, str) or not isinstance(flags, int):
            raise TypeError("a PaperTokenizer's state is its pattern's text and flags")
        self.pattern = re.compile(pattern, flags)

    def words(self, value: str) -> list[str]:
        """The texts of the tokens ``self(value)`` gives, in order (their positions are their indexes).

        >>> PaperTokenizer().words("<p>COVID-19 rose 95%</p>")
        ['COVID-19', 'rose', '95%']
        """
        if looks_like_markup(value):
            value = html_to_text(value)
        if self.pattern.groups:
            return [m.group() for m in self.pattern.finditer(value)]
        return self.pattern.findall(value)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        # Character offsets then refer to the plain text, which is what is stored and highlighted.
        if looks_like_markup(value):
            value = html_to_text(value)
        for pos, match in enumerate(self.pattern.finditer(value)):
            t.text = match.group()
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


#: Between the values of a field of whole values (:class:`ValueTokenizer`).
VALUE_SEPARATOR = "\x1f"


class _Stateless(Tokenizer):
    """A tokenizer with no settings, each token a piece of the value as given (:meth:`pieces`): any two of a class
    are equal, as Whoosh compares schemas' analyzers."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def pieces(self, value: str) -> Iterator[tuple[int, str, int]]:
        """``(position, text, where it starts in value)`` of each token."""
        raise NotImplementedError

    def __call__(self, value: str, positions: bool = False, chars: bool = False, **kwargs: Any) -> Iterator[Token]:
        start_pos, char = kwargs.pop("start_pos", 0), kwargs.pop("start_char", 0)
        kwargs.pop("keeporiginal", None)
        t = Token(positions, chars, **kwargs)
        for pos, text, start in self.pieces(value):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = char + start, char + start + len(text)
            yield t


class ValueTokenizer(_Stateless):
    """A list of whole values, each one token as given: MeSH headings, publication types, languages, which a
    search matches whole (the values come already folded, as :func:`searchlib.records.vocabulary.value_key`
    makes them).

    >>> [t.text for t in ValueTokenizer()("humans\\x1fasthma/drug therapy")]
    ['humans', 'asthma/drug therapy']
    """

    def pieces(self, value: str) -> Iterator[tuple[int, str, int]]:
        start = 0
        for pos, text in enumerate(value.split(VALUE_SEPARATOR)):
            if text:
                yield pos, text, start
            start += len(text) + 1


class SpaceTokenizer(_Stateless):
    """The words between white space, each one token as given: what Whoosh's ``SpaceSeparatedTokenizer`` gives
    for words of no white space but tabs, line ends and spaces, without the compiled pattern it would pickle into
    an index's schema (a schema holds no calls: :mod:`searchlib._engine.unpickling`).

    >>> [t.text for t in SpaceTokenizer()("doi:10.1/A  pmid:123")]
    ['doi:10.1/A', 'pmid:123']
    """

    def pieces(self, value: str) -> Iterator[tuple[int, str, int]]:
        end = 0
        for pos, text in enumerate(value.split()):
            start = value.index(text, end)
            end = start + len(text)
            yield pos, text, start
