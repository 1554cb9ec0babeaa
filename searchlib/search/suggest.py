""" "Did you mean": a corrected query, from the index's own words, when a query matches little.

The searchable text fields hold stemmed, respelled terms ("random", "hospit"), which are not words to show
anyone, and a misspelling's stem is no help in finding the right word ("randmized" stems to "randmiz").
Suggestions are drawn instead from the index's words as written (lower-cased and accent-folded, neither
respelled nor stemmed), which each build and addition saves with the stem table
(:class:`searchlib.analysis.stemtable.WordList`, with how often each occurs): whole words a reader recognises.
A word counts only if its terms are still in some title or abstract (papers may have been deleted since).

A query word is replaced when it is unknown (its analysed term is in no paper's title or abstract), or,
when the query finds fewer than :data:`FEW` papers, when a word within reach is in ten times as many papers.
Candidates are the words within one edit (two for words of six letters or more; Damerau-Levenshtein, so
"trail" -> "trial" is one transposition), sharing the first letter; the closest wins, then the most frequent.
A suggestion is offered only if it finds more papers than the query did. Only words searched as text are
corrected (bare words, ``title:``, ``abstract:``, section fields, ``[ti]``/``[tiab]``); names, journals,
DOIs and years are left alone. A word repeated is looked at once, and at most :data:`MAX_LOOKED_AT` distinct
words of at most :data:`MAX_LETTERS` letters are looked at, so a suggestion for a long query stays quick.

>>> from searchlib import build_index, bundled_records_path
>>> build_index(bundled_records_path()).search("randmized trail").suggestion
'randomised trial'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from ..analysis import paper_analyzer, stemtable
from ..errors import QueryError
from .lexer import Token, claim_tags, lex
from .plan import STEMMED_FIELDS
from .pubmed_tags import TAGS

#: Below this many matches, even known words are checked for a far commoner neighbour.
FEW = 3
#: Distinct words a suggestion looks for corrections of; the query's words beyond them are left as written.
MAX_LOOKED_AT = 40
#: Longer words (no English word is) are left as written: finding a longer word's neighbours costs more.
MAX_LETTERS = 45
_TEXT_FIELDS = frozenset(STEMMED_FIELDS)
_analyzer = paper_analyzer()


def suggest(
    searcher: Searcher, words: stemtable.WordList, text: str, total: int, count: Callable[[str], int]
) -> str | None:
    """A corrected ``text``, from the index's ``words``, that ``count`` (papers found by a query string) finds
    more of, or None."""
    reader = searcher.reader()
    replacements: list[tuple[int, int, str]] = []
    corrected: dict[str, str | None] = {}
    for start, word in _text_words(text):
        if word not in corrected:
            if len(corrected) == MAX_LOOKED_AT or len(word) > MAX_LETTERS:
                continue
            corrected[word] = _correct(reader, words, word, total)
        fixed = corrected[word]
        if fixed:
            replacements.append((start, start + len(word), fixed))
    if not replacements:
        return None
    out = text
    for start, end, fixed in reversed(replacements):
        out = out[:start] + fixed + out[end:]
    try:
        return out if count(out) > total else None
    except Exception:  # a suggestion must never break a search
        return None


def _text_words(text: str) -> list[tuple[int, str]]:
    """(offset, word) of each word in ``text`` that is searched as text (title, abstract, a section)."""
    try:
        tokens = claim_tags(lex(text))
    except QueryError:
        return []
    words: list[tuple[int, str]] = []
    groups: list[str | None] = []  # the field of each open parenthesis
    field: str | None = None  # the field a ``field:`` just before applies to its operand
    for tok in tokens:
        if tok.kind == "field":
            field = str(tok.value)
            continue
        here = field if tok.bound else (groups[-1] if groups else None)
        field = None
        if tok.kind == "lparen":
            groups.append(here)
        elif tok.kind == "rparen":
            if groups:
                groups.pop()
        elif tok.kind == "tagged":
            fields = TAGS.get(" ".join(str(tok.value).partition(":")[0].lower().split()))
            if fields is not None and set(fields) <= _TEXT_FIELDS:
                for claimed in tok.claimed:
                    words += _words_of(claimed)
        elif tok.kind in ("word", "phrase") and (here is None or here in _TEXT_FIELDS):
            words += _words_of(tok)
    return words


def _words_of(tok: Token) -> list[tuple[int, str]]:
    """(offset, word) of the words of a word or phrase token that are all letters, three or more."""
    start = tok.column - 1
    out = []
    for m in re.finditer(r"[^\s\"]+", tok.text):
        word = m.group().rstrip("?")
        if len(word) >= 3 and word.isalpha():
            out.append((start + m.start(), word))
    return out


def _correct(reader: IndexReader, words: stemtable.WordList, word: str, total: int) -> str | None:
    known = _papers(reader, word)
    if known is None:
        return None  # a stopword
    if known and total >= FEW:
        return None
    low = word.lower()
    maxdist = 2 if len(low) >= 6 else 1
    best: tuple[int, int, str] | None = None
    best_df = 0
    for candidate in _within(words, low, 2 if len(low) > 3 else 1):
        distance = edit_distance(low, candidate)
        if candidate == low or distance > maxdist:
            continue
        common = words.occurrences(candidate)
        key = (distance, -common, candidate)
        if best is not None and key >= best:
            continue  # cannot win: no need to look its terms up
        df = _papers(reader, candidate)
        if df:  # else a word of papers deleted since
            best, best_df = key, df
    if best is None or (known and best_df < 10 * known):
        return None
    fixed = best[2]
    if word.isupper():
        return fixed.upper()
    return fixed.capitalize() if word[0].isupper() else fixed


def _papers(reader: IndexReader, word: str) -> int | None:
    """Papers whose title or abstract holds ``word``'s terms (the most of its terms), or None for a stopword."""
    terms = [t.text for t in _analyzer(word, mode="query")]
    if not terms:
        return None
    return max(reader.doc_frequency(f, t) for f in ("title", "abstract") for t in terms)


def _within(word_list: stemtable.WordList, low: str, maxdist: int) -> list[str]:
    """The index's words within ``maxdist`` edits of ``low`` that share its first letter (Whoosh's Levenshtein
    automaton, which counts a swap as two edits: callers measure again), from the word list."""
    words = word_list.sorted()

    def at_or_after(text: str) -> str | None:
        i = bisect_left(words, text)
        return words[i] if i < len(words) else None

    return list(find_all_matches(levenshtein_automaton(low, maxdist, prefix=1).to_dfa(), at_or_after))


def vocabulary_size(reader: IndexReader, words: stemtable.WordList) -> int:
    """How many words suggestions can draw on: distinct words as written whose terms are in this index's titles
    or abstracts."""
    terms = {t.decode("utf-8") for field in ("title", "abstract") for t in reader.lexicon(field)}
    return sum(1 for word in words.sorted() if (_analyzer.terms(word, mode="query") or set()) & terms)


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two letters is one edit.

    >>> edit_distance("trail", "trial"), edit_distance("randmized", "randomised")
    (1, 2)
    """
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
