"""Query strings cut into tokens: words, phrases, parentheses, operators, field prefixes, PubMed tags, ranges.

The parser (:mod:`.syntax`) reads the tokens; a PubMed tag has already taken the words it applies to
(:func:`claim_tags`), so the parser sees one ``tagged`` token for ``lawton r[au]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import QueryError

#: Bounds that keep every query fast: words and operators in a query, and one word's length.
MAX_QUERY_TERMS = 500
MAX_WORD_CHARS = 300
#: The largest distance of a proximity search (``"a b"~N``, ``NEAR/n``): words farther apart are not near.
MAX_DISTANCE = 1000

#: Field names and their aliases (case does not matter): every name a query may put before ``:``.
FIELD_NAMES: dict[str, str] = {
    **{name: name for name in (
        "title", "abstract", "authors", "first_author", "last_author", "journal", "year", "date", "doi", "pmid",
        "pmcid", "background", "objective", "methods", "results", "conclusions", "mesh", "mesh_major",
        "subheading", "publication_type", "language", "keywords", "affiliation", "issn",
    )},
    "ti": "title", "ab": "abstract", "au": "authors", "author": "authors", "jo": "journal", "ta": "journal",
    "py": "year", "introduction": "background", "intro": "background", "objectives": "objective",
    "aim": "objective", "aims": "objective", "method": "methods", "result": "results", "findings": "results",
    "conclusion": "conclusions", "discussion": "conclusions", "firstauthor": "first_author",
    "lastauthor": "last_author", "mh": "mesh", "majr": "mesh_major", "sh": "subheading", "pt": "publication_type",
    "la": "language", "ot": "keywords", "kw": "keywords", "keyword": "keywords", "ad": "affiliation",
    "affiliations": "affiliation",
}  # fmt: skip

_WORD_CHARS = re.compile(r"[^\s()\"\[\]{}]+")
_FIELD_PREFIX = re.compile(r"([A-Za-z_][A-Za-z_0-9]*):")
_BOOST = re.compile(r"\^(\d+(?:\.\d+)?)$")
_PROXIMITY = re.compile(r"^(?:NEAR/(\d+)|NEXT/(\d+)|ADJ(\d*))$")
_OTHER_PROXIMITY = re.compile(r"^(?:W|PRE|N|NEAR|NEXT|ADJ)/?\d*$", re.IGNORECASE)
#: Leading and trailing characters of a word that are punctuation, not part of it (``*`` is kept).
_EDGE_PUNCT = re.compile(r"^[^\w*]+|[^\w*%?]+$")
_HAS_WORD = re.compile(r"\w")


@dataclass
class Token:
    kind: str  # word phrase lparen rparen op prox tag range field tagged
    text: str
    column: int  # 1-based
    value: object = None
    sign: str = ""  # "+" or "-" before a word, a phrase, a field or a parenthesis
    boost: float = 1.0
    bound: bool = False  # the operand of the field token just before it
    claimed: list[Token] = field(default_factory=list)


def lex(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    sign = ""  # a "+" or "-" standing just before "(" or '"'
    words = 0
    while i < n:
        ch = text[i]
        col = i + 1
        if ch.isspace():
            i += 1
            continue
        glued = bool(tokens) and tokens[-1].kind == "field" and tokens[-1].column + len(tokens[-1].text) == col
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(f"unclosed quote: the '\"' at column {col} is never closed")
            inner = text[i + 1 : end]
            i = end + 1
            tok = Token("phrase", text[col - 1 : i], col, value=inner, bound=glued, sign=sign)
            if m := re.match(r"~(\d+)", text[i:]):
                tok.value = (inner, check_distance(int(m.group(1)), f"'~{m.group(1)}'", col))
                i += m.end()
            elif text[i : i + 1] == "~":
                raise QueryError(f"'~' at column {i + 1} needs a number of words: \"a b\"~3")
            i, tok.boost = _read_boost(text, i)
            tokens.append(tok)
            words += len(inner.split())
        elif ch == "(":
            tokens.append(Token("lparen", ch, col, sign=sign, bound=glued))
            i += 1
        elif ch == ")":
            tok = Token("rparen", ch, col)
            i, tok.boost = _read_boost(text, i + 1)
            tokens.append(tok)
        elif ch in "[{" and glued:
            end = _find_close(text, i)
            tokens.append(Token("range", text[i : end + 1], col, bound=True))
            i = end + 1
        elif ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise QueryError(f"unclosed '[' at column {col}: a PubMed tag is written like [tiab]")
            inside = text[i + 1 : end].strip()
            if " TO " in f" {inside} ":
                raise QueryError(f"the range at column {col} needs a field: year:[2020 TO 2024]")
            tokens.append(Token("tag", text[i : end + 1], col, value=inside))
            i = end + 1
        else:
            if ch in "]{}":
                raise QueryError(f"'{ch}' at column {col} is out of place; ranges are written year:[2020 TO 2024]")
            m = _WORD_CHARS.match(text, i)
            assert m is not None
            raw, i = m.group(), m.end()
            words += 1
            if words > MAX_QUERY_TERMS:
                raise QueryError(
                    f"the query has too many words and operators; at most {MAX_QUERY_TERMS:,} are allowed"
                )
            if len(raw) > MAX_WORD_CHARS:
                raise QueryError(
                    f"the word at column {col} is {len(raw):,} characters long; words are at most {MAX_WORD_CHARS}"
                )
            if raw in ("+", "-"):  # a sign for the "(" or '"' just after it; "a - b" is punctuation
                sign = raw if text[i : i + 1] in ("(", '"') else ""
                continue
            tokens.extend(_word_tokens(raw, col))
        sign = ""
    return tokens


def _word_tokens(raw: str, col: int) -> list[Token]:
    """The tokens of one run of word characters: a sign, a ``field:`` prefix, the word or operator."""
    sign = ""
    if raw[0] in "+-" and (raw[1].isalnum() or raw[1] in "*_"):
        sign, raw, col = raw[0], raw[1:], col + 1
    fm = _FIELD_PREFIX.match(raw)
    if not fm or raw.lower().startswith(("http:", "https:")):
        tok = _word_token(raw, col)
        tok.sign = sign
        return [tok]
    name = fm.group(1)
    if name.lower() not in FIELD_NAMES:
        known = ", ".join(sorted(FIELD_NAMES))
        raise QueryError(f"unknown field {name!r} at column {col}; fields are: {known}")
    field_tok = Token("field", raw[: fm.end()], col, value=FIELD_NAMES[name.lower()], sign=sign)
    rest = raw[fm.end() :]
    if not rest:
        return [field_tok]  # its operand follows: "(", a phrase or a range (checked by the parser)
    operand = _word_token(rest, col + fm.end())
    operand.bound = True
    return [field_tok, operand]


def _find_close(text: str, start: int) -> int:
    for j in range(start + 1, len(text)):
        if text[j] in "]}":
            return j
    raise QueryError(f"unclosed range: the '{text[start]}' at column {start + 1} is never closed")


def _read_boost(text: str, i: int) -> tuple[int, float]:
    if text[i : i + 1] != "^":
        return i, 1.0
    m = re.match(r"\^(\d+(?:\.\d+)?)", text[i:])
    if not m or float(m.group(1)) <= 0:
        raise QueryError(f"'^' at column {i + 1} needs a weight above 0, such as ^2 or ^0.5")
    return i + m.end(), float(m.group(1))


def _word_token(raw: str, col: int) -> Token:
    boost = 1.0
    caret = raw.rfind("^")
    if caret > 0:
        m = _BOOST.search(raw)
        if not m or float(m.group(1)) <= 0:
            raise QueryError(f"'^' at column {col + caret} needs a weight above 0, such as ^2 or ^0.5")
        boost, raw = float(m.group(1)), raw[:caret]
    elif caret == 0:
        raise QueryError(f"'^' at column {col} has no word before it")
    if raw in ("AND", "OR", "NOT"):
        return Token("op", raw, col)
    if raw in ("ANDNOT", "ANDMAYBE"):
        raise QueryError(
            f"{raw} at column {col} is not an operator here; use NOT, or +word (required) and plain words"
        )
    prox = _PROXIMITY.match(raw)
    if prox:
        near, nxt, adj = prox.groups()
        if near is not None:
            value: tuple[int | None, bool] = (check_distance(int(near), raw, col), False)
        elif nxt is not None:
            value = (check_distance(int(nxt), raw, col), True)
        elif adj:
            if int(adj) < 1:
                raise QueryError(f"ADJ{adj} at column {col}: the distance of ADJn is at least 1")
            value = (check_distance(int(adj) - 1, raw, col), False)
        else:
            value = (0, True)
        return Token("prox", raw, col, value=value)
    if _OTHER_PROXIMITY.match(raw) and raw.isupper() and ("/" in raw or raw in ("NEAR", "NEXT")):
        raise QueryError(
            f"{raw} at column {col} is not an operator searchlib knows; proximity is written a NEAR/3 b, "
            'a NEXT/3 b (in order), a ADJ3 b, or "a b"~3'
        )
    if "~" in raw:
        raise QueryError(
            f"'~' in {raw!r} at column {col}: fuzzy words are not supported; use * for any ending (randomi*), "
            'or ~ after a phrase for words near each other ("a b"~3)'
        )
    return Token("word", raw, col, boost=boost)


def check_distance(distance: int, what: str, column: int) -> int:
    """``distance``, or :class:`QueryError` naming ``what`` when it is beyond :data:`MAX_DISTANCE`."""
    if distance > MAX_DISTANCE:
        raise QueryError(f"{what} at column {column}: a proximity distance is at most {MAX_DISTANCE:,} words")
    return distance


#: PubMed's publication date tags, whose dates may each be quoted and tagged: ``"2020/01"[dp] : "2020/06"[dp]``.
DATE_TAGS = frozenset({"dp", "pdat", "date - publication", "publication date"})


def claim_tags(tokens: list[Token]) -> list[Token]:
    """Each tag with the words (or phrase) it takes, as one ``tagged`` token."""
    out: list[Token] = []
    for tok in tokens:
        if tok.kind != "tag":
            out.append(tok)
            continue
        claimed: list[Token] = []
        if out and out[-1].kind == "phrase" and not out[-1].bound:
            claimed = [out.pop()]
            if _date_range_start(out, tok):  # "2020/01"[dp] : "2020/06"[dp], or "2020/01":"2020/06"[dp]
                out.pop()  # the ":"
                start = out.pop()
                column = (start.claimed[0] if start.kind == "tagged" else start).column
                claimed = [Token("word", f"{_phrase_text(start)}:{_phrase_text(claimed[0])}", column)]
        else:
            while out and out[-1].kind == "word" and not out[-1].bound:
                claimed.insert(0, out.pop())
                if claimed[0].sign:
                    break
        if not claimed:
            raise QueryError(f"PubMed tag {tok.text} at column {tok.column} has no term before it")
        for inner in claimed[1:]:
            if inner.sign:
                raise QueryError(
                    f"'{inner.sign}' at column {inner.column - 1} is inside the words of tag {tok.text}"
                )
        tagged = Token("tagged", tok.text, claimed[0].column, value=tok.value, sign=claimed[0].sign)
        tagged.claimed = claimed
        tagged.boost = claimed[-1].boost
        out.append(tagged)
    return out


def _date_range_start(out: list[Token], tag: Token) -> bool:
    """Whether ``out`` ends with the start of a quoted date range and its ``:``, for the date tag ``tag``."""
    if " ".join(str(tag.value).lower().split()) not in DATE_TAGS or len(out) < 2 or out[-1].text != ":":
        return False
    start = out[-2]
    if start.kind == "tagged":
        return " ".join(str(start.value).lower().split()) in DATE_TAGS and start.claimed[0].kind == "phrase"
    return start.kind == "phrase" and not start.bound


def _phrase_text(tok: Token) -> str:
    """The quoted text of a phrase token, or of the phrase a tagged token took."""
    phrase = tok.claimed[0] if tok.kind == "tagged" else tok
    return str(phrase.value[0] if isinstance(phrase.value, tuple) else phrase.value).strip()


def clean_word(raw: str) -> str | None:
    """A word with the punctuation around it dropped; None when nothing is left to search.

    A ``?`` at the end is a question mark, one inside a wildcard (``behavio?r``).
    """
    word = raw.rstrip("?") if not raw.rstrip("?").endswith("*") else raw
    word = _EDGE_PUNCT.sub("", word)
    if not word or not (_HAS_WORD.search(word) or "*" in word):
        return None
    return word
