"""Query strings to Whoosh queries: searchlib's query language, checked before Whoosh sees it.

Whoosh's parser never fails; it quietly turns mistakes into something else. searchlib checks quotes,
parentheses and field names first and raises :class:`~searchlib.errors.QueryError` saying what is wrong
and where, then lets Whoosh parse, with field aliases (``ti:``, ``au:``, ``ab:``), ``year:2020-2024`` ranges
and ``year:>2020`` comparisons added. PubMed field tags (``lawton r[au]``, ``2020:2024[dp]``) are rewritten
into this syntax first (see :mod:`searchlib.search.pubmed_tags`). Pasted text searched for any of its words
(``plain=True, match="any"``) is built into the query Whoosh's parser would make, without the parser.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from typing import Literal

from whoosh import query as wq
from whoosh.fields import FieldType, Schema
from whoosh.qparser import AndGroup, FieldAliasPlugin, GtLtPlugin, OrGroup
from whoosh.qparser import QueryParser as WhooshQueryParser
from whoosh.qparser.plugins import MultifieldPlugin
from whoosh.qparser.syntax import GroupNode

from .._engine.schema import DEFAULT_FIELDS, FIELD_ALIASES, INTERNAL_FIELDS, TEXT_FIELDS
from ..errors import QueryError
from .pubmed_tags import translate as translate_pubmed_tags

#: How much a match in each default field counts, relative to the abstract. A title's words nearly always recur
#: in its abstract, so a title match already counts twice; on training data (benchmarks/tune.py) a title weight
#: of 0.5 ranked best on every collection, 2.0 worst. Author names are matched exactly and are rare words.
FIELD_BOOSTS: dict[str, float] = {"title": 0.5, "abstract": 1.0, "authors": 1.0}

#: With ``match="any"``, a hyphenated word also searches its parts: "IL-10" searches "il10" and, at this weight
#: relative to it, "il" and "10" (papers writing "IL-10" are indexed under all three). A word that is in no
#: paper joined ("Rad53-dependent") is searched by its parts at full weight. Chosen on training data: parts at
#: 0.25 raised nDCG@10 on SciFact's train claims and lowered no Cranfield or CISI fold; at 0.5 or 1.0 they
#: drowned out the precise joined form on Cranfield.
COMPOUND_PART_WEIGHT = 0.25

#: During a parse, whether a term is in some paper (see :meth:`QueryParser.parse`); None when not known.
_KNOWN: ContextVar[Callable[[str], bool] | None] = ContextVar("known_terms", default=None)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FIELD_PREFIX = re.compile(r"(?<![\w.\-])([A-Za-z_][A-Za-z_0-9]*):")
_YEAR_RANGE = re.compile(r"\b(year|py):(\d{4})?\s*(?:-|\.\.)\s*(\d{4})?(?=$|[\s)])", re.IGNORECASE)
_SYNTAX_CHARS = re.compile(r"[\"'()\[\]{}:^~*?+\\/]|(?<!\w)-|-(?!\w)")
_OPERATORS = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b")
MAX_QUERY_CHARS = 20_000
#: What Whoosh's parser still reads as syntax once plain text is cleaned (``GtLtPlugin``'s comparisons).
_PARSER_SYNTAX = re.compile(r"[<>=]")
#: How many words' analysed forms a parser keeps for plain text.
_MAX_CACHED_WORDS = 100_000
#: Bounds that keep every query fast (see benchmarks/hostile_queries.py): words and operators in a query, the
#: length of one word (Whoosh's tokenizer is quadratic in it; the longest DOIs are under 300), and nesting.
MAX_QUERY_TERMS = 500
MAX_WORD_CHARS = 300
MAX_NESTING = 50
#: Wildcard and fuzzy words each expand over the whole vocabulary of the fields they search.
MAX_EXPANDING_TERMS = 20
_EXPANDING = re.compile(r'[^\s()"]*(?:[*?]|~\d*)[^\s()"]*')
_QUERY_WORD = re.compile(r'[^\s()"]+')


class QueryParser:
    """Parses searchlib's query language against a schema. ``match`` is how bare words combine."""

    def __init__(self, schema: Schema, field_boosts: dict[str, float] | None = None) -> None:
        self.schema = schema
        self.field_boosts = dict(FIELD_BOOSTS if field_boosts is None else field_boosts)
        self.fields: dict[str, str] = {name: name for name in schema.names() if name not in INTERNAL_FIELDS}
        for name, aliases in FIELD_ALIASES.items():
            for alias in aliases:
                self.fields[alias] = name
        self._parsers = {
            "all": self._make_parser(AndGroup),
            "any": self._make_parser(OrGroup),
        }
        self._plain_fields = [(name, self.field_boosts.get(name, 1.0)) for name in DEFAULT_FIELDS]
        self._plain_words: dict[str, tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...]] = {}

    def _make_parser(self, group: type[GroupNode]) -> WhooshQueryParser:
        parser = _PartsParser(None, self.schema, group=group)  # what Whoosh's MultifieldParser makes, and parts
        parser.add_plugin(MultifieldPlugin(list(DEFAULT_FIELDS), fieldboosts=self.field_boosts))
        parser.add_plugin(FieldAliasPlugin({k: list(v) for k, v in FIELD_ALIASES.items()}))
        parser.add_plugin(GtLtPlugin())
        return parser

    def parse(
        self,
        text: str,
        match: Literal["all", "any"] = "all",
        plain: bool = False,
        known: Callable[[str], bool] | None = None,
    ) -> wq.Query:
        """The Whoosh query for ``text``; raises :class:`QueryError` when it cannot be understood.

        ``plain=True`` reads ``text`` as words only (no fields, operators or quotes): for pasting a sentence.
        ``known(term)`` tells whether an analysed term is in some paper of the index to be searched; with it,
        ``match="any"`` searches the parts of a hyphenated word no paper has joined at full weight (see
        :data:`COMPOUND_PART_WEIGHT`).
        """
        if not isinstance(text, str):
            raise QueryError(f"a query must be a string, not {type(text).__name__}")
        if match not in self._parsers:
            raise QueryError(f"match must be 'all' or 'any', not {match!r}")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
        text = _CONTROL.sub(" ", text).strip()
        if not text:
            raise QueryError("the query is empty")
        _check_size(text)
        if plain:
            text = _OPERATORS.sub(lambda m: m.group().lower(), _SYNTAX_CHARS.sub(" ", text))
        else:
            text = translate_pubmed_tags(text)
            self._check(text)
            if len(_EXPANDING.findall(_blank_quoted(text))) > MAX_EXPANDING_TERMS:
                raise QueryError(f"more than {MAX_EXPANDING_TERMS} wildcard (*, ?) or fuzzy (~) words")
            text = _YEAR_RANGE.sub(_year_range, text)
        if plain and match == "any":
            words = self._plain_or(text, known)
            if words is not None:
                return words
        token = _KNOWN.set(known)
        try:
            q = self._parsers[match].parse(text, normalize=match == "all")
            if match == "any":
                q = _count_repeats(q)
        except Exception as exc:  # Whoosh raises assorted errors on odd input; none should reach the user raw
            raise QueryError(f"cannot parse {text!r}: {exc}") from None
        finally:
            _KNOWN.reset(token)
        _check_parsed(q, text)
        return _tree_ors(q)

    def _plain_or(self, text: str, known: Callable[[str], bool] | None = None) -> wq.Query | None:
        """The query Whoosh's parser makes of plain ``text`` with ``match="any"`` (after :func:`_count_repeats`),
        built straight from the words; None when the text holds nothing to search, or characters Whoosh's
        parser reads as syntax even in plain text (``<``, ``>``, ``=``), so that it parses them as before.

        Whoosh's parser tags every word, builds an OR per word over the default fields, copies each one to
        count repeated words and normalises the tree: most of a pasted claim's parsing time. Here each word is
        analysed per field (the analyzer's cache makes that a lookup), a hyphenated word's parts are added as
        :class:`_PartsParser` adds them, a word said n times counts n times, and a term two words share is
        searched once, as the normalised tree has it. The tests compare the two on claims, fielded words and
        generated text.
        """
        if _PARSER_SYNTAX.search(text):
            return None
        groups: Counter[tuple[tuple[str, str, float], ...]] = Counter()
        for word in text.split():
            forms = self._plain_words.get(word)
            if forms is None:
                forms = self._word_forms(word)
                if len(self._plain_words) >= _MAX_CACHED_WORDS:
                    self._plain_words.clear()
                self._plain_words[word] = forms
            group: list[tuple[str, str, float]] = []
            for field, boost, said, parts in forms:
                group += [(field, term, boost) for term in said]
                if parts:
                    weight = _part_weight(said, known)
                    group += [(field, part, boost * weight) for part in parts]
            if group:
                # A term a word gives twice ("0\x800") is searched once for it, as in Whoosh's normalised tree.
                groups[tuple(dict.fromkeys(group))] += 1
        seen: set[tuple[str, str, float]] = set()
        terms = []
        for grouped, n in groups.items():
            for field, token, boost in grouped:
                term = (field, token, boost * n)
                if term not in seen:
                    seen.add(term)
                    terms.append(wq.Term(*term[:2], boost=term[2]))
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    def _word_forms(self, word: str) -> tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...]:
        """``(field, boost, terms a query searches, parts it indexes besides)`` for each default field."""
        forms = []
        for field, boost in self._plain_fields:
            said = tuple(self.schema[field].process_text(word, mode="query"))
            parts: tuple[str, ...] = ()
            if said and field in TEXT_FIELDS:
                parts = _parts(self.schema[field], word, said)
            forms.append((field, boost, said, parts))
        return tuple(forms)

    def _check(self, text: str) -> None:
        """Quotes and parentheses balanced, field names known and followed by something."""
        opened: list[int] = []
        in_quote: int | None = None
        for i, ch in enumerate(text):
            if ch == '"':
                in_quote = None if in_quote is not None else i
            elif in_quote is not None:
                continue
            elif ch == "(":
                opened.append(i)
                if len(opened) > MAX_NESTING:
                    raise QueryError(f"parentheses nested more than {MAX_NESTING} deep at column {i + 1}")
            elif ch == ")":
                if not opened:
                    raise QueryError(f"unbalanced parenthesis: ')' at column {i + 1} closes nothing")
                opened.pop()
        if in_quote is not None:
            raise QueryError(f"unclosed quote: the '\"' at column {in_quote + 1} is never closed")
        if opened:
            raise QueryError(f"unbalanced parenthesis: '(' at column {opened[-1] + 1} is never closed")
        for m in _FIELD_PREFIX.finditer(_blank_quoted(text)):
            name = m.group(1)
            if name.lower() not in self.fields:
                known = ", ".join(sorted(n for n in self.fields if n not in ("id",)))
                raise QueryError(f"unknown field {name!r} at column {m.start() + 1}; fields are: {known}")
            rest = text[m.end() :]
            if not rest or rest[0].isspace() or rest[0] == ")":
                raise QueryError(f"'{name}:' at column {m.start() + 1} has nothing after it")
            if self.fields[name.lower()] == "year" and not re.match(r"[\d\[{<>=]", rest):
                raise QueryError(
                    f"'{name}:' at column {m.start() + 1} needs a year (2020), a range (2020-2024) or >2020"
                )
        stripped = text.strip()
        for op in ("AND", "OR", "NOT", "ANDNOT"):
            if stripped == op or stripped.endswith(" " + op) or (op != "NOT" and stripped.startswith(op + " ")):
                raise QueryError(f"'{op}' needs a term on {'each side' if op != 'NOT' else 'its right'}")


class _PartsParser(WhooshQueryParser):
    """Whoosh's parser, but with an OR group (``match="any"``) a word in a text field (title, abstract, a
    section) also searches the terms it is indexed under that a query for it does not: the parts of a hyphenated
    word ("tissue-resident": "tissue", "resident"), a percentage's number. They weigh
    :data:`COMPOUND_PART_WEIGHT`, or as much as the word when its own terms are in no paper. Phrases, wildcards
    and other fields are left alone: a phrase still matches "COVID-19" as "covid19" only."""

    def term_query(
        self,
        fieldname: str,
        text: str,
        termclass: type[wq.Query],
        boost: float = 1.0,
        tokenize: bool = True,
        removestops: bool = True,
    ) -> wq.Query | None:
        q = super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if q is None or self.group is not OrGroup or termclass is not wq.Term:
            return q
        if fieldname not in TEXT_FIELDS or fieldname not in self.schema:
            return q
        field = self.schema[fieldname]
        said = tuple(field.process_text(text, mode="query", tokenize=tokenize, removestops=removestops))
        parts = _parts(field, text, said, tokenize=tokenize, removestops=removestops)
        if not parts:
            return q
        weight = _part_weight(said, _KNOWN.get())
        return wq.Or([q, *(wq.Term(fieldname, part, boost=boost * weight) for part in parts)])


def _parts(field: FieldType, word: str, said: tuple[str, ...], **kwargs: bool) -> tuple[str, ...]:
    """The terms ``word`` is indexed under in ``field`` besides ``said``, the ones a query for it searches."""
    searched = set(said)
    indexed = field.process_text(word, mode="index", **kwargs)
    return tuple(term for term in dict.fromkeys(indexed) if term not in searched)


def _part_weight(said: tuple[str, ...], known: Callable[[str], bool] | None) -> float:
    """The weight of a word's parts: full when none of the word's own terms is in a paper, else a quarter."""
    return 1.0 if known is not None and not any(known(term) for term in said) else COMPOUND_PART_WEIGHT


def _check_size(text: str) -> None:
    """Refuse queries whose parsing or searching would take long: too many words, too long a word."""
    words = 0
    for m in _QUERY_WORD.finditer(text):
        words += 1
        if len(m.group()) > MAX_WORD_CHARS:
            raise QueryError(
                f"the word at column {m.start() + 1} is {len(m.group()):,} characters long; "
                f"words are at most {MAX_WORD_CHARS}"
            )
    if words > MAX_QUERY_TERMS:
        raise QueryError(f"the query has {words:,} words and operators; at most {MAX_QUERY_TERMS:,} are allowed")


def _blank_quoted(text: str) -> str:
    """``text`` with everything inside quotes blanked, so field-like words in phrases are not checked."""
    return re.sub(r'"[^"]*"', lambda m: " " * len(m.group()), text)


def _year_range(m: re.Match[str]) -> str:
    start, end = m.group(2), m.group(3)
    if not start and not end:
        return m.group()
    return f"{m.group(1)}:[{start or ''} TO {end or ''}]"


def _count_repeats(q: wq.Query) -> wq.Query:
    """A word said n times in a long query counts n times (BM25's query-term frequency); Whoosh would merge them.

    In a pasted paragraph the words that recur are the ones it is about.
    """
    if not isinstance(q, wq.Or):
        return q.normalize()
    counts = Counter(child.normalize() for child in q.children())
    parts = [
        child if n == 1 else child.accept(lambda s, n=n: s.with_boost(s.boost * n) if s.is_leaf() else s)
        for child, n in counts.items()
        if child is not wq.NullQuery
    ]
    return wq.Or(parts).normalize()


def _tree_ors(q: wq.Query) -> wq.Query:
    """``q`` with each OR matched as Whoosh matches it in an index of over 5,000 papers, whatever the size.

    In an index of 5,000 papers or fewer, Whoosh reads every posting of an OR of three or more parts (a word in
    title, abstract and authors is one) into arrays before matching; on 5,000 SciFact abstracts that made
    two-word topics take 2.5 times as long as its tree of matchers, which skips ahead. The scores are the same
    sums either way.
    """
    stack = [q]
    while stack:
        node = stack.pop()
        if type(node) is wq.Or and len(node.subqueries) < wq.Or.TOO_MANY_CLAUSES:
            node.matcher_type = wq.Or.DEFAULT_MATCHER
        stack.extend(node.children())
    return q


def _check_parsed(q: wq.Query, text: str) -> None:
    # Whoosh marks the parts it could not parse with an ``error`` attribute instead of raising.
    stack = [q]
    while stack:
        sub = stack.pop()
        stack.extend(sub.children())
        error = getattr(sub, "error", None)
        if error:
            raise QueryError(f"cannot understand {text!r}: {error}")
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        raise QueryError(f"{text!r} has no words that can be searched (only stopwords or punctuation?)")
