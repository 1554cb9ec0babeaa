"""The query language: one grammar, parsed into one tree of what was asked.

This module knows only syntax: what each piece of a query string means. What a word becomes in the index
(stems, the words as written, name forms) is :mod:`.plan`'s business, and finding the papers :mod:`.match`'s.

The grammar (``[x]`` optional, ``{x}`` repeated, ``|`` either)::

    query    = clause { [operator] clause }         operators join left to right, all of one precedence
    operator = "AND" | "OR" | "NOT"                 upper case; a missing operator is AND (match="any": OR)
    clause   = ["+" | "-"] unit ["^" number]        + required, - excluded, ^ a weight above 0
    unit     = [field ":"] atom | terms tag
    atom     = "(" query ")" | phrase | range | near
    near     = word { proximity word }              a NEAR/3 b, a ADJ3 b, a NEXT/2 b (a word or (a OR b))
    phrase   = '"' word {word} '"' ["~" number]     in order; with ~N within N words, any order
    terms    = phrase | word {word}                 the words a tag takes (below)
    tag      = "[" name [":~" number] "]"           a PubMed field tag: lawton r[au], "a b"[tiab:~2]
    range    = ("[" | "{") value "TO" value ("]" | "}") | year forms: 2020-2024, >=2020, 2020:2024[dp]
    word     = letters and digits, with * (any run of characters) or ? (one character or none) inside

``a OR b AND c`` is ``(a OR b) AND c``, as PubMed reads it, so a strategy pasted from PubMed gives PubMed's
set; parentheses group. ``NOT`` is binary, ``a NOT b``. A run of clauses with no operator between them is one
group: its ``+`` clauses must match, its ``-`` clauses must not, and its bare clauses must all match
(``match="all"``) or add to the score of papers matching any of them (``match="any"``).

A tag takes the phrase just before it, or else every bare word back to the nearest operator, parenthesis,
phrase, ``field:`` or other tag (``lawton r[au]`` is one name).

Lower-case ``and``, ``or`` and ``not`` are words, as in PubMed, with a warning. A ``?`` ending a word is a
question mark, not a wildcard (``…after ablation?``). Whoosh's other syntax (``~`` fuzzy words, ``ANDMAYBE``)
and other databases' operators this language does not have (``W/3``, ``PRE/3``) raise :class:`QueryError`
naming them and their column, so that nothing is searched as a word by accident.

>>> parse("randomi*[tiab] AND (trial OR study) NOT protocol").tree
AndNot(And((Word('randomi*', ('title', 'abstract')), Or((Word('trial'), Word('study'))))), Word('protocol'))
>>> parse('"atrial fibrillation"[tiab:~3]').tree
Phrase((('atrial',), ('fibrillation',)), ('title', 'abstract'), distance=3, ordered=False)
>>> parse("cancer or tumour").warnings
("'or' was searched as a word; did you mean OR?",)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Literal, cast

from ..errors import QueryError, check_choice, check_flag
from ..records.record import normalise_doi, normalise_pmcid, normalise_pmid
from ..records.vocabulary import issn
from .lexer import MAX_QUERY_TERMS, MAX_WORD_CHARS, Token, claim_tags, clean_word, lex
from .plan import VALUE_FIELDS
from .pubmed_tags import tagged
from .tree import And, AndMaybe, AndNot, Node, Or, Phrase, Query, Range, Word, range_node, real_date

# -- what may be typed -------------------------------------------------------------------------------------------

#: Bounds that keep every query fast: characters, nesting, and words that expand over the vocabulary (``*`` and
#: ``?``); :mod:`.lexer` bounds words and their length.
MAX_QUERY_CHARS = 20_000
MAX_NESTING = 50
MAX_PATTERNS = 20
#: How many letters or digits a pattern needs besides its wildcards (``*a*`` would read every word).
MIN_PATTERN_CHARS = 2

Match = Literal["all", "any"]


def parse(text: str, match: Match = "all", plain: bool = False) -> Query:
    """The tree of ``text``; raises :class:`QueryError` naming what cannot be understood and its column.

    ``match`` says how clauses without an operator between them combine; ``plain=True`` reads ``text`` as
    words only (no fields, operators, quotes or wildcards), for pasted sentences.
    """
    if not isinstance(text, str):
        raise QueryError(f"a query must be a string, not {type(text).__name__}")
    check_choice("match", match, ("all", "any"), QueryError)
    check_flag("plain", plain, error=QueryError)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).translate(_CURLY_QUOTES).translate(_FULL_WIDTH)
    if not text.strip():
        raise QueryError("the query is empty")
    if plain:
        return _parse_plain(text, match)
    identifier = _identifier(text)
    tokens = claim_tags(lex(text))
    parser = _Parser(tokens, match, text)
    tree = parser.parse()
    return Query(text, tree, tuple(dict.fromkeys(parser.warnings)), identifier)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Quotes as word processors and web pages curl them: a phrase pasted from them is still a phrase. (NFC above:
#: an accent typed as its own combining mark, as macOS keeps it, is one letter with the letter before it.)
_CURLY_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f", '"'))
#: Full-width forms, as Chinese and Japanese keyboards type them: ``title:（care OR safety）`` groups as typed in
#: ASCII (the ideographic space is a space).
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_YEAR_FORMS = re.compile(r"^(?:(\d{4})?(-|\.\.)(\d{4})?|(>=|<=|>|<|=)(\d{4})|(\d{4}))$")


# -- parsing -----------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token], match: Match, text: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.match = match
        self.text = text
        self.depth = 0
        self.patterns = 0
        self.warnings: list[str] = []

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node:
        tree = self.sequence(fields=())
        extra = self.peek()
        if extra is not None:  # a ")" with no "(" before it
            raise QueryError(f"unbalanced parenthesis: ')' at column {extra.column} closes nothing")
        if tree is None:
            raise QueryError(f"{self.text.strip()!r} has nothing to search")
        return tree

    def sequence(self, fields: tuple[str, ...]) -> Node | None:
        """Clauses up to a closing parenthesis or the end, joined left to right.

        ``match="all"``: a clause with no operator before it is ANDed (``-x``: NOT x), as PubMed reads
        ``a OR b c`` as ``(a OR b) AND c``. ``match="any"``: a run of clauses without operators is one group
        (:func:`_group`), and operators join the groups.
        """
        result: Node | None = None
        op: Token | None = None
        excluded: list[Node] = []  # exclusions before anything to exclude from: "-x a"
        while (tok := self.peek()) is not None and tok.kind != "rparen":
            if tok.kind == "op":
                self.next()
                if result is None and not excluded:
                    raise QueryError(f"'{tok.text}' at column {tok.column} needs a term on its left")
                if op is not None:
                    raise QueryError(f"'{tok.text}' at column {tok.column} follows '{op.text}'")
                op = tok
                continue
            node, sign = self.group(fields) if self.match == "any" else (self.clause(fields), tok.sign)
            if node is None:
                continue
            if sign == "-" and op is not None:  # "a AND -b" is "a NOT b"; after OR or NOT it means nothing
                if op.text != "AND":
                    raise QueryError(
                        f"'-' at column {tok.column - 1} follows '{op.text}'; '-' excludes papers from what "
                        "comes before it: write a NOT b or a -b"
                    )
                op = None
            if op is None and sign == "-":
                if result is None:
                    excluded.append(node)
                else:
                    result = AndNot(result, node)
            elif result is None:
                result = node
            else:
                result = _join(result, op.text if op is not None else "AND", node)
            op = None
            if result is not None and excluded:
                result = AndNot(result, excluded[0] if len(excluded) == 1 else Or(tuple(excluded)))
                excluded = []
        if op is not None:
            raise QueryError(f"'{op.text}' at column {op.column} needs a term on its right")
        if excluded:
            raise QueryError(
                f"{self.text.strip()!r} only excludes papers; add a word to search for (cancer -breast)"
            )
        return result

    def group(self, fields: tuple[str, ...]) -> tuple[Node | None, str]:
        """``match="any"``: clauses up to the next operator or parenthesis; ``+`` ones must match, ``-`` ones
        must not, and papers matching any of the others are ranked by them. A group of ``-`` clauses alone
        comes back as what it excludes, signed ``-``, for the sequence to exclude (``a AND -b``)."""
        required: list[Node] = []
        optional: list[Node] = []
        excluded: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("op", "rparen"):
            sign = tok.sign
            clause = self.clause(fields)
            if clause is not None:
                {"-": excluded, "+": required}.get(sign, optional).append(clause)
        if not (required or optional or excluded):
            return None, ""
        if not (required or optional):
            return (excluded[0] if len(excluded) == 1 else Or(tuple(excluded))), "-"
        return _group(required, optional, excluded), ""

    def clause(self, fields: tuple[str, ...]) -> Node | None:
        tok = self.next()
        if tok.kind == "field":
            if fields:
                raise QueryError(f"'{tok.text}' at column {tok.column} is inside another field's parentheses")
            return self.field_operand(tok)
        if tok.kind == "tagged":
            if fields:
                raise QueryError(f"tag {tok.text} at column {tok.column} is inside a field's parentheses")
            return tagged(self, tok)
        if tok.kind == "lparen":
            return self.parenthesised(tok, fields)
        if tok.kind == "phrase":
            return self.phrase(tok, fields)
        if tok.kind == "word":
            return self.near_or_word(tok, fields)
        if tok.kind == "prox":
            raise QueryError(f"{tok.text} at column {tok.column} needs a word on its left")
        if tok.kind == "range":
            raise QueryError(f"the range at column {tok.column} needs a field: year:{tok.text}")
        raise QueryError(f"{tok.text!r} at column {tok.column} is out of place")

    def parenthesised(self, tok: Token, fields: tuple[str, ...]) -> Node | None:
        inner = self.inside_parentheses(tok, fields)
        if (nxt := self.peek()) is not None and nxt.kind == "prox":
            return self.near([inner], tok, fields)
        return inner

    def inside_parentheses(self, tok: Token, fields: tuple[str, ...]) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QueryError(f"parentheses nested more than {MAX_NESTING} deep at column {tok.column}")
        inner = self.sequence(fields)
        close = self.peek()
        if close is None:
            raise QueryError(f"unbalanced parenthesis: '(' at column {tok.column} is never closed")
        self.next()
        self.depth -= 1
        if inner is None:
            raise QueryError(f"the parentheses at column {tok.column} hold nothing to search")
        return replace(inner, boost=inner.boost * close.boost) if close.boost != 1.0 else inner

    def field_operand(self, tok: Token) -> Node | None:
        name = str(tok.value)
        operand = self.peek()
        if operand is None or not operand.bound:
            raise QueryError(f"'{tok.text}' at column {tok.column} has nothing after it")
        if name in ("year", "date"):
            self.next()
            return self.range(name, operand)
        return self.clause((name,))

    def range(self, name: str, tok: Token) -> Node:
        if tok.kind == "range":
            m = re.fullmatch(r"([\[{])\s*(\S*)\s+TO\s+(\S*)\s*([\]}])", tok.text)
            if not m:
                raise QueryError(f"cannot read the range {tok.text} at column {tok.column}; write [2020 TO 2024]")
            low = self.value(name, m.group(2), tok) if m.group(2) not in ("", "*") else None
            high = self.value(name, m.group(3), tok) if m.group(3) not in ("", "*") else None
            return range_node(name, low, high, m.group(1) == "[", m.group(4) == "]", tok)
        if tok.kind != "word":
            raise QueryError(
                f"'{name}:' at column {tok.column - 1} needs a year (2020), a range (2020-2024) or >2020"
            )
        text = tok.text
        if name == "date":
            return range_node(name, self.value(name, text, tok), self.value(name, text, tok), True, True, tok)
        m = _YEAR_FORMS.fullmatch(text)
        if not m:
            raise QueryError(
                f"'year:{text}' at column {tok.column} needs a year: 2020, 2020-2024, >=2020 or [2020 TO 2024]"
            )
        start, dash, end, cmp, cmp_year, single = m.groups()
        if single:
            return Range("year", int(single), int(single), boost=tok.boost)
        if dash:
            if not start and not end:
                raise QueryError(f"'year:{text}' at column {tok.column} has no years")
            return range_node("year", int(start) if start else None, int(end) if end else None, True, True, tok)
        year = int(cmp_year)
        bounds = {">": (year, None, False, True), ">=": (year, None, True, True), "<": (None, year, True, False),
                  "<=": (None, year, True, True), "=": (year, year, True, True)}[cmp]  # fmt: skip
        return range_node("year", bounds[0], bounds[1], bounds[2], bounds[3], tok)

    def value(self, name: str, text: str, tok: Token) -> int | str:
        if name == "year":
            if not re.fullmatch(r"\d{4}", text):
                raise QueryError(f"'{text}' at column {tok.column} is not a year")
            return int(text)
        if not re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", text):
            raise QueryError(f"'{text}' at column {tok.column} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return real_date(text, tok)

    def phrase(self, tok: Token, fields: tuple[str, ...]) -> Node | None:
        inner, distance = tok.value if isinstance(tok.value, tuple) else (tok.value, None)
        words = self.phrase_words(str(inner), tok)
        if not words:
            raise QueryError(f"the quotes at column {tok.column} hold no words")
        if len(words) == 1 and distance is None:
            return Word(words[0], fields, quoted=True, boost=tok.boost)
        if distance is not None and len(words) < 2:
            raise QueryError(f"'~{distance}' at column {tok.column} needs two or more words in the quotes")
        ordered = distance is None
        if distance is not None:
            _text_only(fields, tok)
        return Phrase(tuple((w,) for w in words), fields, distance, ordered, tok.boost)

    def phrase_words(self, inner: str, tok: Token) -> list[str]:
        words = []
        for raw in inner.split():
            word = clean_word(raw)
            if word is None:
                continue
            if "*" in word or "?" in word:
                self.count_pattern(word, tok)
            words.append(word)
        return words

    def near_or_word(self, tok: Token, fields: tuple[str, ...]) -> Node | None:
        nxt = self.peek()
        if nxt is not None and nxt.kind == "prox":
            return self.near([self.word(tok, fields, inside_near=True)], tok, fields)
        return self.word(tok, fields)

    def near(self, operands: list[Node | None], first: Token, fields: tuple[str, ...]) -> Node:
        slots = [_slot(operands[0], first, fields)]
        distance: int | None = None
        ordered = True
        while (prox := self.peek()) is not None and prox.kind == "prox":
            self.next()
            d, o = cast(tuple[int, bool], prox.value)  # (distance, in order): set by the lexer
            if distance is not None and (d, o) != (distance, ordered):
                raise QueryError(f"{prox.text} at column {prox.column}: use one proximity operator in a chain")
            distance, ordered = d, o
            right = self.peek()
            if right is None or right.kind not in ("word", "lparen"):
                raise QueryError(f"{prox.text} at column {prox.column} needs a word on its right")
            self.next()
            if right.kind == "word":
                slots.append(_slot(self.word(right, fields, inside_near=True), right, fields))
            else:
                slots.append(_slot(self.inside_parentheses(right, fields), right, fields))
        assert distance is not None
        _text_only(fields, first)
        return Phrase(tuple(slots), fields, distance if distance >= 0 else 0, ordered)

    def word(self, tok: Token, fields: tuple[str, ...], inside_near: bool = False) -> Node | None:
        raw = tok.text
        doi = normalise_doi(raw)
        if doi is not None and (not fields or fields == ("doi",)):
            return Word(doi, ("doi",), boost=tok.boost)
        if fields == ("issn",):
            number = issn(raw)
            if number is None:
                raise QueryError(f"{raw!r} at column {tok.column} is not an ISSN (1234-5678)")
            return Word(number, fields, boost=tok.boost)
        if fields in (("pmid",), ("pmcid",)):
            norm = (normalise_pmid if fields == ("pmid",) else normalise_pmcid)(raw)
            if norm is None:
                raise QueryError(f"{raw!r} at column {tok.column} is not a {fields[0].upper()}")
            return Word(norm, fields, boost=tok.boost)
        if fields == ("doi",):
            if "*" in raw:
                return Word(
                    raw.lower().removeprefix("https://doi.org/").removeprefix("doi:"), fields, boost=tok.boost
                )
            raise QueryError(f"{raw!r} at column {tok.column} is not a DOI (10.xxxx/...)")
        if raw in ("and", "or", "not") and not inside_near and self.match == "all":
            self.warnings.append(f"'{raw}' was searched as a word; did you mean {raw.upper()}?")
        word = clean_word(raw)
        if word is None:
            return None
        if "*" in word or "?" in word:
            self.count_pattern(word, tok)
        return Word(word, fields, boost=tok.boost)

    def count_pattern(self, word: str, tok: Token, shortest: int = MIN_PATTERN_CHARS) -> None:
        """Refuse a query with too many patterns, or with a pattern of fewer than ``shortest`` letters."""
        self.patterns += 1
        if self.patterns > MAX_PATTERNS:
            raise QueryError(f"more than {MAX_PATTERNS} words with * or ?; each one reads the whole vocabulary")
        letters = sum(ch.isalnum() for ch in word)
        if letters < shortest:
            raise QueryError(
                f"{word!r} at column {tok.column} matches too many words; "
                f"give at least {shortest} letter{'s' if shortest > 1 else ''} besides * and ?"
            )


def _join(left: Node, op: str, right: Node) -> Node:
    """``left op right``, a run of one operator kept flat: ``a OR b OR c`` is one OR of three."""
    if op == "NOT":
        return AndNot(left, right)
    if op == "AND":
        return And((*left.parts, right)) if isinstance(left, And) and left.boost == 1.0 else And((left, right))
    return Or((*left.parts, right)) if isinstance(left, Or) and left.boost == 1.0 else Or((left, right))


def _group(required: list[Node], optional: list[Node], excluded: list[Node]) -> Node:
    if required:
        base: Node = required[0] if len(required) == 1 else And(tuple(required))
        if optional:
            base = AndMaybe(base, optional[0] if len(optional) == 1 else Or(tuple(optional)))
    else:
        base = optional[0] if len(optional) == 1 else Or(tuple(optional))
    if excluded:
        base = AndNot(base, excluded[0] if len(excluded) == 1 else Or(tuple(excluded)))
    return base


def _slot(node: Node | None, tok: Token, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The words one side of a proximity operator may be: a word, or words joined by OR (in the field of the
    parentheses around the operator, ``title:(heart NEAR/2 failure)``)."""
    if isinstance(node, Word) and node.fields == fields:
        return (node.text,)
    if isinstance(node, Or) and all(isinstance(p, Word) and p.fields == fields for p in node.parts):
        return tuple(p.text for p in node.parts)  # type: ignore[union-attr]  # all Words, checked above
    raise QueryError(
        f"the side of a proximity operator at column {tok.column} must be a word or words joined by OR"
    )


#: Fields proximity cannot search: names and identifiers are not running text.
_NOT_TEXT = (
    "authors", "first_author", "last_author", "journal", "doi", "pmid", "pmcid", "issn", *VALUE_FIELDS,
)  # fmt: skip


def _text_only(fields: tuple[str, ...], tok: Token) -> None:
    if set(fields) & set(_NOT_TEXT):
        raise QueryError(
            f"proximity at column {tok.column} searches running text (title, abstract and its sections), "
            f"not {fields[0]}:"
        )


def _identifier(text: str) -> tuple[str, str] | None:
    """``(kind, value)`` when the whole query is one PMID, PMCID, DOI or DOI URL."""
    stripped = text.strip()
    if not stripped or any(ch.isspace() for ch in stripped):
        return None
    if re.fullmatch(r"\d{1,9}", stripped):
        return ("pmid", normalise_pmid(stripped) or stripped)
    if (pmcid := normalise_pmcid(stripped)) and stripped.upper().startswith("PMC"):
        return ("pmcid", pmcid)
    if (doi := normalise_doi(stripped)) is not None:
        return ("doi", doi)
    return None


#: What plain text is split on besides white space: the characters of query syntax, and a hyphen that does not
#: join two words. What is left is analysed word by word, as a field's analyzer reads it.
_PLAIN_SEPARATORS = re.compile(r"[\"'()\[\]{}:^~*?+\\/<>=]|(?<!\w)-|-(?!\w)")


def _parse_plain(text: str, match: Match) -> Query:
    """Pasted text: every run of characters between white space and syntax characters is a word."""
    words = _PLAIN_SEPARATORS.sub(" ", text).split()
    if not words:
        raise QueryError(f"{text.strip()!r} has no words to search")
    if len(words) > MAX_QUERY_TERMS:
        raise QueryError(f"the query has {len(words):,} words; at most {MAX_QUERY_TERMS:,} are allowed")
    for w in words:
        if len(w) > MAX_WORD_CHARS:
            raise QueryError(f"a word is {len(w):,} characters long; words are at most {MAX_WORD_CHARS}")
    nodes = tuple(Word(w) for w in words)
    tree: Node = nodes[0] if len(nodes) == 1 else (And(nodes) if match == "all" else Or(nodes))
    return Query(text, tree)
